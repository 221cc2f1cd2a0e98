// The per-environment lock of the compose runtime: a file in the user's state folder
// ($OMRS_HOME/locks/<env>.lock, 0600 in a 0700 folder) naming its holder. It is created complete
// and atomically (written aside, then hard-linked into place), so a reader never sees half a lock.
// A lock whose process is gone (kill -9) is stale and taken over; `down --volumes` removing the
// env's folder does not touch it.
import { createHash } from 'node:crypto';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, OmrsError } from '../../errors.js';
import type { EventSink } from '../../events/types.js';
import { acquireWithWait, lockOwner, lockWaitMs, ownerAlive, type Attempt, type LockOwner } from '../lock.js';
import { stateHome } from './state.js';

/** The env's lock file; a name that is not a plain env name (a label someone else wrote) is hashed. */
export const lockFile = (env: Record<string, string | undefined>, name: string): string =>
  join(
    stateHome(env),
    'locks',
    `${/^[a-z0-9][a-z0-9-]{0,62}$/.test(name) ? name : createHash('sha256').update(name).digest('hex').slice(0, 32)}.lock`,
  );

export interface LockDeps {
  env: Record<string, string | undefined>;
  events: EventSink;
  signal?: AbortSignal;
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as LockOwner;
    return typeof owner.pid === 'number' && typeof owner.nonce === 'string' ? owner : undefined;
  } catch {
    return undefined;
  }
}

const unwritable = (path: string, error: unknown): OmrsError =>
  new OmrsError({
    code: 'LOCK_UNWRITABLE',
    message: `cannot write the environment's lock file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    hint: 'omrs keeps its state under $OMRS_HOME (default ~/.local/state/omrs): make it writable, or point OMRS_HOME at a folder you may write.',
    exitCode: ExitCode.prerequisite,
    cause: error,
  });

/** Creates the lock file, complete, unless it exists; true when this call created it. */
async function create(path: string, me: LockOwner): Promise<boolean> {
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  const aside = `${path}.${me.nonce}.tmp`;
  await writeFile(aside, JSON.stringify(me) + '\n', { mode: 0o600 });
  try {
    await link(aside, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}

/**
 * Moves a stale lock out of the way. Two omrs may judge the same lock stale at once: the move is
 * atomic, and a lock that turns out to be a fresh one (taken in between) is put back.
 */
async function breakStale(path: string, stale: LockOwner, me: LockOwner): Promise<boolean> {
  const moved = `${path}.${me.nonce}.stale`;
  try {
    await rename(path, moved);
  } catch {
    return false;
  }
  const owner = await readOwner(moved);
  if (owner && owner.nonce !== stale.nonce) await link(moved, path).catch(() => undefined);
  await unlink(moved).catch(() => undefined);
  return !owner || owner.nonce === stale.nonce;
}

/**
 * Takes the env's lock for `command`, waiting for another omrs up to OMRS_LOCK_WAIT (default 10
 * minutes); answers the function that gives it back.
 */
export async function lockEnv(name: string, command: string, deps: LockDeps): Promise<() => Promise<void>> {
  const path = lockFile(deps.env, name);
  const me = lockOwner(command);
  const attempt = async (): Promise<Attempt> => {
    if (await create(path, me).catch((error: unknown) => Promise.reject(unwritable(path, error))))
      return { acquired: true };
    const holder = await readOwner(path);
    if (holder && ownerAlive(holder) === false && (await breakStale(path, holder, me))) {
      deps.events.emit({
        type: 'info',
        message: `removed the lock of ${name} left by pid ${holder.pid} (${holder.command}), which no longer runs`,
      });
      return attempt();
    }
    return { acquired: false, ...(holder && { holder }) };
  };
  await acquireWithWait({
    env: name,
    attempt,
    events: deps.events,
    timeoutMs: lockWaitMs(deps.env),
    where: `the lock file ${path}`,
    breakHint: 'remove the lock file',
    ...(deps.signal && { signal: deps.signal }),
  });
  return async () => {
    if ((await readOwner(path))?.nonce === me.nonce) await unlink(path).catch(() => undefined);
  };
}

/** Runs `work` holding the env's lock. */
export async function withEnvLock<T>(
  name: string,
  command: string,
  deps: LockDeps,
  work: () => Promise<T>,
): Promise<T> {
  const release = await lockEnv(name, command, deps);
  try {
    return await work();
  } finally {
    await release();
  }
}
