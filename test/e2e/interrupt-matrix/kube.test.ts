// The kill-and-interrupt matrix on a cluster (the harness API server, kwok nodes, the built CLI):
// `up`, `env create` and `down`, each interrupted when the NDJSON event of one of its steps
// starts. SIGINT and SIGTERM must end the run with exit 130; the next run converges to the
// objects a clean run makes (the labelled namespace and the Deployments, StatefulSets, Services,
// Jobs, claims, ConfigMaps and Secrets in it); `down --volumes` and `env rm` leave no labelled
// namespace behind.
//
// kwok nodes run no containers, and none of these cells needs one: seeding off, they judge the
// objects omrs makes and removes. The seeding cells (a seed step interrupted, kill -9 during a seed
// through a port-forward, Ctrl-C in the seed step of env create) run on real nodes, where the
// chart's init Job and the kubelet's port-forward are real: kind/interrupt-seed.test.ts.
//
// The cells (one signal per step, rotating SIGINT → SIGTERM → kill -9, so the file runs in minutes):
//   - up: at each step of a clean up; then the same up converges.
//   - env create: at each step of its up; listed, and `env rm` removes its namespace.
//   - down --volumes: at each step; the next down leaves no namespace.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPrivateCli, type BuiltCli } from '../../helpers/built-cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { admin, HELM, project, removeNamespace, until, type Admin } from '../kube/cluster.js';
import {
  drive,
  expectInterrupted,
  missedCells,
  parsed,
  runToEnd,
  startedSteps,
  tail,
  type MatrixSignal,
} from './drive.js';

const kube = requireEngine('kube');
const ROTATION: MatrixSignal[] = ['SIGINT', 'SIGTERM', 'SIGKILL'];
const ID = randomBytes(2).toString('hex');
const ENV = `mk${ID}`;
const TENANT = `mxt${ID}`;

const profile = (context: string): string => `extends: base
runtime: kube
admin:
  password: Admin123-test
tenants:
  - name: ${TENANT}
seed:
  enabled: false
timeouts:
  database: 60s
  init: 60s
  backend: 60s
  frontend: 60s
  gateway: 60s
cluster:
  context: ${context}
`;

