// Disposable environment names and TTLs. Pure.
import { randomBytes } from 'node:crypto';
import { parseDuration, TTL } from '../duration.js';
import { envNameOf } from '../render/env-name.js';

const ADJECTIVES = [
  'amber',
  'brave',
  'calm',
  'deft',
  'eager',
  'fair',
  'glad',
  'hale',
  'keen',
  'lucid',
  'merry',
  'noble',
  'proud',
  'quick',
  'rapid',
  'sunny',
  'tidy',
  'vivid',
  'warm',
  'zesty',
];

/** `<profile>-<adjective>-<4 hex>`, DNS-safe and at most 30 characters (the limit of an env name). */
export function generateName(profile: string, random: () => Buffer = () => randomBytes(3)): string {
  const bytes = random();
  const adjective = ADJECTIVES[bytes[0]! % ADJECTIVES.length]!;
  const hex = bytes.subarray(1, 3).toString('hex').padStart(4, '0');
  const suffix = `-${adjective}-${hex}`;
  // The profile's own environment name (`qa_eu` → `qa-eu`), cut to leave room for the suffix.
  const prefix = envNameOf(profile)
    .slice(0, 30 - suffix.length)
    .replace(/-+$/, '');
  return `${prefix}${suffix}`;
}

/** "4h" → 14400 seconds; "90m", "30s", "2d" too; at most 365 days. `what` names the flag. */
export function ttlSeconds(ttl: string, what = '--ttl'): number {
  return Math.ceil(parseDuration(ttl, TTL, what, 'ENV_BAD_TTL') / 1000);
}

/** "3h 12m", "45s", "expired 2m ago". */
export function humanSeconds(seconds: number): string {
  const s = Math.abs(Math.round(seconds));
  const text =
    s >= 86_400
      ? `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`
      : s >= 3600
        ? `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
        : s >= 60
          ? `${Math.floor(s / 60)}m`
          : `${s}s`;
  return seconds < 0 ? `expired ${text} ago` : text;
}
