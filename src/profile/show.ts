// The resolved profile as YAML for people: secrets masked, optionally each key's origin.
import { relative } from 'node:path';
import { Document, isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import { isPlainObject, type Path } from './merge.js';
import type { ResolvedProfile } from './load.js';
import { metaOf, schemaAt } from './schema.js';
import { pathKey } from './source.js';
import { MASK } from '../mask.js';

const isSecretPath = (resolved: ResolvedProfile, path: Path): boolean => {
  if (resolved.merged.secrets.has(pathKey(path))) return true;
  const schema = schemaAt(path);
  return schema !== undefined && metaOf(schema).secret === true;
};

/** A copy of the profile with every secret value replaced by ***. */
export function maskSecrets(resolved: ResolvedProfile): Record<string, unknown> {
  const walk = (value: unknown, path: Path): unknown => {
    if (isSecretPath(resolved, path) && value !== undefined) return MASK;
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (isPlainObject(value))
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
    return value;
  };
  return walk(resolved.profile, []) as Record<string, unknown>;
}

export function renderProfileYaml(
  resolved: ResolvedProfile,
  options: { origins: boolean; cwd: string },
): string {
  const doc = new Document(maskSecrets(resolved));
  if (options.origins) annotate(doc.contents as Node, [], resolved, options.cwd);
  return doc.toString({ lineWidth: 0 });
}

function annotate(node: Node, path: Path, resolved: ResolvedProfile, cwd: string): void {
  const originText = (p: Path): string => {
    const origin = resolved.merged.origins.get(pathKey(p));
    if (!origin) return ' (default)';
    const where = origin.key ?? origin.value;
    return ` ${relative(cwd, where.file) || where.file}:${where.line}`;
  };
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const childPath = [...path, String(pair.key.value)];
      const value = pair.value as Node;
      if (isScalar(value)) value.comment = originText(childPath);
      else if (isSeq(value) && value.items.every((item) => isScalar(item))) {
        // A short list of scalars reads best on one line with its origin after it.
        value.flow = true;
        value.comment = originText(childPath);
      } else if (value) annotate(value, childPath, resolved, cwd);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      const childPath = [...path, i];
      if (isScalar(item)) item.comment = originText(childPath);
      else annotate(item as Node, childPath, resolved, cwd);
    });
  }
}
