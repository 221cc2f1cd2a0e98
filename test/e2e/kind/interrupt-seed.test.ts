// The seeding cells of the kill-and-interrupt matrix, on real nodes (the harness kind cluster, the
// built CLI). The tenant's database and login are made by the chart's own init Job, and the seed
// reaches the database pod through a real port-forward. After kill -9 nothing here closes the
// killed seed's connection: the kubelet ends the forwarded connection when its client dies, and
// that releases the seed lock, so the same command again can run. (The kwok matrix,
// interrupt-matrix/kube.test.ts, played both parts; it keeps the cells that need no pod.)
//
// The cells:
//   - seed: seed:reference, seed:patient and seed:users, rotating SIGINT → SIGTERM → kill -9, each a
//     new seed run finished by the same command again (one done run in the ledger).
//   - up of the seeded environment: SIGINT at its seed step, with nothing left to seed, so that only
//     up itself can see it (issue 21: it used to end as done).
//   - env create: SIGINT at its seed step must not end as "ready"; env rm removes its namespace.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPrivateCli, type BuiltCli } from '../../helpers/built-cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { until } from '../../helpers/poll.js';
import {
  drive,
  expectInterrupted,
  expectOneDoneRun,
  missedCells,
  parsed,
  runToEnd,
  startedSteps,
  tail,
  type MatrixSignal,
} from '../interrupt-matrix/drive.js';
import { copyToKindEngine, kindCliEnv, writeKindProfiles } from './engines.js';

const kind = requireEngine('kind');
const images = requireEngine('images');
const helm = requireEngine('helm');
const ROTATION: MatrixSignal[] = ['SIGINT', 'SIGTERM', 'SIGKILL'];
const ID = randomBytes(2).toString('hex');
const ENV = `ms${ID}`;
const PATIENTS = 20;

const PROFILE = `extends: kind-stack
seed:
  enabled: true
  seed: 7
  counts:
    patients: ${PATIENTS}
    visitsPerPatient: 1
    encountersPerVisit: 1
    obsPerEncounter: 2
`;

describe.skipIf(!kind || !images || !helm)(
  'kill-and-interrupt matrix, seeding on real nodes (kind cluster, built CLI)',
  { timeout: 900_000 },
  () => {
    let core: k8s.CoreV1Api;
    let cli: BuiltCli;
    let root: string;
    const namespaces = new Set<string>([`omrs-${ENV}`]);
    let steps: string[] = [];

    const cliEnv = () => ({
      ...kindCliEnv(kind!, helm!),
      CI: 'true',
      OMRS_LOCK_WAIT: '2m',
    });
    const omrs = (args: string[]) => runToEnd({ cli, args, env: cliEnv(), cwd: root });
    const interrupt = (args: string[], at: string, signal: MatrixSignal) =>
      drive({ cli, args, env: cliEnv(), cwd: root, at: (e) => e.id === at, signal });
    const onKind = ['--profile', 'ms', '--runtime', 'kind'];

    beforeAll(async () => {
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(kind!.kubeconfig);
      kc.setCurrentContext(kind!.context);
      core = kc.makeApiClient(k8s.CoreV1Api);
      root = mkdtempSync(join(tmpdir(), 'omrs-kind-interrupt-'));
      writeKindProfiles(root, images!.tags, kind!.cluster);
      writeFileSync(join(root, 'profiles', 'ms.yaml'), PROFILE);
      writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'kind-interrupt' }));
      const t = images!.tags;
      copyToKindEngine(kind!.dockerHost, [t.gateway, t.frontend, t.backend, t.mariadb]);
      cli = process.env.MATRIX_CLI
        ? { bin: process.env.MATRIX_CLI, remove: () => undefined }
        : buildPrivateCli('interrupt-matrix-kind');
      const first = await omrs(['up', ...onKind, '--env', ENV]);
      expect(first.code, tail(first)).toBe(0);
      steps = startedSteps(first.stderr);
    }, 600_000);

    afterAll(async () => {
      console.info(`interrupt matrix (kind): cells the signal missed: ${missedCells.join('; ') || 'none'}`);
      if (core) for (const name of namespaces) await core.deleteNamespace({ name }).catch(() => undefined);
      cli?.remove();
      if (root) rmSync(root, { recursive: true, force: true });
    }, 300_000);

    it('a clean up seeds the tenant through the init Job and a port-forward', () => {
      expect(steps).toContain('seed-default');
    });

    it('seed: one signal at each seed step (rotating); the same command again finishes the run', async () => {
      for (const [i, step] of ['seed:reference', 'seed:patient', 'seed:users'].entries()) {
        const signal = ROTATION[i % ROTATION.length]!;
        const seed = String(300 + i);
        const command = ['seed', ...onKind, '--env', ENV, '--seed', seed];
        const cell = `seed, ${signal} at ${step}`;
        expect(expectInterrupted(await interrupt(command, step, signal), signal, cell), cell).toBe(true);
        // After kill -9 the killed seed's connection (and its lock) ends with its port-forward.
        const again = await omrs(command);
        expect(again.code, `seed after ${signal} at ${step}\n${tail(again)}`).toBe(0);
        const status = await omrs(['seed', ...onKind, '--env', ENV, '--status']);
        expectOneDoneRun(status.stdout, Number(seed), PATIENTS, `${signal} at ${step}`);
      }
    });

    it('up with nothing left to seed: a Ctrl-C at its seed step ends as interrupted, or finds up finished', async () => {
      const run = await interrupt(['up', ...onKind, '--env', ENV], 'seed-default', 'SIGINT');
      // The seeder has nothing to do here, so up may end before the signal lands: a missed cell,
      // as the matrix counts it. One that said "Stopping…" must end with 130.
      expectInterrupted(run, 'SIGINT', 'up, SIGINT at seed-default (seeded)');
    });

    it('env create: Ctrl-C at its seed step ends as interrupted, never ready; env rm removes it', async () => {
      const name = `ms${ID}c`;
      namespaces.add(`omrs-${name}`);
      const run = await interrupt(
        ['env', 'create', ...onKind, '--ttl', '1h', '--name', name],
        'seed-default',
        'SIGINT',
      );
      expect(expectInterrupted(run, 'SIGINT', 'env create, SIGINT at seed-default'), tail(run)).toBe(true);
      const listed = await omrs(['env', 'ls', ...onKind]);
      expect(listed.code, tail(listed)).toBe(0);
      const env = (
        parsed(listed.stdout) as { environments: { name: string; state?: string }[] }
      ).environments.find((e) => e.name === name);
      expect(env, 'not listed').toBeDefined();
      expect(env!.state).not.toBe('ready');
      const rm = await omrs(['env', 'rm', name, ...onKind, '--yes']);
      expect(rm.code, tail(rm)).toBe(0);
      await until(
        `namespace omrs-${name} deleted`,
        async () =>
          (await core.listNamespace({ labelSelector: `omrs.dev/env=${name}` })).items.length === 0
            ? true
            : undefined,
        180_000,
      );
    });
  },
);
