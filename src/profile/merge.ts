// Layering: maps merge key by key, lists and scalars replace, `null` removes a key.
// Alongside the value it keeps, for every path, the file position that set it.
import { pathKey, type Position } from './source.js';

export type Path = (string | number)[];
export interface Layer {
  value: Record<string, unknown>;
  positions: Map<string, Position>;
  secretPaths: Path[];
  /** Paths whose value came from variables, with the variables' names. */
  interpolated: { path: Path; variables: string[] }[];
}

export interface Merged {
  value: Record<string, unknown>;
  origins: Map<string, Position>;
  secrets: Set<string>;
  /** By path key: the variables a value came from, for paths whose value was interpolated. */
  interpolated: Map<string, string[]>;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergeLayers(layers: Layer[]): Merged {
  const merged: Merged = { value: {}, origins: new Map(), secrets: new Set(), interpolated: new Map() };
  for (const layer of layers) {
    mergeInto(merged.value, layer.value, [], layer, merged);
    for (const path of layer.secretPaths) merged.secrets.add(pathKey(path));
    for (const { path, variables } of layer.interpolated) merged.interpolated.set(pathKey(path), variables);
  }
  return merged;
}

function mergeInto(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
  path: Path,
  layer: Layer,
  merged: Merged,
): void {
  for (const [key, value] of Object.entries(source)) {
    const childPath = [...path, key];
    if (value === null) {
      delete target[key];
      dropSubtree(merged, childPath);
      continue;
    }
    const existing = target[key];
    if (isPlainObject(value) && isPlainObject(existing)) {
      recordOrigin(merged, layer, childPath);
      mergeInto(existing, value, childPath, layer, merged);
      continue;
    }
    dropSubtree(merged, childPath);
    target[key] = structuredClone(stripNulls(value));
    recordSubtree(merged, layer, childPath, value);
  }
}

/** Nulls inside a freshly set subtree mean "absent" as well. */
function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripNulls);
  if (isPlainObject(value))
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, stripNulls(v)]),
    );
  return value;
}

function recordOrigin(merged: Merged, layer: Layer, path: Path): void {
  const position = layer.positions.get(pathKey(path));
  if (position) merged.origins.set(pathKey(path), position);
}

function recordSubtree(merged: Merged, layer: Layer, path: Path, value: unknown): void {
  recordOrigin(merged, layer, path);
  if (Array.isArray(value)) value.forEach((item, i) => recordSubtree(merged, layer, [...path, i], item));
  else if (isPlainObject(value))
    for (const [k, v] of Object.entries(value)) recordSubtree(merged, layer, [...path, k], v);
}

function dropSubtree(merged: Merged, path: Path): void {
  const own = pathKey(path);
  const prefix = own.slice(0, -1) + ',';
  for (const key of [...merged.origins.keys()])
    if (key === own || key.startsWith(prefix)) merged.origins.delete(key);
  for (const key of [...merged.secrets])
    if (key === own || key.startsWith(prefix)) merged.secrets.delete(key);
  for (const key of [...merged.interpolated.keys()])
    if (key === own || key.startsWith(prefix)) merged.interpolated.delete(key);
}

/** Where a path was set; falls back to the nearest ancestor that has a position. */
export function originOf(origins: Map<string, Position>, path: Path): Position | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const found = origins.get(pathKey(path.slice(0, depth)));
    if (found) return found;
  }
  return undefined;
}
