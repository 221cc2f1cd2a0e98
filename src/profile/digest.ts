// The app digest: sha256 over the canonical JSON of the app keys. Formatting, key order
// and env keys do not change it; any app value does.
import { createHash } from 'node:crypto';
import { isPlainObject } from './merge.js';
import { ProfileSchema, metaOf, type Profile } from './schema.js';

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Splits a validated profile into its app keys and its env keys. */
export function splitScopes(profile: Profile): {
  app: Record<string, unknown>;
  env: Record<string, unknown>;
} {
  const app: Record<string, unknown> = {};
  const env: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(ProfileSchema.shape)) {
    const value = (profile as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (metaOf(schema).scope === 'app') app[key] = value;
    else env[key] = value;
  }
  return { app, env };
}

export function appDigest(profile: Profile): string {
  return (
    'sha256:' +
    createHash('sha256')
      .update(canonicalJson(splitScopes(profile).app))
      .digest('hex')
  );
}
