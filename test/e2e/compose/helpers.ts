// Shared pieces of the compose end-to-end tests: the CLI with the harness helm and a private
// OMRS_HOME, the env's objects by label, polling with deadlines (never fixed sleeps).
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { expect } from 'vitest';
import { runCli, type CliRun, type RunCliOptions } from '../../helpers/cli.js';
import { readEngine, requireEngine } from '../../helpers/engines.js';

export const PROFILE = join(import.meta.dirname, '../../fixtures/profiles/good/compose-test.yaml');
export const omrsHome = mkdtempSync(join(tmpdir(), 'omrs-e2e-compose-'));
export const docker = new Docker({ socketPath: readEngine('docker')?.socketPath ?? '/var/run/docker.sock' });

/** The engines every compose test needs; `ready` is false (tests skip) only when one is down and not required. */
export function composeEngines() {
  const engines = {
    docker: requireEngine('docker'),
    images: requireEngine('images'),
    helm: requireEngine('helm'),
  };
  return { engines, ready: Boolean(engines.docker && engines.images && engines.helm) };
}

export function omrs(args: string[], options: RunCliOptions = {}): Promise<CliRun> {
  const helm = readEngine('helm')?.helm;
  return runCli(args, {
    ...options,
    env: { OMRS_HOME: omrsHome, ...(helm && { OMRS_HELM: helm }), CI: 'true', ...options.env },
  });
}

export interface EnvObjects {
  containers: { name: string; id: string; state: string; service: string }[];
  networks: string[];
  volumes: string[];
}

/** The test profile's stack after a converged `up`: one container per service, all running but the one-shot init. */
export function expectConvergedStack(objects: EnvObjects): void {
  expect(objects.containers.map((c) => c.service).sort()).toEqual([
    'backend-default',
    'db',
    'frontend',
    'gateway',
    'init-default',
  ]);
  expect(
    objects.containers.filter((c) => c.service !== 'init-default').every((c) => c.state === 'running'),
  ).toBe(true);
}

export async function objectsOf(env: string): Promise<EnvObjects> {
  const filters = { label: [`omrs.dev/env=${env}`] };
  const containers = (await docker.listContainers({ all: true, filters })).map((c) => ({
    name: c.Names[0]!.slice(1),
    id: c.Id,
    state: c.State,
    service: c.Labels['omrs.dev/service'] ?? '',
  }));
  const networks = (await docker.listNetworks({ filters })).map((n) => n.Name);
  const volumes = ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => v.Name);
  return {
    containers: containers.sort((a, b) => a.name.localeCompare(b.name)),
    networks: networks.sort(),
    volumes: volumes.sort(),
  };
}

export async function http(
  url: string,
  init: { auth?: string } = {},
): Promise<{ status: number; body: string }> {
  const response = await fetch(url, {
    headers: init.auth ? { Authorization: `Basic ${Buffer.from(init.auth).toString('base64')}` } : {},
    redirect: 'manual',
  });
  return { status: response.status, body: await response.text() };
}

export { until } from '../../helpers/poll.js';

export const upJson = (
  run: CliRun,
): {
  gatewayPort: number;
  noop: boolean;
  changes: string[];
  durationMs: number;
  url: string;
  admin: { password: string };
} => JSON.parse(run.stdout) as never;

/**
 * Runs SQL as root in the environment's database container (its own client and password) and
 * answers what it printed, the frame headers of Docker's multiplexed stream removed.
 */
export async function sqlInDb(env: string, sql: string, engine: Docker = docker): Promise<string> {
  const [db] = await engine.listContainers({
    filters: { label: [`omrs.dev/env=${env}`, 'omrs.dev/service=db'] },
  });
  const run = await execIn(
    db!.Id,
    ['sh', '-c', `mariadb -N -uroot -p"$MARIADB_ROOT_PASSWORD" openmrs_default -e "${sql}"`],
    [],
    engine,
  );
  expect(run.exitCode).toBe(0);
  return run.output;
}

/** Runs a command in a container: what it printed (stdout and stderr, the frame headers of Docker's multiplexed stream removed) and its exit code. */
export async function execIn(
  id: string,
  cmd: string[],
  env: string[] = [],
  engine: Docker = docker,
): Promise<{ output: string; exitCode: number }> {
  const exec = await engine
    .getContainer(id)
    .exec({ Cmd: cmd, Env: env, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve) => stream.on('end', resolve));
  const out: Buffer[] = [];
  const all = Buffer.concat(chunks);
  for (let i = 0; i + 8 <= all.length;) {
    const size = all.readUInt32BE(i + 4);
    out.push(all.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return { output: Buffer.concat(out).toString('utf8'), exitCode: (await exec.inspect()).ExitCode ?? -1 };
}

/** A TCP port of 127.0.0.1 nothing listens on now (for the ports a profile publishes). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
