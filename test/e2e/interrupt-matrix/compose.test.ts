// The kill-and-interrupt matrix on the compose runtime (the harness Docker engine, the built CLI):
// `up`, `seed`, `env create` and `down`, each interrupted when the NDJSON event of one of its
// steps starts. Every SIGINT and SIGTERM must end the run with exit 130; the next run of the same
// command converges to what a clean run makes (the env's labelled containers, network and volumes,
// or the seed ledger); nothing labelled and no anonymous volume is left after `down --volumes`.
//
// The cells, chosen so that the file runs in minutes on 2 cores:
//   - up: at each step (render, images, prepare, database, init, backend, frontend, gateway, seed)
//     one signal, rotating; with OMRS_MATRIX=full all three, one after the other on the same fresh
//     env: SIGINT on a fresh env, then SIGTERM and kill -9 each on what the previous run left; then
//     the next `up` must converge.
//     One more: a second SIGINT during the clean stop ends the process at once (exit 130).
//   - seed: seed:reference, seed:patient (the table chunks) and seed:users, one signal each,
//     rotating; each a new seed run (another --seed), finished by the same command again.
//   - env create: at each step of its up, one signal each, rotating; the environment is listed,
//     and `env rm` removes it with every labelled object; one clean create afterwards.
//   - down: containers, network and volumes, one signal each, rotating; the next `down --volumes`
//     leaves nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPrivateCli, type BuiltCli } from '../../helpers/built-cli.js';
import { composeEngines, docker, objectsOf, type EnvObjects } from '../compose/helpers.js';
import {
  drive,
  expectInterrupted,
  expectOneDoneRun,
  missedCells,
  runToEnd,
  startedSteps,
  tail,
  type MatrixSignal,
} from './drive.js';

const { engines, ready } = composeEngines();
const ROOT = join(import.meta.dirname, '../../..');
const PROFILE = join(ROOT, 'test/fixtures/profiles/good/compose-seeded.yaml');
const ID = randomBytes(2).toString('hex');
const ENV = `mx-${ID}`;
const ROTATION: MatrixSignal[] = ['SIGINT', 'SIGTERM', 'SIGKILL'];
const ANONYMOUS = /^[0-9a-f]{64}$/;
/** OMRS_MATRIX=full: all three signals at every step of `up`; by default (CI) one per step, rotating. */
const FULL = process.env.OMRS_MATRIX === 'full';

let cli: BuiltCli;
let home: string;
/** Every anonymous volume seen on a container of each env: all must be gone after its down or rm. */
const anonymous = new Map<string, Set<string>>();
const anonymousOf = (env: string): Set<string> =>
  anonymous.get(env) ?? anonymous.set(env, new Set()).get(env)!;
const envsMade = new Set<string>();

const cliEnv = () => ({
  OMRS_HOME: home,
  OMRS_HELM: engines.helm!.helm,
  CI: 'true',
  DOCKER_HOST: `unix://${engines.docker!.socketPath}`,
  OMRS_LOCK_WAIT: '2m',
});
const omrs = (args: string[]) => runToEnd({ cli, args, env: cliEnv(), cwd: ROOT });
const interrupt = (args: string[], at: string, signal: MatrixSignal, twice = false) =>
  drive({ cli, args, env: cliEnv(), cwd: ROOT, at: (e) => e.id === at, signal, twice });

/** The objects as a clean run makes them: names, services and states (ids differ run to run). */
const shape = (o: EnvObjects) => ({
  containers: o.containers.map((c) => `${c.name} ${c.service} ${c.state}`),
  networks: o.networks,
  volumes: o.volumes,
});

async function noteAnonymousVolumes(env: string): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`omrs.dev/env=${env}`] } });
  for (const c of containers)
    for (const m of c.Mounts ?? [])
      if (m.Type === 'volume' && m.Name && ANONYMOUS.test(m.Name)) anonymousOf(env).add(m.Name);
}

