// Renders errors for people (text with a code frame) and for machines (JSON).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { OmrsError, type Problem } from '../errors.js';
import { MASK, SECRET_NAME, maskCredentials, printable } from '../mask.js';
import type { Colors } from './output-types.js';

export interface ErrorJson {
  error: { code: string; message: string; hint?: string; exitCode: number; problems?: Problem[] };
}

export function errorToJson(error: OmrsError): ErrorJson {
  const { message, hint, problems } = maskedTexts(error);
  return {
    error: {
      code: error.code,
      message,
      ...(hint && { hint }),
      exitCode: error.exitCode,
      ...(problems.length > 0 && { problems }),
    },
  };
}

/**
 * The error's messages with the password of any URL in them masked. The layers that build messages
 * mask first; this is the last guard for a message that quotes a library's or a tool's text.
 * Hints are ours (they show placeholders such as mysql://user:password@host) and are not masked.
 * Every text is made printable: a value the user typed is quoted with its control characters
 * escaped and shortened when it is very long (the one place where that is done).
 */
function maskedTexts(error: OmrsError): { message: string; hint?: string; problems: Problem[] } {
  const safe = (text: string): string => printable(maskCredentials(text));
  return {
    message: safe(error.message),
    ...(error.hint && { hint: printable(error.hint) }),
    problems: error.problems.map((p) => ({
      ...p,
      message: safe(p.message),
      ...(p.expected && { expected: printable(p.expected) }),
      ...(p.hint && { hint: printable(p.hint) }),
      ...(p.path && { path: p.path.map((k) => (typeof k === 'string' ? printable(k) : k)) }),
      // A path given on the command line can be a URL by mistake (`--profile mysql://u:pw@h`).
      ...(p.location && { location: { ...p.location, file: safe(p.location.file) } }),
    })),
  };
}

const MAX_PROBLEMS_SHOWN = 20;

export function renderError(error: OmrsError, c: Colors, cwd: string): string {
  const { message, hint, problems } = maskedTexts(error);
  const lines: string[] = [];
  if (problems.length === 0) {
    lines.push(`${c.red(c.bold('Error'))} ${c.dim(error.code)}: ${message}`);
  } else {
    lines.push(`${c.red(c.bold('Error'))}: ${message}`);
    for (const problem of problems.slice(0, MAX_PROBLEMS_SHOWN))
      lines.push('', ...renderProblem(problem, c, cwd));
    const hidden = problems.length - MAX_PROBLEMS_SHOWN;
    if (hidden > 0) lines.push('', c.dim(`… and ${hidden} more problem(s); use --json to see all`));
  }
  if (hint) lines.push('', `${c.cyan('hint:')} ${hint}`);
  return lines.join('\n') + '\n';
}

function renderProblem(problem: Problem, c: Colors, cwd: string): string[] {
  const out: string[] = [];
  const where = problem.location
    ? formatLocation(problem.location.file, problem.location.line, problem.location.column, cwd)
    : '';
  const keyPath = problem.path && problem.path.length > 0 ? c.bold(formatPath(problem.path)) : '';
  out.push(`${c.dim(problem.code)} ${[where, keyPath].filter(Boolean).join(' ')}`.trimEnd());
  out.push(`  ${problem.message}`);
  if (problem.expected) out.push(`  ${c.dim('expected:')} ${problem.expected}`);
  const frame = problem.location
    ? codeFrame(problem.location.file, problem.location.line, problem.location.column, c)
    : [];
  out.push(...frame);
  if (problem.hint) out.push(`  ${c.cyan('hint:')} ${problem.hint}`);
  return out;
}

export function formatLocation(
  file: string,
  line: number | undefined,
  column: number | undefined,
  cwd: string,
): string {
  const shown = relative(cwd, file) || file;
  const display =
    shown.startsWith('..') && shown.split('/').filter((p) => p === '..').length > 2 ? file : shown;
  return [display, line, line !== undefined ? column : undefined].filter((p) => p !== undefined).join(':');
}

export function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

const PROFILE_FILE = /\.ya?ml$/;
const KEY_AND_VALUE = /^(\s*(?:-\s+)?(["']?)([^\s:#"'][^:#"']*)\2\s*:\s+)(\S.*)$/;
// `key: value` inside a flow map (`admin: { password: x, user: y }`); the value may be quoted.
const FLOW_PAIR = /(["']?)([\w.-]+)\1(\s*:\s+)("(?:[^"\\]|\\.)*"?|'(?:[^']|'')*'?|[^,{}[\]#\s][^,{}[\]#]*)/g;

/** A frame line with the value of every secret-named key (`password: …`, `apiToken: …`) masked. */
function maskSecretValue(line: string): string {
  const block = KEY_AND_VALUE.exec(line);
  if (block && SECRET_NAME.test(block[3]!) && !block[4]!.startsWith('#')) return block[1] + MASK;
  return line.replace(FLOW_PAIR, (pair, quote: string, key: string, separator: string) =>
    SECRET_NAME.test(key) ? `${quote}${key}${quote}${separator}${MASK}` : pair,
  );
}

/**
 * The offending line with one line of context and a caret under the column. Only profile files
 * (YAML) get a frame: a location in any other file shows no content of it.
 */
function codeFrame(file: string, line: number | undefined, column: number | undefined, c: Colors): string[] {
  if (!line || !PROFILE_FILE.test(file)) return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  if (text.length > 1_000_000 || text.includes('\0')) return [];
  const lines = text.split(/\r?\n/);
  const from = Math.max(1, line - 1);
  const to = Math.min(lines.length, line + 1);
  const width = String(to).length;
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    const content = maskCredentials(maskSecretValue(lines[n - 1] ?? '')).slice(0, 160);
    const marker = n === line ? c.red('>') : ' ';
    out.push(`  ${marker} ${c.dim(String(n).padStart(width) + ' |')} ${content}`);
    if (n === line && column)
      out.push(`    ${' '.repeat(width)} ${c.dim('|')} ${' '.repeat(Math.max(0, column - 1))}${c.red('^')}`);
  }
  return out;
}
