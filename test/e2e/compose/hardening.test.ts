// The compose runtime at its edges, on the real Docker engine: two `up`s of one environment at
// once (one writer: the second waits, both succeed), an `up` killed with -9 in an init container
// (the next one converges and says what it cleaned), no anonymous volume left after
// `up` + `down --volumes`, and Docker's 409 conflicts as clear errors.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockEnv, lockFile } from '../../../src/runtime/compose/lock.js';
import { discardEvents } from '../../../src/events/bus.js';
import { readEngine } from '../../helpers/engines.js';
import {
  composeEngines,
  expectConvergedStack,
  PROFILE as TEST_PROFILE,
  docker,
  objectsOf,
  omrs,
  omrsHome,
  sqlInDb,
  until,
  upJson,
} from './helpers.js';

const { ready } = composeEngines();
const ROOT = join(import.meta.dirname, '../../..');
const ENV = 'e2e-hard';
const FOREIGN = 'e2e-hard-foreign';
// The compose-test profile with room for a loaded machine: these tests are about who writes, not speed.
const PROFILE_DIR = mkdtempSync(join(tmpdir(), 'omrs-e2e-hard-'));
const PROFILE = join(PROFILE_DIR, 'hard.yaml');
writeFileSync(
  PROFILE,
  `extends: ${TEST_PROFILE}\ntimeouts: { database: 300s, init: 300s, backend: 300s, frontend: 300s, gateway: 300s }\n`,
);
const cliEnv = { OMRS_HOME: omrsHome, OMRS_HELM: readEngine('helm')?.helm ?? '', CI: 'true' };

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

/** The built CLI as its own process (its own pid, as a second terminal would run it). */
function spawnOmrs(args: string[]): {
  pid: number;
  done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
  kill: () => void;
  running: () => boolean;
} {
  const child = spawn(process.execPath, [join(ROOT, 'bin/omrs.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...cliEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return {
    pid: child.pid!,
    done,
    kill: () => child.kill('SIGKILL'),
    running: () => child.exitCode === null && child.signalCode === null,
  };
}

interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
}

/**
 * Records the engine's container and volume events from now on. Live, because the engine keeps
 * only its last few hundred events, and other tests share it.
 */
async function recordEvents(): Promise<{ events: EngineEvent[]; stop: () => void }> {
  const stream = (await docker.getEvents({
    filters: { type: ['container', 'volume'] },
  })) as NodeJS.ReadableStream & {
    destroy: () => void;
  };
  const events: EngineEvent[] = [];
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as EngineEvent);
  });
  return { events, stop: () => stream.destroy() };
}

/** The anonymous (64-hex, unlabelled) volumes that containers of `env` mounted. */
function anonymousVolumesOf(env: string, events: EngineEvent[]): string[] {
  const ours = new Set(
    events
      .filter(
        (e) => e.Type === 'container' && e.Action === 'create' && e.Actor.Attributes['omrs.dev/env'] === env,
      )
      .map((e) => e.Actor.ID),
  );
  const mounted = events
    .filter(
      (e) => e.Type === 'volume' && e.Action === 'mount' && ours.has(e.Actor.Attributes.container ?? ''),
    )
    .map((e) => e.Actor.ID);
  return [...new Set(mounted)].filter((v) => /^[0-9a-f]{64}$/.test(v));
}

