// What promote and rollback share: their dependencies and request, the promotion record, the
// confirmation they ask for, and the local record file.
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, OmrsError } from '../errors.js';
import type { EventSink } from '../events/types.js';
import type { CheckReport } from '../checks/types.js';
import type { Colour, ObjectChange } from './cluster.js';
import type { PromotionLock } from './lock.js';

export interface PromoteDeps {
  cwd: string;
  env: Record<string, string | undefined>;
  events: EventSink;
  signal: AbortSignal;
  /** A person can be asked (a TTY); `confirm` asks them and returns what they typed. */
  interactive: boolean;
  confirm?: (question: string) => Promise<string>;
  /**
   * Shown what is about to be promoted (identity, gate, plan) before the confirmation; a front end
   * that pages through it (the shell's promote wizard) resolves when the person went on, or rejects
   * to stop with nothing changed.
   */
  review?: (review: PromoteReview) => Promise<void>;
}

/** What promote has read and decided before it asks to go on: nothing has changed yet. */
export interface PromoteReview {
  profile: string;
  context: string;
  lock: PromotionLock;
  gate: CheckReport;
  live?: Colour;
  plan: {
    colour: Colour;
    namespace: string;
    objects: ObjectChange[];
    infra: { changed: boolean; summary: string };
  };
}

export interface PromoteRequest {
  profile?: string;
  approveRecord?: string;
  context?: string;
  kubeconfig?: string;
  yes?: boolean;
  smokeUrl?: string;
  smokeUser?: string;
  /** How long the smoke test may retry (default 60 s). */
  smokeWindowMs?: number;
  lockFile?: string;
  recordsDir?: string;
  readyTimeoutMs?: number;
  db?: string;
}

export interface PromotionRecord {
  action: 'promote' | 'rollback';
  profile: string;
  who: string;
  at: string;
  appDigest: string;
  images: { component: string; image: string; digest?: string }[];
  chartVersion: string;
  snapshotId?: string;
  /** Dumps of the live colour's bundled databases, taken before the deploy (`rollback --restore-database`). */
  databaseDumps?: { tenant: string; name: string; file: string }[];
  /** A rollback that loaded such a dump back: its name. */
  restoredDump?: string;
  from?: Colour;
  to: Colour;
  result: 'succeeded' | 'failed';
  failedStep?: string;
  reason?: string;
}

export const stamp = (d: Date): string =>
  d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-').toLowerCase();

export async function confirmOrRefuse(
  what: string,
  expected: string,
  yes: boolean | undefined,
  deps: PromoteDeps,
  flag = '--yes',
): Promise<void> {
  if (yes) return;
  if (!deps.interactive || !deps.confirm)
    throw new OmrsError({
      code: 'PROMOTE_CONFIRMATION_REQUIRED',
      message: `${what}: confirmation needed, and there is no terminal to ask in; nothing was changed`,
      exitCode: ExitCode.usage,
      hint: `In CI pass ${flag} (after reviewing the plan above).`,
    });
  const typed = (await deps.confirm(`${what}? Type ${expected} to confirm: `)).trim();
  if (typed !== expected)
    throw new OmrsError({
      code: 'PROMOTE_NOT_CONFIRMED',
      message: `not confirmed ("${typed}" is not ${expected}); nothing was changed`,
      exitCode: ExitCode.usage,
    });
}

/** Appends the record to promotions.jsonl in `dir`. */
export async function appendLocal(dir: string, record: PromotionRecord): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'promotions.jsonl');
  await appendFile(file, JSON.stringify(record) + '\n');
  return file;
}
