// omrs promote / rollback end to end: the REAL Kubernetes API server (kwok nodes) for blue/green,
// the AWS emulator (moto_server) for RDS snapshots and the SSM fingerprint, and a real compose
// stack of the omrs-test images as the smoke-test target (kwok runs no containers).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import {
  CreateDBInstanceCommand,
  DeleteDBInstanceCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { DeleteParameterCommand, GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';

const kube = requireEngine('kube');
const aws = requireEngine('aws');
const helm = requireEngine('helm');
const docker = requireEngine('docker');
const images = requireEngine('images');

const PROFILE = 'test/fixtures/profiles/good/promote-test.yaml';
const QA = 'test/fixtures/promote/qa-test.yaml';
const NS = 'omrs-promote-e2e';
const INSTANCE = 'omrs-promote-e2e-openmrs';
const REGION = 'us-east-1';
const SMOKE_ENV = 'promote-smoke';

describe.skipIf(!kube || !aws || !helm || !docker || !images)(
  'omrs promote / rollback (kwok API server + AWS emulator)',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'omrs-promote-'));
    const env = {
      CI: 'true',
      KUBECONFIG: kube?.kubeconfig,
      OMRS_HELM: helm?.helm,
      OMRS_AWS_ENDPOINT: aws?.endpoint,
      AWS_ACCESS_KEY_ID: aws?.accessKeyId,
      AWS_SECRET_ACCESS_KEY: aws?.secretAccessKey,
      AWS_REGION: REGION,
      OMRS_SMOKE_PASSWORD: 'Admin123',
      OMRS_DB_URL: undefined,
    };
    const awsConfig = {
      region: REGION,
      endpoint: aws?.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    };
    const rds = new RDSClient(awsConfig);
    const ssm = new SSMClient(awsConfig);
    const kc = new k8s.KubeConfig();
    let core: k8s.CoreV1Api;
    let smokeUrl = '';
    const qaRecord = join(dir, 'qa-record.json');
    const common = () => [
      '--profile',
      PROFILE,
      '--context',
      'omrs-harness',
      '--yes',
      '--lock-file',
      join(dir, 'lock.json'),
      '--records-dir',
      dir,
      '--smoke-url',
      smokeUrl,
      '--ready-timeout',
      '60s',
    ];
    const promote = (...extra: string[]) =>
      runCli(['promote', ...common(), '--approve-record', qaRecord, ...extra], { env });

    async function deleteNamespaces(): Promise<void> {
      for (const name of [NS, `${NS}-blue`, `${NS}-green`])
        await core.deleteNamespace({ name }).catch(() => undefined);
      for (const name of [NS, `${NS}-blue`, `${NS}-green`]) {
        for (;;) {
          const gone = await core.readNamespace({ name }).then(
            () => false,
            () => true,
          );
          if (gone) break;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    }

    async function world(): Promise<{
      namespaces: string[];
      releases: string[];
      snapshots: string[];
      parameters: string[];
      service?: string;
    }> {
      const namespaces = (await core.listNamespace()).items
        .map((n) => n.metadata!.name!)
        .filter((n) => n.startsWith(NS))
        .sort();
      const releases: string[] = [];
      for (const ns of namespaces)
        for (const s of (await core.listNamespacedSecret({ namespace: ns, labelSelector: 'owner=helm' }))
          .items)
          releases.push(`${ns}/${s.metadata!.name!}`);
      const snapshots = (
        (await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: INSTANCE }))).DBSnapshots ?? []
      )
        .map((s) => s.DBSnapshotIdentifier!)
        .sort();
      const parameters = (
        (await ssm.send(new GetParametersByPathCommand({ Path: '/omrs/', Recursive: true }))).Parameters ?? []
      )
        .map((p) => `${p.Name}=${p.Value}`)
        .sort();
      const service = await core.readNamespacedService({ name: 'openmrs', namespace: NS }).then(
        (s) => s.spec?.externalName,
        () => undefined,
      );
      return { namespaces, releases: releases.sort(), snapshots, parameters, ...(service && { service }) };
    }

    const live = async (): Promise<string | undefined> =>
      (await core.readNamespacedService({ name: 'openmrs', namespace: NS })).metadata?.annotations?.[
        'omrs.dev/live-colour'
      ];
    const records = async (): Promise<
      { action: string; to: string; result: string; snapshotId?: string }[]
    > =>
      JSON.parse(
        (await core.readNamespacedConfigMap({ name: 'omrs-promotions', namespace: NS })).data![
          'promotions.json'
        ]!,
      ) as never;
    const localRecords = (): { action: string; to: string; result: string }[] =>
      readFileSync(join(dir, 'promotions.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as never);

    beforeAll(async () => {
      kc.loadFromFile(kube!.kubeconfig);
      kc.setCurrentContext(kube!.context);
      core = kc.makeApiClient(k8s.CoreV1Api);
      await deleteNamespaces();
      // The infrastructure Terraform would have built: the RDS instance, and its recorded fingerprint.
      await rds
        .send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: INSTANCE, SkipFinalSnapshot: true }))
        .catch(() => undefined);
      await rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: INSTANCE,
          Engine: 'mariadb',
          EngineVersion: '10.11.7',
          DBInstanceClass: 'db.m6g.large',
          AllocatedStorage: 20,
          MasterUsername: 'openmrs',
          MasterUserPassword: 'not-a-secret-1',
        }),
      );
      await ssm
        .send(new DeleteParameterCommand({ Name: '/omrs/promote-test/infra-fingerprint' }))
        .catch(() => undefined);
      // A real stack of the omrs-test images as the smoke-test target.
      const up = await runCli(
        [
          'up',
          '--json',
          '--profile',
          'test/fixtures/profiles/good/compose-test.yaml',
          '--env',
          SMOKE_ENV,
          '--pull',
          'never',
        ],
        { env: { CI: 'true' } },
      );
      expect(up.code, up.stderr).toBe(0);
      smokeUrl = new URL((JSON.parse(up.stdout) as { url: string }).url).origin;
      const qa = await runCli(['promote', 'record', '--profile', QA, '-o', qaRecord], { env });
      expect(qa.code, qa.stderr).toBe(0);
    }, 300_000);

    afterAll(async () => {
      await runCli(['down', '--env', SMOKE_ENV, '--volumes'], { env: { CI: 'true' } }).catch(() => undefined);
      if (core) await deleteNamespaces();
      await rds
        .send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: INSTANCE, SkipFinalSnapshot: true }))
        .catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }, 180_000);

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
      await rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: INSTANCE,
          Engine: 'mariadb',
          EngineVersion: '10.11.7',
          DBInstanceClass: 'db.m6g.large',
          AllocatedStorage: 20,
          MasterUsername: 'openmrs',
          MasterUserPassword: 'not-a-secret-1',
        }),
      );
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
