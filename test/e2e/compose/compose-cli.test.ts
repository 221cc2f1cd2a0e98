// The export run by Docker Compose itself (v5, built from the Go module proxy by
// test/harness/engines/compose.sh) with the omrs-test images: up, healthy, the gateway answering as
// it does under `omrs up`; `omrs status` and `omrs down` recognise the stack as the environment;
// `docker compose down -v` and `omrs down --volumes` leave nothing behind, anonymous volumes included.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { choosePort } from '../../../src/runtime/compose/ports.js';
import { requireEngine } from '../../helpers/engines.js';
import { PROFILE, docker, http, objectsOf, omrs, until, upJson } from './helpers.js';

const engines = {
  docker: requireEngine('docker'),
  images: requireEngine('images'),
  helm: requireEngine('helm'),
  compose: requireEngine('compose'),
};
const ready = Boolean(engines.docker && engines.images && engines.helm && engines.compose);
const ENV = `e2e-cx-${process.pid}`;
const run = promisify(execFile);
// The stack's first start under load (2 cores shared with other tests) takes minutes.
const SLOW = { up: 360_000, redo: 300_000 };

describe.skipIf(!ready)('the export under docker compose', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omrs-compose-cli-'));
  const file = join(dir, 'export', 'stack.yaml');
  let port = 0;
  const compose = (...args: string[]) =>
    // Run from another folder: compose must find .env beside the file (the project folder), not in the cwd.
    run(engines.compose!.compose, ['-f', file, '-p', ENV, ...args], {
      cwd: tmpdir(),
      env: { ...process.env, OMRS_GATEWAY_PORT: String(port) },
      maxBuffer: 16 * 1024 * 1024,
    });
  /** `up -d`; when it fails, the error carries the services' states and last log lines. */
  const composeUp = async () => {
    try {
      await compose('up', '-d');
    } catch (error) {
      const ps = await compose('ps', '-a').catch((e: Error) => ({ stdout: e.message }));
      const logs = await compose('logs', '--no-color', '--tail', '15').catch((e: Error) => ({
        stdout: e.message,
      }));
      throw new Error(`${(error as Error).message}\n${ps.stdout}\n${logs.stdout}`);
    }
  };
  const projectObjects = async () => {
    const filters = { label: [`com.docker.compose.project=${ENV}`] };
    return {
      containers: (await docker.listContainers({ all: true, filters })).length,
      networks: (await docker.listNetworks({ filters })).length,
      volumes: ((await docker.listVolumes({ filters })).Volumes ?? []).length,
    };
  };
  /** Every volume the env's containers mount, named or anonymous. */
  const mountedVolumes = async (): Promise<string[]> => {
    const names = new Set<string>();
    for (const c of (await objectsOf(ENV)).containers)
      for (const m of (await docker.getContainer(c.id).inspect()).Mounts) if (m.Name) names.add(m.Name);
    return [...names].sort();
  };
  const existingVolumes = async (names: string[]) => {
    const all = new Set(((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name));
    return names.filter((n) => all.has(n));
  };
  const answers = async (gateway: number) => {
    const base = `http://127.0.0.1:${gateway}`;
    const started = await http(`${base}/openmrs/health/started`);
    const page = await http(`${base}/openmrs/spa/`);
    const session = JSON.parse(
      (await http(`${base}/openmrs/ws/rest/v1/session`, { auth: 'admin:Admin123' })).body,
    ) as { authenticated: boolean; user?: { username: string } };
    return { started, page, session: { authenticated: session.authenticated, user: session.user?.username } };
  };
  const waitStarted = (gateway: number) =>
    until(
      'the gateway to answer /openmrs/health/started with 200',
      async () =>
        (await http(`http://127.0.0.1:${gateway}/openmrs/health/started`)).status === 200 ? true : undefined,
      300_000,
    );
  let underCompose: Awaited<ReturnType<typeof answers>>;

  beforeAll(async () => {
    port = await choosePort(18300);
    await omrs(['down', '--env', ENV, '--volumes']);
  });
  afterAll(async () => {
    await compose('down', '-v').catch(() => undefined);
    await omrs(['down', '--env', ENV, '--volumes']);
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'exports with the secrets only in .env (0600), then comes up healthy under docker compose',
    async () => {
      const exported = await omrs(['compose', 'export', '--profile', PROFILE, '--env', ENV, '-o', file]);
      expect(exported.code, exported.stderr).toBe(0);
      const dotenv = join(dir, 'export', '.env');
      expect(statSync(dotenv).mode & 0o777).toBe(0o600);
      const secrets = readFileSync(dotenv, 'utf8')
        .split('\n')
        .flatMap((l) =>
          /^OMRS_\w*PASSWORD=(.+)$/.exec(l)?.[1] ? [/^OMRS_\w*PASSWORD=(.+)$/.exec(l)![1]!] : [],
        );
      expect(secrets.length).toBeGreaterThanOrEqual(2);
      const walk = (d: string): string[] =>
        readdirSync(d, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
        );
      for (const f of walk(join(dir, 'export')).filter((f) => f !== dotenv))
        for (const s of secrets.filter((x) => x !== 'Admin123'))
          expect(readFileSync(f, 'utf8'), f).not.toContain(s);

      await composeUp();
      await waitStarted(port);
      underCompose = await answers(port);
      expect(underCompose.started).toEqual({ status: 200, body: expect.stringContaining('UP') as string });
      expect(underCompose.page.status).toBe(200);
      expect(underCompose.session).toEqual({ authenticated: true, user: 'admin' });
      // The prepare service wrote the Secret files for the pod user: 0600 in a 0700 folder.
      const modes = await run('docker', [
        'run',
        '--rm',
        '--network',
        'none',
        '-v',
        `omrs-${ENV}-secret-init-default-db-admin:/s:ro`,
        'omrs-test/busybox:1',
        'stat',
        '-c',
        '%a %u %n',
        '/s',
        '/s/password',
      ]);
      expect(modes.stdout.trim().split('\n')).toEqual(['700 10101 /s', '600 10101 /s/password']);
    },
    SLOW.up,
  );

  it('is the environment for omrs status: the same services, probed, with the published gateway', async () => {
    const status = await omrs(['status', '--env', ENV, '--json']);
    expect(status.code, status.stderr + status.stdout).toBe(0);
    const result = JSON.parse(status.stdout) as {
      exists: boolean;
      profile: string;
      url: string;
      services: { name: string; runtime: string; health: string }[];
    };
    expect(result).toMatchObject({
      exists: true,
      profile: 'compose-test',
      url: `http://localhost:${port}/openmrs/spa/`,
    });
    expect(result.services.map((s) => [s.name, s.runtime])).toEqual([
      ['backend-default', 'ok'],
      ['db', 'ok'],
      ['frontend', 'ok'],
      ['gateway', 'ok'],
      ['init-default', 'ok'],
    ]);
    expect(result.services.find((s) => s.name === 'backend-default')!.health).toBe('healthy');
  });

  it('docker compose down -v leaves nothing behind', async () => {
    const volumes = await mountedVolumes();
    expect(volumes.some((v) => /^[0-9a-f]{64}$/.test(v))).toBe(true); // the MariaDB image's anonymous volumes
    await compose('down', '-v');
    expect(await objectsOf(ENV)).toEqual({ containers: [], networks: [], volumes: [] });
    expect(await projectObjects()).toEqual({ containers: 0, networks: 0, volumes: 0 });
    expect(await existingVolumes(volumes)).toEqual([]);
  });

  it(
    'answers like the same stack under omrs up',
    async () => {
      const up = await omrs(['up', '--profile', PROFILE, '--env', ENV, '--json']);
      expect(up.code, up.stderr).toBe(0);
      const underOmrs = await answers(upJson(up).gatewayPort);
      expect(underOmrs).toEqual(underCompose);
      const down = await omrs(['down', '--env', ENV, '--volumes']);
      expect(down.code, down.stderr).toBe(0);
      expect(await objectsOf(ENV)).toEqual({ containers: [], networks: [], volumes: [] });
    },
    SLOW.redo,
  );

  it(
    'omrs down --volumes removes a stack that docker compose started, anonymous volumes included',
    async () => {
      await composeUp();
      const volumes = await mountedVolumes();
      const down = await omrs(['down', '--env', ENV, '--volumes', '--json']);
      expect(down.code, down.stderr).toBe(0);
      expect((JSON.parse(down.stdout) as { containers: string[] }).containers).toContain(`omrs-${ENV}-db`);
      expect(await objectsOf(ENV)).toEqual({ containers: [], networks: [], volumes: [] });
      expect(await projectObjects()).toEqual({ containers: 0, networks: 0, volumes: 0 });
      expect(await existingVolumes(volumes)).toEqual([]);
    },
    SLOW.redo,
  );
});
