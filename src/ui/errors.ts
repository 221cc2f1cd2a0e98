// Renders errors for people (text with a code frame) and for machines (JSON).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { OmrsError, type Problem } from '../errors.js';
import type { Colors } from './output.js';

export interface ErrorJson {
  error: { code: string; message: string; hint?: string; exitCode: number; problems?: Problem[] };
}

export function errorToJson(error: OmrsError): ErrorJson {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.hint && { hint: error.hint }),
      exitCode: error.exitCode,
      ...(error.problems.length > 0 && { problems: error.problems }),
    },
  };
}

const MAX_PROBLEMS_SHOWN = 20;

export function renderError(error: OmrsError, c: Colors, cwd: string): string {
  const lines: string[] = [];
  if (error.problems.length === 0) {
    lines.push(`${c.red(c.bold('Error'))} ${c.dim(error.code)}: ${error.message}`);
  } else {
    lines.push(`${c.red(c.bold('Error'))}: ${error.message}`);
    for (const problem of error.problems.slice(0, MAX_PROBLEMS_SHOWN))
      lines.push('', ...renderProblem(problem, c, cwd));
    const hidden = error.problems.length - MAX_PROBLEMS_SHOWN;
    if (hidden > 0) lines.push('', c.dim(`… and ${hidden} more problem(s); use --json to see all`));
  }
  if (error.hint) lines.push('', `${c.cyan('hint:')} ${error.hint}`);
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

/** The offending line with one line of context and a caret under the column. */
function codeFrame(file: string, line: number | undefined, column: number | undefined, c: Colors): string[] {
  if (!line) return [];
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
    const content = (lines[n - 1] ?? '').slice(0, 160);
    const marker = n === line ? c.red('>') : ' ';
    out.push(`  ${marker} ${c.dim(String(n).padStart(width) + ' |')} ${content}`);
    if (n === line && column)
      out.push(`    ${' '.repeat(width)} ${c.dim('|')} ${' '.repeat(Math.max(0, column - 1))}${c.red('^')}`);
  }
  return out;
}
