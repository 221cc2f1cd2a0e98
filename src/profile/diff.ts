// Compares two resolved profiles, app keys and env keys apart.
import { isPlainObject } from './merge.js';
import { splitScopes } from './digest.js';
import type { Profile } from './schema.js';

export interface Change {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  from?: unknown;
  to?: unknown;
}

export interface ProfileDiff {
  app: Change[];
  env: Change[];
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.some((v) => isPlainObject(v) || Array.isArray(v))
  ) {
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (value !== undefined) {
    out.set(prefix, value);
  }
  return out;
}

function compare(a: unknown, b: unknown): Change[] {
  const left = flatten(a, '', new Map());
  const right = flatten(b, '', new Map());
  const changes: Change[] = [];
  for (const [path, from] of left) {
    if (!right.has(path)) changes.push({ path, kind: 'removed', from });
    else if (JSON.stringify(from) !== JSON.stringify(right.get(path)))
      changes.push({ path, kind: 'changed', from, to: right.get(path) });
  }
  for (const [path, to] of right) if (!left.has(path)) changes.push({ path, kind: 'added', to });
  return changes.sort((x, y) => x.path.localeCompare(y.path));
}

export function diffProfiles(a: Profile, b: Profile): ProfileDiff {
  const sa = splitScopes(a);
  const sb = splitScopes(b);
  return { app: compare(sa.app, sb.app), env: compare(sa.env, sb.env) };
}
