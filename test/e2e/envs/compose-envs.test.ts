// Disposable environments on Docker, through the CLI, against the real engine and the locally
// built omrs-test images: create with a TTL, ls, gc (dry run, then for real), extend, rm, and a
// kill -9 during create that gc still cleans up.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { environmentSources } from '../../../src/ui/shell/sources.js';
import { runCli } from '../../helpers/cli.js';
import { objectsOf } from '../compose/helpers.js';
import { requireEngine } from '../../helpers/engines.js';
import { removeDockerEnv } from './planted.js';
import { buildPrivateCli } from '../../helpers/built-cli.js';

const dockerEngine = requireEngine('docker');
const images = requireEngine('images');
const helm = requireEngine('helm');
const REPO = join(import.meta.dirname, '../../..');
const PROFILE = join(import.meta.dirname, '../../fixtures/profiles/good/compose-test.yaml');

interface Listed {
  name: string;
  runtime: string;
  state: string;
  expires: string;
  url: string;
  expiresInSeconds: number;
}

describe.skipIf(!dockerEngine || !images || !helm)('disposable environments on Docker', () => {
  const home = mkdtempSync(join(tmpdir(), 'omrs-e2e-compose-envs-'));
  const docker = new Docker({ socketPath: dockerEngine?.socketPath ?? '/var/run/docker.sock' });
  const env = (): Record<string, string> => ({
    OMRS_HOME: home,
    OMRS_HELM: helm!.helm,
    CI: 'true',
    ...(dockerEngine && { DOCKER_HOST: `unix://${dockerEngine.socketPath}` }),
  });
  const cli = (argv: string[]) => runCli(argv, { cwd: REPO, env: env() });
  const created: string[] = [];

  /** The environments this file created: a developer's own ones may share the engine. */
  const ls = async (): Promise<Listed[]> => {
    const run = await cli(['env', 'ls', '--runtime', 'compose', '--json']);
    expect(run.code, run.stderr).toBe(0);
    return (JSON.parse(run.stdout) as { environments: Listed[] }).environments.filter((e) =>
      created.includes(e.name),
    );
  };
  const ours = <T extends { name: string }>(items: T[]): T[] => items.filter((i) => created.includes(i.name));
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const create = async (
    ttl: string,
  ): Promise<{ name: string; url?: string; up: { gatewayPort?: number } }> => {
    const run = await cli(['env', 'create', '--runtime', 'compose', '-p', PROFILE, '--ttl', ttl, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { name: string; url?: string; up: { gatewayPort?: number } };
    created.push(result.name);
    return result;
  };

  afterAll(async () => {
    const leftover = await docker.listNetworks({ filters: { label: ['omrs.dev/disposable=true'] } });
    const names = new Set([...created, ...leftover.map((n) => n.Labels?.['omrs.dev/env'] ?? '')]);
    for (const name of names) {
      if (!name || !created.includes(name)) continue;
      await cli(['env', 'rm', '--runtime', 'compose', name]).catch(() => undefined);
      await removeDockerEnv(docker, name);
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('creates, lists, collects exactly the expired ones with their volumes, extends and removes', async () => {
    const short: string[] = [];
    for (let i = 0; i < 3; i++) short.push((await create('5s')).name);
    const keeper = await create('1h');
    short.sort();
    expect(new Set([...short, keeper.name]).size).toBe(4);
    for (const name of [...short, keeper.name]) {
      expect(name).toMatch(/^compose-test-[a-z]+-[0-9a-f]{4}$/);
      const net = (await docker.listNetworks({ filters: { name: [`omrs-${name}`] } }))[0]!;
      expect(net.Labels).toMatchObject({ 'omrs.dev/env': name, 'omrs.dev/disposable': 'true' });
      expect(Number(net.Labels!['omrs.dev/expires'])).toBeGreaterThan(0);
      expect(existsSync(join(home, 'envs', name, 'disposable.json'))).toBe(true);
    }
    const listed = await ls();
    expect(listed.map((e) => e.name).sort()).toEqual([...short, keeper.name].sort());
    expect(listed.every((e) => e.runtime === 'compose')).toBe(true);
    // The shell's environment list carries the expiry for its live TTL countdown.
    const shell = environmentSources({
      cwd: REPO,
      env: { ...process.env, ...env() },
      signal: new AbortController().signal,
    });
    const inShell = new Map((await shell.listEnvironments()).map((e) => [e.name, e]));
    for (const e of listed) expect(inShell.get(e.name)?.expiresAt, e.name).toBe(Date.parse(e.expires));

    await until(
      'the three 5 s environments to expire',
      async () => (await ls()).filter((e) => e.state === 'expired').length === 3,
      60_000,
    );

    const before = Object.fromEntries(
      await Promise.all(short.map(async (n) => [n, await objectsOf(n)] as const)),
    );
    for (const n of short) {
      expect(before[n]!.containers.length, n).toBeGreaterThan(0);
      expect(before[n]!.volumes.length, n).toBeGreaterThan(0);
      expect(before[n]!.networks, n).toEqual([`omrs-${n}`]);
    }
    const keeperBefore = await objectsOf(keeper.name);

    const dry = await cli(['env', 'gc', '--runtime', 'compose', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(
      ours((JSON.parse(dry.stdout) as { removed: { name: string }[] }).removed).map((r) => r.name),
    ).toEqual(short);
    for (const n of short) expect((await objectsOf(n)).containers.length).toBe(before[n]!.containers.length);

    const gc = await cli(['env', 'gc', '--runtime', 'compose', '--json']);
    expect(gc.code, gc.stderr || gc.stdout).toBe(0);
    const result = JSON.parse(gc.stdout) as { removed: { name: string; volumes: string[] }[]; kept: number };
    expect(ours(result.removed).map((r) => r.name)).toEqual(short);
    expect(result.kept).toBeGreaterThanOrEqual(1);
    for (const r of ours(result.removed))
      expect(r.volumes.sort()).toEqual([...before[r.name]!.volumes].sort());
    for (const n of short) {
      expect(await objectsOf(n)).toEqual({ containers: [], networks: [], volumes: [] });
      expect(existsSync(join(home, 'envs', n))).toBe(false);
    }
    // The 1 h one is untouched and still answers on its gateway port.
    expect(await objectsOf(keeper.name)).toEqual(keeperBefore);
    const port = keeper.up.gatewayPort!;
    const answer = await fetch(`http://127.0.0.1:${port}/openmrs/spa/`, { redirect: 'manual' });
    expect(answer.status).toBeLessThan(500);
    expect((await ls()).map((e) => e.name)).toEqual([keeper.name]);

    // extend pushes the expiry out (the record wins over the immutable network label).
    const expiresBefore = (await ls())[0]!.expiresInSeconds;
    const extend = await cli(['env', 'extend', '--runtime', 'compose', keeper.name, '--ttl', '2h', '--json']);
    expect(extend.code, extend.stderr).toBe(0);
    const after = (await ls())[0]!;
    expect(after.expiresInSeconds - expiresBefore).toBeGreaterThanOrEqual(7200 - 5);
    // Without --runtime it is found on Docker too.
    const rm = await cli(['env', 'rm', keeper.name, '--json']);
    expect(rm.code, rm.stderr).toBe(0);
    expect(await objectsOf(keeper.name)).toEqual({ containers: [], networks: [], volumes: [] });
    expect(await ls()).toEqual([]);
  }, 300_000);

  it('kill -9 during env create leaves a labelled environment that gc removes after the TTL', async () => {
    // Its own build: a `npm run build` elsewhere empties the shared dist/ under a running child.
    const built = buildPrivateCli('compose-envs-kill');
    onTestFinished(() => built.remove());
    const disposable = async () =>
      (await docker.listNetworks({ filters: { label: ['omrs.dev/disposable=true'] } })).map(
        (n) => n.Labels!['omrs.dev/env']!,
      );
    const before = new Set(await disposable());
    const child = spawn(
      process.execPath,
      [built.bin, 'env', 'create', '--runtime', 'compose', '-p', PROFILE, '--ttl', '5s', '--plain'],
      { cwd: REPO, env: { ...process.env, ...env() }, stdio: 'ignore' },
    );
    let name = '';
    await until(
      'the network of the new environment',
      async () => {
        name = (await disposable()).find((n) => !before.has(n)) ?? '';
        return name !== '';
      },
      60_000,
    );
    created.push(name);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    // Whatever exists now carries the env's label; give up-in-flight requests a moment to land.
    await new Promise((r) => setTimeout(r, 1000));
    await until(
      'the killed environment to expire',
      async () => (await ls()).some((e) => e.name === name && e.state === 'expired'),
      30_000,
    );
    const gc = await cli(['env', 'gc', '--runtime', 'compose', '--json']);
    expect(gc.code, gc.stderr).toBe(0);
    expect(
      ours((JSON.parse(gc.stdout) as { removed: { name: string }[] }).removed).map((r) => r.name),
    ).toEqual([name]);
    expect(await objectsOf(name)).toEqual({ containers: [], networks: [], volumes: [] });
    expect(existsSync(join(home, 'envs', name))).toBe(false);
    expect(await ls()).toEqual([]);
  }, 240_000);
});
