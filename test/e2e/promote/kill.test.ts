// kill -9 during deploy (issue 10): the built CLI as a child process promotes to the idle colour and is
// killed with SIGKILL while helm installs it. The live colour still serves, untouched; the same
// promote again (in-process) converges: the idle colour becomes live and the promotion is recorded.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { engines, NS, PROFILE, usePromoteSetup } from './setup.js';
import { buildPrivateCli, type BuiltCli } from '../../helpers/built-cli.js';

const root = join(import.meta.dirname, '../../..');
const OMRS_LABELS = [
  'omrs.dev/env',
  'omrs.dev/profile',
  'omrs.dev/app-digest',
  'app.kubernetes.io/managed-by',
];

describe.skipIf(!engines)(
  'omrs promote killed with SIGKILL during deploy (kwok API server + AWS emulator)',
  () => {
    const setup = usePromoteSetup();
    const { env, kc, qaRecord, common, promote, world, live, records, localRecords } = setup;

    // Its own build: a `npm run build` elsewhere empties the shared dist/ under a running child.
    let cli: BuiltCli;
    beforeAll(() => {
      cli = buildPrivateCli('promote-kill');
    }, 300_000);
    afterAll(() => cli?.remove());

    /** Every namespace of the promotion carries all its omrs.dev labels: nothing half-labelled. */
    async function unlabelled(): Promise<string[]> {
      const namespaces = (await setup.ctx.core.listNamespace()).items.filter((n) =>
        n.metadata!.name!.startsWith(NS),
      );
      expect(namespaces.length).toBeGreaterThan(0);
      return namespaces.flatMap((n) =>
        OMRS_LABELS.filter((l) => !n.metadata?.labels?.[l]).map((l) => `${n.metadata!.name!}: no ${l}`),
      );
    }

    /** What matters of a colour's Deployments: name, generation, labels and spec. */
    async function deployments(namespace: string): Promise<Record<string, unknown>> {
      const apps = kc.makeApiClient(k8s.AppsV1Api);
      return Object.fromEntries(
        (await apps.listNamespacedDeployment({ namespace })).items.map((d) => [
          d.metadata!.name!,
          { generation: d.metadata?.generation, labels: d.metadata?.labels, spec: d.spec },
        ]),
      );
    }

    /** What a kill between a switch and its record leaves: the records without the last one. */
    const dropLastRecord = (all: unknown[]) =>
      setup.ctx.core.replaceNamespacedConfigMap({
        name: 'omrs-promotions',
        namespace: NS,
        body: {
          metadata: { name: 'omrs-promotions', namespace: NS },
          data: { 'promotions.json': JSON.stringify(all.slice(0, -1)) },
        },
      });

    it('first promotion makes green live', async () => {
      const fp = await runCli(['promote', 'fingerprint', '--profile', PROFILE, '--record'], { env });
      expect(fp.code, fp.stderr).toBe(0);
      const run = await promote();
      expect(run.code, run.stderr).toBe(0);
      expect(await live()).toBe('green');
      expect(await unlabelled()).toEqual([]);
    }, 240_000);

    it('kill -9 while deploying blue: green still serves, unchanged; promote again converges to blue', async () => {
      const { core } = setup.ctx;
      const greenBefore = await deployments(`${NS}-green`);
      expect(Object.keys(greenBefore).length).toBeGreaterThan(0);
      const serviceBefore = (await world()).service;
      expect(serviceBefore).toMatch(new RegExp(`\\.${NS}-green\\.svc\\.cluster\\.local$`));
      const recordsBefore = await records();

      // The second promotion, by the built CLI, in its own process group (so helm is killed with it).
      const childEnv: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...process.env, FORCE_COLOR: undefined, ...env }))
        if (v !== undefined) childEnv[k] = v;
      const child = spawn(process.execPath, [cli.bin, 'promote', ...common(), '--approve-record', qaRecord], {
        cwd: root,
        env: childEnv,
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      let exited: number | null | undefined;
      const exit = new Promise<void>((r) =>
        child.once('exit', (code) => {
          exited = code;
          r();
        }),
      );

      // Watch until helm has begun the idle colour's release and created its claims, then kill -9.
      const deadline = Date.now() + 120_000;
      let release: k8s.V1Secret | undefined;
      while (Date.now() < deadline && exited === undefined) {
        release = (
          await core
            .listNamespacedSecret({ namespace: `${NS}-blue`, labelSelector: 'owner=helm' })
            .catch(() => ({ items: [] as k8s.V1Secret[] }))
        ).items[0];
        const claims = await core
          .listNamespacedPersistentVolumeClaim({ namespace: `${NS}-blue` })
          .catch(() => ({ items: [] }));
        if (release && claims.items.length) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(exited, `the promotion ended before the deploy step: ${stderr}`).toBeUndefined();
      expect(release, `no helm release with claims in ${NS}-blue within 120 s: ${stderr}`).toBeDefined();
      // kill -9 of the CLI, and of the helm it runs (as a cancelled CI job or a closed terminal does).
      child.kill('SIGKILL');
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group is already gone
      }
      await exit;
      console.info(
        `killed during deploy: release ${release!.metadata!.name!} was ${release!.metadata?.labels?.status}`,
      );

      // The live colour still serves, and nothing of it changed.
      expect(await live()).toBe('green');
      expect((await world()).service).toBe(serviceBefore);
      expect(await deployments(`${NS}-green`)).toEqual(greenBefore);
      expect(await records()).toEqual(recordsBefore);
      expect(await unlabelled()).toEqual([]);

      // Where the kill lands among helm's creations is chance (the loop above waits for the claims).
      // Make it the instant CI hit under load: after the claims, before the backup CronJob, the only
      // mounter of the backups claim. That claim must not make the gate (OMRS-CL-002) refuse the
      // run that converges: the promotion's own objects mount it.
      const batch = kc.makeApiClient(k8s.BatchV1Api);
      for (const c of (await batch.listNamespacedCronJob({ namespace: `${NS}-blue` })).items)
        await batch.deleteNamespacedCronJob({ name: c.metadata!.name!, namespace: `${NS}-blue` });

      // What the kill left of blue's release: usually pending-install, which helm refuses to touch.
      const left = (
        await core.listNamespacedSecret({ namespace: `${NS}-blue`, labelSelector: 'owner=helm' })
      ).items.map((s) => s.metadata?.labels?.status ?? '');

      // The same command again converges.
      const again = await promote('--json');
      expect(again.code, `${again.stderr}${again.stdout}`).toBe(0);
      if (left.some((s) => s.startsWith('pending-')))
        expect(again.stderr).toMatch(/was left pending-\w+ .*by an interrupted run/);
      expect((JSON.parse(again.stdout) as { live: string }).live).toBe('blue');
      expect(await live()).toBe('blue');
      expect((await world()).service).toMatch(new RegExp(`\\.${NS}-blue\\.svc\\.cluster\\.local$`));
      expect((await records()).map((r) => `${r.action}:${r.to}:${r.result}`)).toEqual([
        'promote:green:succeeded',
        'promote:blue:succeeded',
      ]);
      expect(localRecords().at(-1)).toMatchObject({ action: 'promote', to: 'blue', result: 'succeeded' });
      expect(await deployments(`${NS}-green`)).toEqual(greenBefore);
      expect(await unlabelled()).toEqual([]);
    }, 300_000);

    it('a run killed between its switch and its record: promote again records it and changes nothing else', async () => {
      // The state such a kill leaves (the kind test kills during the switch, where the instant is
      // chance): traffic on blue, the Service carrying blue's record, the ConfigMap without it.
      const all = await records();
      const last = all.at(-1)!;
      expect(last).toMatchObject({ action: 'promote', to: 'blue', result: 'succeeded' });
      await dropLastRecord(all);
      const blueBefore = await deployments(`${NS}-blue`);
      const serviceBefore = (await world()).service;

      const again = await promote('--json');
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(
        /an earlier run switched traffic to blue and was stopped before it recorded/,
      );
      expect(JSON.parse(again.stdout)).toMatchObject({
        live: 'blue',
        finished: 'recorded the interrupted promotion',
      });
      // Blue stays live, nothing was deployed again, and the record is back, once.
      expect(await live()).toBe('blue');
      expect((await world()).service).toBe(serviceBefore);
      expect(await deployments(`${NS}-blue`)).toEqual(blueBefore);
      expect(await records()).toEqual(all);

      // A further run is an ordinary promotion again (to green).
      const next = await promote('--json');
      expect(next.code, next.stderr).toBe(0);
      expect((JSON.parse(next.stdout) as { live: string }).live).toBe('green');

      // The same for a rollback (to blue) killed before it recorded: rolling back again would go
      // to green; it records the rollback instead and switches nothing.
      const rollback = () =>
        runCli(['rollback', ...common().slice(0, 5), '--records-dir', setup.dir, '--json'], { env });
      const back = await rollback();
      expect(back.code, back.stderr).toBe(0);
      expect(await live()).toBe('blue');
      const withRollback = await records();
      await dropLastRecord(withRollback);
      const again2 = await rollback();
      expect(again2.code, again2.stderr).toBe(0);
      expect(JSON.parse(again2.stdout)).toMatchObject({
        live: 'blue',
        finished: 'recorded the interrupted rollback',
      });
      expect(await live()).toBe('blue');
      expect(await records()).toEqual(withRollback);
    }, 300_000);
  },
);
