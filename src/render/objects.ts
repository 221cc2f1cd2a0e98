// Rendered Kubernetes objects: parsed with their typed metadata, the raw object and the text helm
// printed, found by kind, component and tenant. Their workloads are read through workloads.ts.
// Parsing uses js-yaml (a dependency of @kubernetes/client-node): on a 50-tenant render it is
// about ten times faster than the yaml package's parseAllDocuments, which kept `omrs render`
// far above its budget of 1.5x a bare `helm template` (bench/render.mjs).
import jsyaml from 'js-yaml';
import { ExitCode, OmrsError } from '../errors.js';
import { MASK } from '../mask.js';
import { isRecord, stringMap } from './json.js';

export const COMPONENTS = ['gateway', 'frontend', 'backend', 'db', 'init', 'backup'] as const;
export type Component = (typeof COMPONENTS)[number];

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  /** The whole object as rendered (including metadata). */
  raw: Record<string, unknown>;
  /** The document as helm printed it (comments included); replaced when the object is masked. */
  text: string;
  /** The template file that rendered it (from helm's "# Source:" comment), when known. */
  source?: string;
}

/** helm separates documents with a line "---"; inside block scalars such a line is indented. */
const SEPARATOR = /^---[ \t]*$/m;

/**
 * A user's document may not expand, aliases followed, to more nodes than this (nor to more than
 * ten times the nodes it has): a "billion laughs" document, refused as for profiles.
 */
const MAX_EXPANDED_NODES = 100_000;

/**
 * Parses multi-document YAML: helm's output (the default), or a user's manifest file (`from:
 * 'file'`), whose problems are the user's (exit 2) and whose aliases may not expand without bound.
 * Empty documents are skipped; a broken one is an error.
 */
export function parseObjects(text: string, from: 'chart' | 'file' = 'chart'): KubeObject[] {
  const objects: KubeObject[] = [];
  const user = from === 'file';
  const parts = text.split(SEPARATOR);
  for (const [index, part] of parts.entries()) {
    const which = parts.length > 1 ? `document ${index + 1}` : 'the document';
    // helm's output is YAML helm has parsed already (it sorts the documents by kind): read its
    // head now, and the rest only when a caller needs it (printing needs the text alone).
    const head = user ? undefined : headOf(part);
    const value = head ?? load(part, which, user);
    if (value === null || value === undefined) continue;
    if (
      !isRecord(value) ||
      typeof value.kind !== 'string' ||
      typeof value.apiVersion !== 'string' ||
      !isRecord(value.metadata)
    )
      throw new OmrsError(
        user
          ? {
              code: 'MANIFEST_NOT_OBJECT',
              message: `${which} is not a Kubernetes object (it needs apiVersion, kind and metadata)`,
              hint: 'Give omrs check Kubernetes manifests, e.g. the output of `omrs render -o <dir>` or `kubectl get -o yaml`.',
              exitCode: ExitCode.usage,
            }
          : {
              code: 'RENDER_BAD_OBJECT',
              message: 'the chart rendered a document that is not a Kubernetes object',
              exitCode: ExitCode.failed,
            },
      );
    const meta = value.metadata;
    const source = /^# Source: (\S+)/m.exec(part)?.[1];
    const object = {
      apiVersion: value.apiVersion,
      kind: value.kind,
      metadata: {
        name: String(meta.name ?? ''),
        ...(typeof meta.namespace === 'string' && { namespace: meta.namespace }),
        labels: stringMap(meta.labels),
        annotations: stringMap(meta.annotations),
      },
      raw: value,
      text: part.replace(/^\n+/, ''),
      ...(source && { source }),
    };
    if (head) lazyRaw(object, () => load(part, which, false) as Record<string, unknown>);
    objects.push(object);
  }
  return objects;
}

function load(part: string, which: string, user: boolean): unknown {
  try {
    const value = jsyaml.load(part, { schema: jsyaml.CORE_SCHEMA });
    if (user && /(^|[\s[{,:-])\*[^\s,\]}]/.test(part)) refuseAliasBomb(value, which);
    return value;
  } catch (error) {
    if (error instanceof OmrsError) throw error;
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new OmrsError(
      user
        ? {
            code: 'MANIFEST_BAD_YAML',
            message: `${which} is not valid YAML: ${why}`,
            exitCode: ExitCode.usage,
          }
        : {
            code: 'RENDER_BAD_YAML',
            message: `the chart rendered invalid YAML: ${why}`,
            exitCode: ExitCode.failed,
          },
    );
  }
}

/** The parsed head of a chart document; undefined when it has none or it does not parse (then the
 * whole document is read, for the error it gives). */
