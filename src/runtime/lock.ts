// One environment, one writer: what the per-environment locks of both runtimes share (who holds
// a lock, how long to wait for it, the wait loop with its progress message and the refusal).
// compose/lock.ts keeps the lock in a file of the user's state folder, kube/lease.ts in a Lease.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { parseDuration, type DurationBounds } from '../duration.js';
import { ExitCode, InterruptedError, OmrsError } from '../errors.js';
import type { EventSink } from '../events/types.js';

export interface LockOwner {
  pid: number;
  host: string;
  /** What the holder does, e.g. "omrs up". */
  command: string;
  /** ISO time the lock was taken. */
  since: string;
  /** Tells this holder from a later one with the same pid. */
  nonce: string;
  /** The holder process's start time (Linux), so that a reused pid is not taken for it. */
  start?: string;
}

const DEFAULT_LOCK_WAIT_MS = 10 * 60_000;

export function lockOwner(command: string): LockOwner {
  const start = processStart(process.pid);
  return {
    pid: process.pid,
    host: hostname(),
    command,
    since: new Date().toISOString(),
    nonce: randomBytes(8).toString('hex'),
    ...(start && { start }),
  };
}

export const describeOwner = (o: Pick<LockOwner, 'pid' | 'host' | 'command'>): string =>
  `another omrs (pid ${o.pid}${o.host === hostname() ? '' : ` on ${o.host}`}${o.command ? `, ${o.command}` : ''})`;

/** Whether the process that wrote `owner` still runs (only answerable on the same host). */
export function ownerAlive(owner: Pick<LockOwner, 'pid' | 'host' | 'start'>): boolean | undefined {
  if (owner.host !== hostname()) return undefined;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = owner.start === undefined ? undefined : processStart(owner.pid);
  return start === undefined || start === owner.start;
}

/** The process's start time from /proc (Linux), to tell a reused pid from the lock's holder. */
function processStart(pid: number): string | undefined {
  try {
    // Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces, so count after ")".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const LOCK_WAIT: DurationBounds = {
  minMs: 0,
  maxMs: 86_400_000,
  noun: 'a lock wait',
  examples: '30s, 5m or 1h',
};

/** How long to wait for another omrs: OMRS_LOCK_WAIT (e.g. 30s, 5m; 0 refuses at once), default 10 minutes. */
export function lockWaitMs(env: Record<string, string | undefined>): number {
  const text = env.OMRS_LOCK_WAIT?.trim();
  if (text === undefined || text === '') return DEFAULT_LOCK_WAIT_MS;
  return text === '0' ? 0 : parseDuration(text, LOCK_WAIT, 'OMRS_LOCK_WAIT', 'LOCK_BAD_WAIT');
}

export type Attempt =
  | { acquired: true }
  | { acquired: false; holder?: Pick<LockOwner, 'pid' | 'host' | 'command' | 'since'>; note?: string };

export interface WaitOptions {
  env: string;
  /** Tries once to take the lock; never waits itself. */
  attempt: () => Promise<Attempt>;
  events: EventSink;
  signal?: AbortSignal;
  timeoutMs: number;
  /** Where the lock is, for the hint when the wait ends ("the lock file …", "Lease omrs-lock in …"). */
  where: string;
  /** How to remove a lock whose holder is gone for good. */
  breakHint: string;
  pollMs?: number;
}

/** Takes the lock, waiting (with one message per holder) up to the timeout, then refuses clearly. */
export async function acquireWithWait(o: WaitOptions): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let announced = '';
  for (;;) {
    if (o.signal?.aborted) throw new InterruptedError(`waiting for the lock of ${o.env}`);
    const result = await o.attempt();
    if (result.acquired) return;
    const who = result.holder ? describeOwner(result.holder) : 'another omrs';
    const key = result.holder ? `${result.holder.host}/${result.holder.pid}/${result.holder.since}` : '?';
    if (Date.now() >= deadline)
      throw new OmrsError({
        code: 'ENV_LOCKED',
        message: `${who} is working on environment ${o.env}${result.holder ? ` since ${result.holder.since}` : ''}; ${o.timeoutMs > 0 ? `waited ${Math.round(o.timeoutMs / 1000)} s for it` : 'not waiting (OMRS_LOCK_WAIT=0)'}.`,
        hint: `Run the command again once it is done (OMRS_LOCK_WAIT=10m waits longer). If no omrs works on ${o.env} any more, ${o.breakHint} (${o.where}).`,
        exitCode: ExitCode.failed,
      });
    if (key !== announced) {
      announced = key;
      o.events.emit({
        type: 'info',
        message: `waiting for ${who} working on env ${o.env}${result.note ? ` (${result.note})` : ''}`,
      });
    }
    await delay(
      Math.min(o.pollMs ?? 500, Math.max(0, deadline - Date.now())),
      undefined,
      o.signal ? { signal: o.signal } : {},
    ).catch(() => {
      throw new InterruptedError(`waiting for the lock of ${o.env}`);
    });
  }
}
