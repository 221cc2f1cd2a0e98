// Turns schema violations into problems that name the file, line, key path, expectation and a hint.
import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import type { Problem } from '../errors.js';
import { originOf, type Path } from './merge.js';
import { keysAt } from './schema.js';
import type { Position } from './source.js';

type Issue = z.core.$ZodIssue;

export function issuesToProblems(
  issues: readonly Issue[],
  value: unknown,
  origins: Map<string, Position>,
): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push(unknownKey([...path, key], origins));
      continue;
    }
    const location = originOf(origins, path)?.value;
    const actual = valueAt(value, path);
    const base = { path, ...(location && { location }) };
    switch (issue.code) {
      case 'invalid_type':
        problems.push({
          ...base,
          code: 'PROFILE_INVALID_TYPE',
          message:
            actual === undefined
              ? `${describePath(path)} is required`
              : `${describePath(path)} must be ${article(issue.expected)}, not ${describeValue(actual)}`,
          expected: issue.expected,
          ...typeHint(issue.expected, actual),
        });
        break;
      case 'invalid_value': {
        const allowed = issue.values.map(String);
        const guess = typeof actual === 'string' ? suggest(actual, allowed) : undefined;
        problems.push({
          ...base,
          code: 'PROFILE_INVALID_VALUE',
          message: `${describePath(path)} is ${describeValue(actual)}, which is not allowed`,
          expected: `one of ${allowed.map((v) => `"${v}"`).join(', ')}`,
          ...(guess && { hint: `Did you mean "${guess}"?` }),
        });
        break;
      }
      default:
        problems.push({ ...base, code: 'PROFILE_INVALID_VALUE', ...rangeOrCustom(issue, path, actual) });
    }
  }
  return problems;
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

function rangeOrCustom(issue: Issue, path: Path, actual: unknown): { message: string; expected?: string } {
  const what = Array.isArray(actual) ? 'item(s)' : '';
  if (issue.code === 'too_small')
    return {
      message: `${describePath(path)} is ${Array.isArray(actual) ? `a list of ${actual.length}` : describeValue(actual)}, which is too small`,
      expected: `at least ${String(issue.minimum)} ${what}`.trim(),
    };
  if (issue.code === 'too_big')
    return {
      message: `${describePath(path)} is ${Array.isArray(actual) ? `a list of ${actual.length}` : describeValue(actual)}, which is too big`,
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

function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
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
