// The expiry of a disposable environment, read back from what some omrs (or a person, or a
// script) wrote: unix seconds in a label or a record. A value that is not one (missing, not a
// number, beyond the longest TTL) is a problem of that environment only: it is listed with the
// problem, `env gc` skips it, `env extend` replaces it and `env rm` removes the environment. It
// never becomes a Date that cannot exist and stops the commands about the others.
import { durationText, TTL } from '../duration.js';
import { ExitCode, OmrsError } from '../errors.js';

export type Expiry = { unix: number; problem?: undefined } | { unix?: undefined; problem: string };

const MAX_TTL_SECONDS = TTL.maxMs / 1000;
/** Clocks of the machines that wrote labels may run ahead of ours. */
const CLOCK_SKEW_SECONDS = 86_400;

const shown = (text: string): string => (text.length > 24 ? `${text.slice(0, 24)}…` : text);

/** `source` names where the value came from: "label omrs.dev/expires". */
export function readExpiry(raw: string | number | undefined, now: number, source: string): Expiry {
  if (raw === undefined || raw === '') return { problem: `${source} is missing` };
  const text = String(raw).trim();
  if (!/^\d+$/.test(text) || Number(text) <= 0)
    return { problem: `${source} "${shown(text)}" is not a time (unix seconds)` };
  const unix = Number(text);
  if (unix > now + MAX_TTL_SECONDS + CLOCK_SKEW_SECONDS)
    return {
      problem: `${source} "${shown(text)}" is more than ${durationText(TTL.maxMs)} (the longest time to live) away`,
    };
  return { unix };
}

/** ISO time of unix seconds without milliseconds, or undefined when no date holds them. */
export function isoOf(unix: number): string | undefined {
  const date = new Date(unix * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** What listings show of an expiry: the time and the seconds left, or null and the problem. */
export function expiryFields(
  expiry: Expiry,
  now: number,
): { expires: string | null; expiresInSeconds: number | null; problem?: string } {
  if (expiry.problem !== undefined) return { expires: null, expiresInSeconds: null, problem: expiry.problem };
  return { expires: isoOf(expiry.unix) ?? null, expiresInSeconds: expiry.unix - now };
}

/**
 * The expiry after `env extend name --ttl`: from the current expiry when it is valid and still
 * ahead, else from now. Refused when it would lie beyond the longest time to live from now.
 */
export function extendedExpiry(current: Expiry, now: number, ttl: number, name: string): number {
  const expires = Math.max(current.unix ?? now, now) + ttl;
  if (expires - now > MAX_TTL_SECONDS)
    throw new OmrsError({
      code: 'ENV_BAD_TTL',
      message: `extending ${name} by ${durationText(ttl * 1000)} would make it expire in more than ${durationText(TTL.maxMs)} (the longest time to live)`,
      exitCode: ExitCode.usage,
      hint: `Use a shorter --ttl: it is added to the current expiry (${isoOf(current.unix ?? now) ?? 'now'}).`,
    });
  return expires;
}

export interface SkippedEnv {
  name: string;
  runtime: string;
  problem: string;
}

interface Listed {
  name: string;
  runtime: string;
  state: string;
  expires: string | null;
  expiresInSeconds: number | null;
  problem?: string;
}

/** What `env gc` removes (expired, not already being deleted) and what it skips and reports. */
export function expiredOf<E extends Listed>(
  envs: E[],
): { expired: (E & { expires: string })[]; skipped: SkippedEnv[] } {
  const live = envs.filter((e) => e.state !== 'deleting');
  return {
    expired: live.filter(
      (e): e is E & { expires: string } =>
        e.expires !== null && e.expiresInSeconds !== null && e.expiresInSeconds <= 0,
    ),
    skipped: live.flatMap((e) =>
      e.problem !== undefined ? [{ name: e.name, runtime: e.runtime, problem: e.problem }] : [],
    ),
  };
}
