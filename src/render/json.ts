// Narrowing parsed JSON/YAML (rendered objects, manifests, HCL bodies) without casts.
export type Json = Record<string, unknown>;

export const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** The map, or an empty one for anything else. */
export const rec = (v: unknown): Json => (isRecord(v) ? v : {});
/** The list, or an empty one for anything else. */
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** Strings as they are, numbers and booleans as text; anything else undefined. */
export const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
/** A map of labels or annotations, every value as text. */
export const stringMap = (v: unknown): Record<string, string> =>
  isRecord(v) ? Object.fromEntries(Object.entries(v).map(([k, val]) => [k, String(val)])) : {};
