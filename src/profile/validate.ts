// Turns schema violations into problems that name the file, line, key path, expectation and a hint.
// A value that came from a variable, or sits in a secret field, is never quoted: the problem names
// the variable (or says it is a secret) instead.
import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import type { Problem } from '../errors.js';
import { scrub } from '../mask.js';
import { originOf, type Merged, type Path } from './merge.js';
import { keysAt, metaOf, schemaAt } from './schema.js';
import { pathKey, type Position } from './source.js';

type Issue = z.core.$ZodIssue;

/** Why a value must not be quoted: the variables it came from, or that it is a secret field. */
type Hidden = { variables: string[] } | { secret: true };

export function issuesToProblems(
  issues: readonly Issue[],
  merged: Pick<Merged, 'value' | 'origins' | 'interpolated'>,
): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push(unknownKey([...path, key], merged.origins));
      continue;
    }
    const location = originOf(merged.origins, path)?.value;
    const actual = valueAt(merged.value, path);
    const hidden = hiddenAt(merged, path);
    const shown = describeValue(actual, hidden);
    const base = { path, ...(location && { location }) };
    switch (issue.code) {
      case 'invalid_type':
        problems.push({
          ...base,
          code: 'PROFILE_INVALID_TYPE',
          message:
            actual === undefined
              ? `${describePath(path)} is required`
              : `${describePath(path)} must be ${article(issue.expected)}, not ${shown}`,
          expected: issue.expected,
          ...(hidden ? hiddenHint(hidden, issue.expected) : typeHint(issue.expected, actual)),
        });
        break;
      case 'invalid_value': {
        const allowed = issue.values.map(String);
        const guess = typeof actual === 'string' && !hidden ? suggest(actual, allowed) : undefined;
        problems.push({
          ...base,
          code: 'PROFILE_INVALID_VALUE',
          message: `${describePath(path)} is ${shown}, which is not allowed`,
          expected: `one of ${allowed.map((v) => `"${v}"`).join(', ')}`,
          ...(guess && { hint: `Did you mean "${guess}"?` }),
          ...(hidden && hiddenHint(hidden, 'string')),
        });
        break;
      }
      default: {
        const { message, expected } = rangeOrCustom(issue, path, actual, shown);
        problems.push({
          ...base,
          code: 'PROFILE_INVALID_VALUE',
          // A custom check may quote the value it refused (e.g. a duplicate tenant name).
          message: hidden && typeof actual === 'string' ? scrub(message, [actual]) : message,
          ...(expected && { expected }),
          ...(hidden && hiddenHint(hidden, 'string')),
        });
      }
    }
  }
  return problems;
}

function hiddenAt(merged: Pick<Merged, 'interpolated'>, path: Path): Hidden | undefined {
  const variables = merged.interpolated.get(pathKey(path));
  if (variables) return { variables };
  const schema = schemaAt(path);
  return schema && metaOf(schema).secret === true ? { secret: true } : undefined;
}

const references = (variables: string[]): string => variables.map((v) => `\${${v}}`).join(', ');

function hiddenHint(hidden: Hidden, expected: string): { hint: string } {
  if ('secret' in hidden) return { hint: 'The value is a secret and is not shown; check it in the profile.' };
  const from = `The value comes from ${references(hidden.variables)} and is not shown`;
  if (expected === 'number' || expected === 'int' || expected === 'boolean')
    return {
      hint: `${from}; a variable always gives a string, so write the ${expected === 'boolean' ? 'true/false' : 'number'} in the profile itself.`,
    };
  return { hint: `${from}: check what that variable is set to.` };
}

function unknownKey(path: Path, origins: Map<string, Position>): Problem {
  const key = String(path[path.length - 1]);
  const parent = path.slice(0, -1);
  const allowed = keysAt(parent);
  const guess = suggest(key, allowed);
  const position = originOf(origins, path);
  return {
    code: 'PROFILE_UNKNOWN_KEY',
    message: `unknown key "${key}"${parent.length ? ` in ${describePath(parent)}` : ' at the top level'}`,
    path,
    ...(position && { location: position.key ?? position.value }),
    expected: allowed.length > 0 ? `one of: ${allowed.join(', ')}` : 'no keys here',
    hint: guess ? `Did you mean \`${guess}\`?` : 'Remove it, or check the key against `omrs profile schema`.',
  };
}

export function suggest(input: string, candidates: string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const lower = candidates.find((c) => c.toLowerCase() === input.toLowerCase());
  if (lower) return lower;
  const best = closest(input, candidates);
  return distance(input, best) <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined;
}

function rangeOrCustom(
  issue: Issue,
  path: Path,
  actual: unknown,
  shown: string,
): { message: string; expected?: string } {
  const what = Array.isArray(actual) ? 'item(s)' : '';
  if (issue.code === 'too_small')
    return {
      message: `${describePath(path)} is ${Array.isArray(actual) ? `a list of ${actual.length}` : shown}, which is too small`,
      expected: `at least ${String(issue.minimum)} ${what}`.trim(),
    };
  if (issue.code === 'too_big')
    return {
      message: `${describePath(path)} is ${Array.isArray(actual) ? `a list of ${actual.length}` : shown}, which is too big`,
      expected: `at most ${String(issue.maximum)} ${what}`.trim(),
    };
  return { message: `${describePath(path)}: ${issue.message}` };
}

function typeHint(expected: string, actual: unknown): { hint?: string } {
  if (typeof actual !== 'string') return {};
  if ((expected === 'number' || expected === 'int') && actual.trim() !== '' && !Number.isNaN(Number(actual)))
    return { hint: `Remove the quotes: write ${actual} rather than "${actual}".` };
  if (expected === 'boolean') return { hint: 'Write true or false (YAML 1.2: yes/no/on/off are strings).' };
  if (expected === 'number' || expected === 'int') return { hint: 'Write a number, e.g. 3.' };
  return {};
}

function valueAt(value: unknown, path: Path): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

export const describePath = (path: Path): string =>
  path.length === 0
    ? 'the profile'
    : '`' + path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') + '`';

function describeValue(value: unknown, hidden?: Hidden): string {
  if (value === undefined) return 'missing';
  if (hidden) {
    const kind = value === null ? 'null' : typeof value;
    return 'secret' in hidden
      ? `a ${kind} (a secret, not shown)`
      : `a ${kind} from ${references(hidden.variables)} (not shown)`;
  }
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string')
    return `the string "${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
  return `${typeof value} ${String(value)}`;
}

const article = (type: string): string =>
  type === 'object'
    ? 'a map'
    : type === 'array'
      ? 'a list'
      : type === 'int'
        ? 'a whole number'
        : /^[aeiou]/.test(type)
          ? `an ${type}`
          : `a ${type}`;
