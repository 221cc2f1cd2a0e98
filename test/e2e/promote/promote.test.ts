// omrs promote / rollback end to end: the REAL Kubernetes API server (kwok nodes) for blue/green,
// the AWS emulator (moto_server) for RDS snapshots and the SSM fingerprint, and a real compose
// stack of the omrs-test images as the smoke-test target (kwok runs no containers).
// The shared setup (engines, RDS instance, smoke stack, QA record, clean-up) is in ./setup.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { DeleteDBInstanceCommand } from '@aws-sdk/client-rds';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { aws, docker, helm, images, INSTANCE, kube, NS, PROFILE, usePromoteSetup } from './setup.js';

describe.skipIf(!kube || !aws || !helm || !docker || !images)(
  'omrs promote / rollback (kwok API server + AWS emulator)',
  () => {
    const setup = usePromoteSetup();
    const { dir, env, rds, kc, qaRecord, common, promote, world, live, records, localRecords } = setup;
    let core: k8s.CoreV1Api;
    let smokeUrl = '';
    beforeAll(() => {
      core = setup.ctx.core;
      smokeUrl = setup.ctx.smokeUrl;
    });

    it('refuses changed infrastructure without the terraform provider: exit 4, names terraform/README.md, nothing changed', async () => {
      const before = await world();
      const run = await promote();
      expect(run.code, run.stderr).toBe(4);
      expect(run.stderr).toMatch(/terraform\/README\.md/);
      expect(await world()).toEqual(before);
      // What an apply outside omrs would leave behind: the recorded fingerprint.
      const fp = await runCli(['promote', 'fingerprint', '--profile', PROFILE, '--record'], { env });
      expect(fp.code, fp.stderr).toBe(0);
    }, 120_000);

    it('first promotion: green live, snapshot on the emulator, recorded in the ConfigMap and promotions.jsonl', async () => {
      const run = await promote('--json');
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as {
        live: string;
        snapshot: { snapshotId: string };
        unpinned: string[];
        plan: { infra: { changed: boolean }; objects: { change: string }[] };
      };
      expect(result.live).toBe('green');
      expect(result.plan.infra.changed).toBe(false);
      expect(result.plan.objects.every((o) => o.change === 'added')).toBe(true);
      expect(result.unpinned).toContain('omrs-test/gateway:1');
      expect(await live()).toBe('green');
      expect((await world()).snapshots).toContain(result.snapshot.snapshotId);
      expect((await records()).map((r) => `${r.action}:${r.to}:${r.result}`)).toEqual([
        'promote:green:succeeded',
      ]);
      expect(localRecords().at(-1)).toMatchObject({ action: 'promote', to: 'green', result: 'succeeded' });
      const lock = JSON.parse(readFileSync(join(dir, 'lock.json'), 'utf8')) as { appDigest: string };
      expect(lock.appDigest).toMatch(/^sha256:/);
    }, 240_000);

    it('second promotion switches to blue, keeping green; rollback makes green live again', async () => {
      const second = await promote();
      expect(second.code, second.stderr).toBe(0);
      expect(await live()).toBe('blue');
      expect((await world()).namespaces).toEqual([NS, `${NS}-blue`, `${NS}-green`]);

      const back = await runCli(
        ['rollback', '--profile', PROFILE, '--context', 'omrs-harness', '--yes', '--records-dir', dir],
        { env },
      );
      expect(back.code, back.stderr).toBe(0);
      expect(await live()).toBe('green');
      expect((await records()).map((r) => `${r.action}:${r.to}`)).toEqual([
        'promote:green',
        'promote:blue',
        'rollback:green',
      ]);
      expect(
        localRecords()
          .map((r) => `${r.action}:${r.to}`)
          .slice(-3),
      ).toEqual(['promote:green', 'promote:blue', 'rollback:green']);
    }, 300_000);

    it('refusals change nothing: a changed app key, a failing gate, a context that is not the profile’s', async () => {
      const before = await world();
      const other = join(dir, 'other-record.json');
      expect(
        (
          await runCli(
            ['promote', 'record', '--profile', 'test/fixtures/promote/qa-other-app.yaml', '-o', other],
            { env },
          )
        ).code,
      ).toBe(0);
      const mismatch = await runCli(['promote', ...common(), '--approve-record', other], { env });
      expect(mismatch.code, mismatch.stderr).toBe(1);
      expect(mismatch.stderr).toMatch(/PROMOTE_APP_DIGEST_MISMATCH|not the app QA tested/);
      expect(mismatch.stderr).toMatch(/openmrs\.images/);

      const gate = await runCli(
        [
          'promote',
          '--profile',
          'test/fixtures/promote/failing-gate.yaml',
          '--context',
          'omrs-harness',
          '--yes',
          '--lock-file',
          join(dir, 'lock2.json'),
          '--records-dir',
          dir,
          '--smoke-url',
          smokeUrl,
          '--approve-record',
          qaRecord,
        ],
        { env },
      );
      expect(gate.code, gate.stderr).toBe(3);
      expect(gate.stderr).toMatch(/nothing was changed/);
      expect(existsSync(join(dir, 'lock2.json')), 'a failed gate leaves no lock file').toBe(false);

      const context = await runCli(
        [
          'promote',
          '--profile',
          PROFILE,
          '--context',
          'kind-omrs',
          '--yes',
          '--smoke-url',
          smokeUrl,
          '--approve-record',
          qaRecord,
          '--records-dir',
          dir,
        ],
        { env },
      );
      expect(context.code, context.stderr).toBe(2);
      expect(context.stderr).toMatch(/omrs-harness/);

      const noYes = await runCli(
        [
          'promote',
          '--profile',
          PROFILE,
          '--context',
          'omrs-harness',
          '--smoke-url',
          smokeUrl,
          '--approve-record',
          qaRecord,
          '--lock-file',
          join(dir, 'lock.json'),
          '--records-dir',
          dir,
        ],
        { env },
      );
      expect(noYes.code, noYes.stderr).toBe(2);
      expect(noYes.stderr).toMatch(/--yes/);
      expect(await world()).toEqual(before);
    }, 240_000);
    it('failure injection leaves the live colour serving; promote again converges', async () => {
      expect(await live()).toBe('green');
      // The RDS instance is gone: the snapshot fails.
      await rds.send(
        new DeleteDBInstanceCommand({ DBInstanceIdentifier: INSTANCE, SkipFinalSnapshot: true }),
      );
      const snap = await runCli(['promote', ...common(), '--approve-record', qaRecord], { env });
      expect(snap.code, snap.stderr).toBe(1);
      expect(snap.stderr).toMatch(/PROMOTE_DB_NOT_FOUND|DBInstanceNotFound/);
      await setup.createInstance();
      expect(snap.stderr).toMatch(/live colour green .* is still serving/);
      expect(await live()).toBe('green');
      // A smoke test that fails (wrong password).
      const smoke = await runCli(
        ['promote', ...common(), '--approve-record', qaRecord, '--smoke-timeout', '2s'],
        { env: { ...env, OMRS_SMOKE_PASSWORD: 'wrong-password-1' } },
      );
      expect(smoke.code, smoke.stderr).toBe(1);
      expect(smoke.stderr).toMatch(/smoke test/);
      expect(await live()).toBe('green');
      // An idle colour that never becomes ready: a quota that forbids its pods.
      await core.createNamespacedResourceQuota({
        namespace: `${NS}-blue`,
        body: { metadata: { name: 'no-pods' }, spec: { hard: { pods: '0' } } },
      });
      const apps = kc.makeApiClient(k8s.AppsV1Api);
      await apps.deleteCollectionNamespacedDeployment({ namespace: `${NS}-blue` });
      const quota = await runCli(
        ['promote', ...common(), '--approve-record', qaRecord, '--ready-timeout', '20s'],
        { env },
      );
      expect(quota.code, quota.stderr).toBe(1);
      expect(quota.stderr).toMatch(/did not become ready/);
      expect(await live()).toBe('green');
      expect((await records()).slice(-3).map((r) => r.result)).toEqual(['failed', 'failed', 'failed']);
      // Fault removed: the same command converges.
      await core.deleteNamespacedResourceQuota({ name: 'no-pods', namespace: `${NS}-blue` });
      const again = await promote();
      expect(again.code, again.stderr).toBe(0);
      expect(await live()).toBe('blue');
    }, 300_000);
  },
);