describe.skipIf(!kube)(
  'kill-and-interrupt matrix, cluster (harness API server with kwok nodes, built CLI)',
  { timeout: 900_000 },
  () => {
    let a: Admin;
    let cli: BuiltCli;
    let proj: { root: string; remove: () => void };
    const namespaces = new Set<string>();
    let steps: string[] = [];
    let clean: Record<string, string[]>;

    const cliEnv = () => ({
      KUBECONFIG: kube!.kubeconfig,
      OMRS_HELM: HELM,
      CI: 'true',
      OMRS_LOCK_WAIT: '2m',
    });
    const omrs = (args: string[]) => runToEnd({ cli, args, env: cliEnv(), cwd: proj.root });
    const interrupt = (args: string[], at: string, signal: MatrixSignal) =>
      drive({ cli, args, env: cliEnv(), cwd: proj.root, at: (e) => e.id === at, signal });
    const up = ['up', '--profile', 'mk', '--runtime', 'kube', '--env', ENV];

    /** The labelled objects of an env's namespace by kind (names; Helm's release records left out). */
    async function objects(namespace: string): Promise<Record<string, string[]>> {
      const names = (list: { items: { metadata?: { name?: string } }[] }) =>
        list.items.map((i) => i.metadata?.name ?? '').sort();
      const ns = await a.core.readNamespace({ name: namespace });
      const labels = Object.keys(ns.metadata?.labels ?? {})
        .filter((k) => k.startsWith('omrs.dev/'))
        .sort();
      return {
        namespaceLabels: labels,
        deployments: names(await a.apps.listNamespacedDeployment({ namespace })),
        statefulSets: names(await a.apps.listNamespacedStatefulSet({ namespace })),
        services: names(await a.core.listNamespacedService({ namespace })),
        jobs: names(await a.batch.listNamespacedJob({ namespace })),
        claims: names(await a.core.listNamespacedPersistentVolumeClaim({ namespace })),
        configMaps: names(await a.core.listNamespacedConfigMap({ namespace })),
        secrets: names(await a.core.listNamespacedSecret({ namespace })).filter(
          (n) => !n.startsWith('sh.helm.release.'),
        ),
      };
    }

    /** The env's labelled namespaces once the deletion omrs asked for is through (the controller finalises it). */
    async function omrsNamespaces(env: string): Promise<string[]> {
      const left = async () =>
        (await a.core.listNamespace({ labelSelector: `omrs.dev/env=${env}` })).items.map(
          (n) => `${n.metadata!.name!} (${n.status?.phase ?? '?'})`,
        );
      await until(
        async () => (await left()).every((n) => !n.endsWith('(Terminating)')),
        120_000,
        `namespaces of ${env}`,
      ).catch(() => undefined);
      return left();
    }

    beforeAll(async () => {
      a = admin(kube!);
      proj = project(kube!, { mk: profile(kube!.context) });
      // MATRIX_CLI=<bin/omrs.js of another build> runs the cells against it (to show one failing before a fix).
      cli = process.env.MATRIX_CLI
        ? { bin: process.env.MATRIX_CLI, remove: () => undefined }
        : buildPrivateCli('interrupt-matrix-kube');
      namespaces.add(`omrs-${ENV}`);
      const first = await omrs(up);
      expect(first.code, tail(first)).toBe(0);
      steps = startedSteps(first.stderr);
      clean = await objects(`omrs-${ENV}`);
    }, 600_000);

    afterAll(async () => {
      console.info(
        `interrupt matrix (kube): cells the signal missed (the command had finished): ${missedCells.join('; ') || 'none'}`,
      );
      if (a) for (const namespace of namespaces) await removeNamespace(a, namespace);
      cli?.remove();
      proj?.remove();
    }, 300_000);

    it('a clean up makes the labelled namespace and its workloads', () => {
      expect(steps.length).toBeGreaterThan(2);
      expect(clean.namespaceLabels).toEqual(expect.arrayContaining(['omrs.dev/env', 'omrs.dev/app-digest']));
      expect(clean.deployments).toContain(`${ENV}-backend-${TENANT}`);
    });

    it('up: one signal at each step (rotating); the same up converges to the clean objects', async () => {
      for (const [i, step] of steps.entries()) {
        const signal = ROTATION[i % ROTATION.length]!;
        const cell = `up, ${signal} at ${step}`;
        const down = await omrs(['down', '--profile', 'mk', '--runtime', 'kube', '--env', ENV, '--volumes']);
        expect(down.code, tail(down)).toBe(0);
        expect(await omrsNamespaces(ENV)).toEqual([]);
        expectInterrupted(await interrupt(up, step, signal), signal, cell);
        const again = await omrs(up);
        expect(again.code, `${cell}: up again\n${tail(again)}`).toBe(0);
        expect(await objects(`omrs-${ENV}`), cell).toEqual(clean);
      }
    });

    it('env create: one signal at each step (rotating); env rm removes it', async () => {
      // MATRIX_STEPS=a,b runs only those cells (to reproduce one).
      const only = process.env.MATRIX_STEPS?.split(',');
      for (const [i, step] of steps.entries()) {
        if (only && !only.some((o) => step.startsWith(o))) continue;
        const signal = ROTATION[i % ROTATION.length]!;
        const name = `mk${ID}c${i}`;
        namespaces.add(`omrs-${name}`);
        const cell = `env create, ${signal} at ${step}`;
        const run = await interrupt(
          ['env', 'create', '--profile', 'mk', '--runtime', 'kube', '--ttl', '1h', '--name', name],
          step,
          signal,
        );
        const hit = expectInterrupted(run, signal, cell);
        const listed = await omrs(['env', 'ls', '--profile', 'mk', '--runtime', 'kube']);
        expect(listed.code, tail(listed)).toBe(0);
        const env = (
          parsed(listed.stdout) as { environments: { name: string; state?: string }[] }
        ).environments.find((e) => e.name === name);
        expect(env, `${cell}: not listed`).toBeDefined();
        if (hit && env!.state === 'ready') {
          // Only a SIGKILL that landed after the state was written (the last steps take
          // milliseconds on kwok nodes) leaves it ready: then the environment is whole.
          expect(signal, `${cell}: listed ready`).toBe('SIGKILL');
          const workloads = (o: Record<string, string[]>, from = name) =>
            ['deployments', 'statefulSets', 'services'].map((k) =>
              o[k]!.map((n) => n.replaceAll(from, name)),
            );
          expect(workloads(await objects(`omrs-${name}`)), cell).toEqual(workloads(clean, ENV));
        }
        const rm = await omrs(['env', 'rm', name, '--profile', 'mk', '--runtime', 'kube', '--yes']);
        expect(rm.code, `${cell}: env rm\n${tail(rm)}`).toBe(0);
        expect(await omrsNamespaces(name), cell).toEqual([]);
      }
    });

    it('down --volumes: one signal at each step (rotating); the next down leaves no namespace', async () => {
      const downArgs = ['down', '--profile', 'mk', '--runtime', 'kube', '--env', ENV, '--volumes'];
      for (const [i, step] of ['uninstall', 'volumes'].entries()) {
        const signal = ROTATION[i % ROTATION.length]!;
        const cell = `down, ${signal} at ${step}`;
        const again = await omrs(up);
        expect(again.code, tail(again)).toBe(0);
        expectInterrupted(await interrupt(downArgs, step, signal), signal, cell);
        const down = await omrs(downArgs);
        expect(down.code, `${cell}: down again\n${tail(down)}`).toBe(0);
        expect(await omrsNamespaces(ENV), cell).toEqual([]);
      }
    });
  },
);