function headOf(part: string): Record<string, unknown> | undefined {
  const head = chartHead(part);
  if (head === undefined) return undefined;
  try {
    const value: unknown = jsyaml.load(head, { schema: jsyaml.CORE_SCHEMA });
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const HEAD_KEYS = new Set(['apiVersion', 'kind', 'metadata']);
const TOP_KEY = /^([A-Za-z_][\w.-]*):(?:[ \t]|$)/;

/**
 * The lines of a document's top-level apiVersion, kind and metadata (and the comments and blank
 * lines among them), up to the first other key after all three; undefined when a line at column 0
 * is neither a plain key, a comment nor blank (a flow document, a quoted key): read it whole then.
 */
function chartHead(part: string): string | undefined {
  const kept: string[] = [];
  const seen = new Set<string>();
  let current: string | undefined;
  let from = 0;
  while (from <= part.length) {
    let to = part.indexOf('\n', from);
    if (to === -1) to = part.length;
    const line = part.slice(from, to);
    from = to + 1;
    const first = line.charAt(0);
    if (first !== '' && first !== ' ' && first !== '\t' && first !== '#') {
      const key = TOP_KEY.exec(line)?.[1];
      if (key === undefined) return undefined;
      if (seen.size === HEAD_KEYS.size && !HEAD_KEYS.has(key)) break;
      current = key;
      if (HEAD_KEYS.has(key)) seen.add(key);
    }
    if (current === undefined || HEAD_KEYS.has(current)) kept.push(line);
  }
  return seen.size === 0 ? undefined : kept.join('\n');
}

/** `raw` read on first use (and kept); a caller may still replace it. */
function lazyRaw(object: { raw: unknown }, read: () => Record<string, unknown>): void {
  let raw: Record<string, unknown> | undefined;
  Object.defineProperty(object, 'raw', {
    enumerable: true,
    configurable: true,
    get: () => (raw ??= read()),
    set: (value: Record<string, unknown>) => (raw = value),
  });
}

/**
 * js-yaml gives an alias the very object its anchor built, so loading stays linear; walking the
 * result (the rules, JSON) follows every alias. Counts the nodes such a walk would visit, each
 * shared object counted once per place it appears but measured once, and refuses a document whose
 * aliases multiply it.
 */
function refuseAliasBomb(value: unknown, which: string): void {
  const sizes = new Map<object, number>();
  let distinct = 0;
  const expanded = (v: unknown): number => {
    if (v === null || typeof v !== 'object') return 1;
    const known = sizes.get(v);
    if (known !== undefined) return known;
    sizes.set(v, 1); // a cycle (an anchor inside itself) counts once
    distinct++;
    let n = 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) n += expanded(child);
    sizes.set(v, n);
    return n;
  };
  const total = expanded(value);
  if (total > MAX_EXPANDED_NODES && total > 10 * (distinct + 1))
    throw new OmrsError({
      code: 'MANIFEST_ALIAS_BOMB',
      message: `${which} has YAML aliases that expand too much (resource exhaustion)`,
      hint: 'Manifests do not need aliases that expand this much; write the values out.',
      exitCode: ExitCode.usage,
    });
}

export const componentOf = (o: KubeObject): string | undefined => o.metadata.labels['omrs.dev/component'];
export const tenantOf = (o: KubeObject): string | undefined => o.metadata.labels['omrs.dev/tenant'];

export interface Selector {
  kind?: string | string[];
  component?: Component | Component[];
  tenant?: string;
  name?: string;
}

const matches = (want: string | string[] | undefined, have: string | undefined): boolean =>
  want === undefined || (Array.isArray(want) ? have !== undefined && want.includes(have) : want === have);

export function select(objects: KubeObject[], selector: Selector): KubeObject[] {
  return objects.filter(
    (o) =>
      matches(selector.kind, o.kind) &&
      matches(selector.component, componentOf(o)) &&
      matches(selector.tenant, tenantOf(o)) &&
      matches(selector.name, o.metadata.name),
  );
}

/** Exactly one object, or an error naming what was looked for. */
export function selectOne(objects: KubeObject[], selector: Selector): KubeObject {
  const found = select(objects, selector);
  if (found.length !== 1)
    throw new Error(`expected one object matching ${JSON.stringify(selector)}, found ${found.length}`);
  return found[0] as KubeObject;
}

/** A copy with every Secret value replaced by *** (for printing). */
export function maskSecretData(o: KubeObject): KubeObject {
  if (o.kind !== 'Secret') return o;
  const raw = { ...o.raw };
  for (const field of ['data', 'stringData'])
    if (isRecord(raw[field])) raw[field] = Object.fromEntries(Object.keys(raw[field]).map((k) => [k, MASK]));
  return { ...o, raw, text: maskSecretText(o.text) ?? jsyaml.dump(raw, { lineWidth: -1, noRefs: true }) };
}

const SECRET_FIELD = /^(?:data|stringData):/;
const SECRET_ENTRY = /^ {2}([-._a-zA-Z0-9]+):/;

/**
 * Masks the values of helm's block-style `data:` / `stringData:` maps in place, keeping the rest
 * of the document (its `# Source:` comment, key order) as helm printed it. Undefined for any
 * other layout, which is then re-serialised from the masked object.
 */
function maskSecretText(text: string): string | undefined {
  const out: string[] = [];
  let inMap = false;
  for (const line of text.split('\n')) {
    if (SECRET_FIELD.test(line)) {
      if (line.trimEnd() !== line.split(':')[0] + ':') return undefined;
      inMap = true;
      out.push(line);
      continue;
    }
    if (inMap) {
      const entry = SECRET_ENTRY.exec(line);
      if (entry) {
        out.push(`  ${entry[1]}: '${MASK}'`); // quoted: a bare * starts a YAML alias
        continue;
      }
      if (line.startsWith('   ') || line.trim() === '') continue; // a block scalar's lines
      if (line.startsWith(' ')) return undefined;
      inMap = false;
    }
    out.push(line);
  }
  return out.join('\n');
}
