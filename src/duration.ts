// The one parser of durations omrs reads (TTLs, timeouts, --since, profile timeouts): a whole
// number and a unit, "1500ms", "90s", "30m", "4h", "2d". Every use states its bounds, so an absurd
// value ("99999999999d") is refused with a usage error before anything is created, instead of
// turning into a date or a timer that cannot exist. A leaf module: it imports only errors.
import { ExitCode, OmrsError, type ErrorCode } from './errors.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const FORM = /^(\d+)(ms|s|m|h|d)$/;

export interface DurationBounds {
  /** Inclusive, in milliseconds. */
  minMs: number;
  maxMs: number;
  /** What the value is, for messages: "a time to live". */
  noun: string;
  /** Examples for the hint: "30m, 4h or 2d". */
  examples: string;
}

const SECOND = UNIT_MS.s;
const DAY = UNIT_MS.d;

/** Disposable environments live at least a second (tests) and at most a year. */
export const TTL: DurationBounds = {
  minMs: SECOND,
  maxMs: 365 * DAY,
  noun: 'a time to live',
  examples: '30m, 4h or 2d',
};
/** Readiness and smoke-test timeouts: at most a day (a Node timer holds at most 24.8 days). */
export const TIMEOUT: DurationBounds = {
  minMs: SECOND,
  maxMs: DAY,
  noun: 'a timeout',
  examples: '90s, 5m or 1h',
};
/** How far back `logs --since` reaches: ten years is more than any engine keeps. */
export const LOOKBACK: DurationBounds = {
  minMs: SECOND,
  maxMs: 3650 * DAY,
  noun: 'a look-back',
  examples: '10m, 2h or 7d',
};

/** "365d", "24h", "1s": the largest unit that divides the value. */
export function durationText(ms: number): string {
  const units = Object.entries(UNIT_MS).reverse();
  const [unit, size] = units.find(([, size]) => ms % size === 0) ?? ['ms', 1];
  return `${ms / size}${unit}`;
}

/** Whether `text` looks like a duration at all (a number and letters), right or wrong. */
export const looksLikeDuration = (text: string): boolean => /^\s*\d+\s*[a-zA-Z]+\s*$/.test(text);

const measure = (text: string): number | undefined => {
  const m = FORM.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined;
};

/** Whether `text` has the form of a duration but lies outside the bounds. */
export function outOfRange(text: string, bounds: DurationBounds): boolean {
  const ms = measure(text);
  return ms !== undefined && (ms < bounds.minMs || ms > bounds.maxMs);
}

/** "between 1s and 24h". */
export const rangeText = (bounds: DurationBounds): string =>
  `between ${durationText(bounds.minMs)} and ${durationText(bounds.maxMs)}`;

/** Why `text` is not a duration within the bounds, or undefined when it is one. */
function durationProblem(text: string, bounds: DurationBounds): string | undefined {
  const ms = measure(text);
  if (ms === undefined) return `is not a duration like ${bounds.examples}`;
  if (ms < bounds.minMs || ms > bounds.maxMs)
    return `is out of range: ${bounds.noun} is ${rangeText(bounds)}`;
  return undefined;
}

/**
 * `text` in milliseconds, or a usage error naming `what` (the flag or key that gave it), the
 * allowed range and the form.
 */
export function parseDuration(
  text: string,
  bounds: DurationBounds,
  what: string,
  code: ErrorCode = 'BAD_DURATION',
): number {
  const problem = durationProblem(text, bounds);
  if (problem)
    throw new OmrsError({
      code,
      message: `${what} "${text.length > 40 ? `${text.slice(0, 40)}…` : text}" ${problem}`,
      exitCode: ExitCode.usage,
      hint: `Write a whole number and a unit (ms, s, m, h or d) ${rangeText(bounds)}, e.g. ${bounds.examples}.`,
    });
  return measure(text)!;
}

/** "10m" → unix seconds 10 minutes ago; an ISO date → its unix seconds. */
export function sinceSeconds(since: string, now = Date.now()): number {
  if (looksLikeDuration(since))
    return Math.floor((now - parseDuration(since, LOOKBACK, '--since', 'LOGS_BAD_SINCE')) / 1000);
  const date = Date.parse(since);
  if (Number.isNaN(date))
    throw new OmrsError({
      code: 'LOGS_BAD_SINCE',
      message: `--since "${since}" is neither a duration nor a date`,
      hint: 'Use a duration like 10m, 30s, 2h, or a date like 2026-01-31T10:00:00Z.',
      exitCode: ExitCode.usage,
    });
  return Math.floor(date / 1000);
}