async function existingVolumes(names: Iterable<string>): Promise<string[]> {
  const all = new Set(((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name));
  return [...names].filter((n) => all.has(n));
}

describe.skipIf(!ready)(
  'kill-and-interrupt matrix, compose runtime (harness Docker, built CLI)',
  { timeout: 900_000 },
  () => {
    let steps: string[] = [];
    let clean: ReturnType<typeof shape>;

    beforeAll(async () => {
      cli = buildPrivateCli('interrupt-matrix-compose');
      home = mkdtempSync(join(tmpdir(), 'omrs-mx-compose-'));
      envsMade.add(ENV);
      const first = await omrs(['up', '--profile', PROFILE, '--env', ENV]);
      expect(first.code, tail(first)).toBe(0);
      steps = startedSteps(first.stderr).filter((s) => !s.includes(':'));
      clean = shape(await objectsOf(ENV));
      await noteAnonymousVolumes(ENV);
    }, 600_000);

    afterAll(async () => {
      for (const env of envsMade) await omrs(['down', '--env', env, '--volumes']);
      console.info(
        `interrupt matrix (compose): cells the signal missed (the command had finished): ${missedCells.join('; ') || 'none'}`,
      );
      const seen = [...anonymous.values()].reduce((n, set) => n + set.size, 0);
      console.info(
        `interrupt matrix (compose): ${seen} anonymous volumes seen on env containers, all checked gone`,
      );
      for (const env of envsMade) {
        expect(await objectsOf(env)).toEqual({ containers: [], networks: [], volumes: [] });
        expect(await existingVolumes(anonymousOf(env)), `${env}: anonymous volumes left`).toEqual([]);
      }
      cli?.remove();
      rmSync(home, { recursive: true, force: true });
    }, 300_000);

    it('a clean up goes through every step the matrix interrupts', () => {
      expect(steps).toEqual([
        'render',
        'images',
        'prepare',
        'database',
        'init',
        'backend',
        'frontend',
        'gateway',
        'seed',
      ]);
      expect(clean.containers.length).toBe(5);
    });

    it('up: SIGINT, SIGTERM or kill -9 at each step (all three with OMRS_MATRIX=full); the next up converges to the clean objects', async () => {
      const up = ['up', '--profile', PROFILE, '--env', ENV];
      for (const [i, step] of steps.entries()) {
        const fresh = await omrs(['down', '--env', ENV, '--volumes']);
        expect(fresh.code, tail(fresh)).toBe(0);
        for (const signal of FULL ? ROTATION : [ROTATION[i % ROTATION.length]!]) {
          const cell = `up, ${signal} at ${step}`;
          expectInterrupted(await interrupt(up, step, signal), signal, cell);
          await noteAnonymousVolumes(ENV);
        }
        const again = await omrs(up);
        expect(again.code, `up after the interrupts at ${step}\n${tail(again)}`).toBe(0);
        expect(shape(await objectsOf(ENV)), `objects after the interrupts at ${step}`).toEqual(clean);
        await noteAnonymousVolumes(ENV);
      }
    });

    it('up: a second SIGINT during the clean stop ends the process at once with 130', async () => {
      const fresh = await omrs(['down', '--env', ENV, '--volumes']);
      expect(fresh.code).toBe(0);
      const run = await interrupt(['up', '--profile', PROFILE, '--env', ENV], 'database', 'SIGINT', true);
      expect(run.sent && run.sentTwice, tail(run)).toBe(true);
      expect(run.code, tail(run)).toBe(130);
      const again = await omrs(['up', '--profile', PROFILE, '--env', ENV]);
      expect(again.code, tail(again)).toBe(0);
      expect(shape(await objectsOf(ENV))).toEqual(clean);
    });

    it('seed: one signal at each seed step (rotating); the same command again finishes the run', async () => {
      const seedSteps = ['seed:reference', 'seed:patient', 'seed:users'];
      for (const [i, step] of seedSteps.entries()) {
        const signal = ROTATION[i % ROTATION.length]!;
        const seed = String(100 + i);
        const command = ['seed', '--env', ENV, '--profile', PROFILE, '--seed', seed];
        expectInterrupted(await interrupt(command, step, signal), signal, `seed, ${signal} at ${step}`);
        const again = await omrs(command);
        expect(again.code, `seed after ${signal} at ${step}\n${tail(again)}`).toBe(0);
        const status = await omrs(['seed', '--status', '--env', ENV, '--profile', PROFILE]);
        expectOneDoneRun(status.stdout, Number(seed), 20, `${signal} at ${step}`);
      }
      expect(shape(await objectsOf(ENV))).toEqual(clean);
    });

    it('env create: one signal at each step (rotating); listed, and env rm removes every labelled object', async () => {
      for (const [i, step] of steps.entries()) {
        const signal = ROTATION[i % ROTATION.length]!;
        const name = `mx-${ID}-c${i}`;
        envsMade.add(name);
        const cell = `env create, ${signal} at ${step}`;
        const run = await interrupt(
          ['env', 'create', '--runtime', 'compose', '--profile', PROFILE, '--ttl', '1h', '--name', name],
          step,
          signal,
        );
        expectInterrupted(run, signal, cell);
        await noteAnonymousVolumes(name);
        const listed = await omrs(['env', 'ls', '--runtime', 'compose']);
        expect(listed.code, tail(listed)).toBe(0);
        expect(
          (JSON.parse(listed.stdout) as { environments: { name: string }[] }).environments.map((e) => e.name),
          cell,
        ).toContain(name);
        const rm = await omrs(['env', 'rm', name, '--runtime', 'compose', '--yes']);
        expect(rm.code, `${cell}: env rm\n${tail(rm)}`).toBe(0);
        expect(await objectsOf(name), cell).toEqual({ containers: [], networks: [], volumes: [] });
        expect(await existingVolumes(anonymousOf(name)), `${cell}: anonymous volumes`).toEqual([]);
      }
      const name = `mx-${ID}-clean`;
      envsMade.add(name);
      const created = await omrs([
        'env',
        'create',
        '--runtime',
        'compose',
        '--profile',
        PROFILE,
        '--ttl',
        '1h',
        '--name',
        name,
      ]);
      expect(created.code, tail(created)).toBe(0);
      await noteAnonymousVolumes(name);
      expect((await objectsOf(name)).containers.map((c) => c.service).sort()).toEqual(
        clean.containers.map((c) => c.split(' ')[1]).sort(),
      );
    });

    it('down: one signal at each step (rotating); the next down --volumes leaves nothing', async () => {
      for (const [i, step] of ['containers', 'network', 'volumes'].entries()) {
        const signal = ROTATION[i % ROTATION.length]!;
        const up = await omrs(['up', '--profile', PROFILE, '--env', ENV]);
        expect(up.code, tail(up)).toBe(0);
        await noteAnonymousVolumes(ENV);
        const cell = `down, ${signal} at ${step}`;
        expectInterrupted(await interrupt(['down', '--env', ENV, '--volumes'], step, signal), signal, cell);
        const again = await omrs(['down', '--env', ENV, '--volumes']);
        expect(again.code, `${cell}: down again\n${tail(again)}`).toBe(0);
        expect(await objectsOf(ENV), cell).toEqual({ containers: [], networks: [], volumes: [] });
        expect(await existingVolumes(anonymousOf(ENV)), `${cell}: anonymous volumes`).toEqual([]);
      }
    });
  },
);