async function existingVolumes(names: string[]): Promise<string[]> {
  const all = new Set(((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name));
  return names.filter((n) => all.has(n));
}

describe.skipIf(!ready)('compose runtime: one writer per environment, no leaks', () => {
  let recording: Awaited<ReturnType<typeof recordEvents>>;

  beforeAll(async () => {
    recording = await recordEvents();
    for (const env of [ENV, FOREIGN]) await omrs(['down', '--env', env, '--volumes']);
  });
  afterAll(async () => {
    recording.stop();
    await docker
      .getContainer(`omrs-${FOREIGN}-db`)
      .remove({ force: true, v: true })
      .catch(() => undefined);
    for (const env of [ENV, FOREIGN]) await omrs(['down', '--env', env, '--volumes']);
    for (const dir of [PROFILE_DIR, omrsHome]) rmSync(dir, { recursive: true, force: true });
  });

  it('runs two concurrent ups of one environment one after the other: both succeed, the second waits and finds nothing to do', async () => {
    const first = spawnOmrs(['up', '--profile', PROFILE, '--env', ENV, '--json']);
    // The second starts while the first is creating containers, as a second terminal would.
    await until(
      'the first up to create a container',
      async () => ((await objectsOf(ENV)).containers.length > 0 || !first.running() ? true : undefined),
      300_000,
    );
    expect(first.running(), (await Promise.race([first.done, Promise.resolve(undefined)]))?.stderr).toBe(
      true,
    );
    const second = spawnOmrs(['up', '--profile', PROFILE, '--env', ENV, '--json']);
    const [a, b] = await Promise.all([first.done, second.done]);
    for (const run of [a, b]) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr + run.stdout).not.toMatch(/Internal error/);
    }
    expect(b.stderr).toContain(`waiting for another omrs (pid ${first.pid}, omrs up) working on env ${ENV}`);
    expect(upJson({ code: 0, stdout: b.stdout, stderr: '' }).noop).toBe(true);
    const objects = await objectsOf(ENV);
    expectConvergedStack(objects);
    expect(existsSync(lockFile(cliEnv, ENV))).toBe(false);
    // The env's folder holds the Secrets' files and the password seed: private to the user.
    const dir = join(omrsHome, 'envs', ENV);
    expect(mode(dir)).toBe('0700');
    for (const file of ['password-seed', 'rendered.json', 'files/backend-default/tenant-secret/password'])
      expect([file, mode(join(dir, file))]).toEqual([file, '0600']);
  }, 600_000);

  it('recovers from an up killed in an init container, and calls the leftover what it is', async () => {
    await docker.getContainer(`omrs-${ENV}-backend-default`).remove({ force: true, v: true });
    // The backend's init container waits until the tenant's user can log in. With that account
    // locked it keeps waiting, so the kill below finds it running (it otherwise lives milliseconds).
    await sqlInDb(ENV, "ALTER USER 'omrs_default'@'%' ACCOUNT LOCK");
    const killed = spawnOmrs(['up', '--profile', PROFILE, '--env', ENV]);
    const init = await until(
      'the init container waiting on the locked account (or the up to end)',
      async () => {
        const [running] = await docker.listContainers({
          filters: { label: [`omrs.dev/env=${ENV}`, 'omrs.dev/role=init'], status: ['running'] },
        });
        return running ?? (killed.running() ? undefined : null);
      },
      300_000,
    );
    expect(init, (await Promise.race([killed.done, Promise.resolve(undefined)]))?.stderr).not.toBeNull();
    killed.kill();
    expect((await killed.done).signal).toBe('SIGKILL');
    const name = init!.Names[0]!.slice(1);
    expect(existsSync(lockFile(cliEnv, ENV))).toBe(true); // left by the killed process
    await sqlInDb(ENV, "ALTER USER 'omrs_default'@'%' ACCOUNT UNLOCK");

    const again = await omrs(['up', '--profile', PROFILE, '--env', ENV, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(
      `removed the lock of ${ENV} left by pid ${killed.pid} (omrs up), which no longer runs`,
    );
    const { changes } = upJson(again);
    expect(changes).toContain(
      `backend-default: removed the leftover init container ${name} of an interrupted run`,
    );
    expect(changes.filter((c) => /no longer in the plan/.test(c))).toEqual([]);
    expect(
      (await objectsOf(ENV)).containers
        .filter((c) => c.service !== 'init-default')
        .every((c) => c.state === 'running'),
    ).toBe(true);
  }, 600_000);

  it('leaves no anonymous volume of its containers after down --volumes', async () => {
    const down = await omrs(['down', '--env', ENV, '--volumes']);
    expect(down.code, down.stderr).toBe(0);
    expect(await objectsOf(ENV)).toEqual({ containers: [], networks: [], volumes: [] });
    const anonymous = anonymousVolumesOf(ENV, recording.events);
    // The database image declares a VOLUME: the init Job and the wait-for-database containers got one each.
    expect(anonymous.length).toBeGreaterThan(0);
    expect(await existingVolumes(anonymous)).toEqual([]);
  });

  it("reports a container name taken by something omrs did not create as a conflict, not Docker's raw 409", async () => {
    await docker.createContainer({ name: `omrs-${FOREIGN}-db`, Image: 'omrs-test/busybox:1', Cmd: ['true'] });
    const run = await omrs(['up', '--profile', PROFILE, '--env', FOREIGN]);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(/Internal error/);
    expect(run.stderr).toMatch(
      new RegExp(
        `create container omrs-${FOREIGN}-db for environment ${FOREIGN}: it is in use \\(409 conflict\\)`,
      ),
    );
    expect(run.stderr).toContain(`docker rm -f omrs-${FOREIGN}-db`);
  });

  it('refuses clearly, without touching Docker, when another omrs holds the lock and OMRS_LOCK_WAIT=0', async () => {
    const release = await lockEnv(ENV, 'omrs up', { env: cliEnv, events: discardEvents });
    try {
      const run = await omrs(['up', '--profile', PROFILE, '--env', ENV], { env: { OMRS_LOCK_WAIT: '0' } });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `another omrs (pid ${process.pid}, omrs up) is working on environment ${ENV}`,
      );
      expect(run.stderr).toContain(lockFile(cliEnv, ENV));
      expect(run.stderr).not.toMatch(/Internal error/);
      expect((await objectsOf(ENV)).containers).toEqual([]);
      const bad = await omrs(['down', '--env', ENV], { env: { OMRS_LOCK_WAIT: 'soon' } });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/OMRS_LOCK_WAIT "soon" is not a duration like 30s, 5m or 1h/);
    } finally {
      await release();
    }
    expect(existsSync(lockFile(cliEnv, ENV))).toBe(false);
  });

  it('takes over a lock whose holder no longer runs', async () => {
    const gone = spawnOmrs(['--version']);
    await gone.done;
    mkdirSync(join(omrsHome, 'locks'), { recursive: true });
    writeFileSync(
      lockFile(cliEnv, ENV),
      JSON.stringify({
        pid: gone.pid,
        host: hostname(),
        command: 'omrs up',
        since: new Date().toISOString(),
        nonce: 'dead',
      }),
    );
    const run = await omrs(['down', '--env', ENV], { env: { OMRS_LOCK_WAIT: '0' } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `removed the lock of ${ENV} left by pid ${gone.pid} (omrs up), which no longer runs`,
    );
    expect(existsSync(lockFile(cliEnv, ENV))).toBe(false);
  });
});
