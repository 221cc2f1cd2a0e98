// Shared setup of the omrs promote end-to-end tests: the REAL Kubernetes API server (kwok nodes) for
// blue/green, the AWS emulator (moto_server) for RDS snapshots and the SSM fingerprint, and a real
// compose stack of the omrs-test images as the smoke-test target (kwok runs no containers).
// Call usePromoteSetup() at the top of a describe block: it registers the beforeAll/afterAll hooks.
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
import { afterAll, beforeAll, expect } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';

export const kube = requireEngine('kube');
export const aws = requireEngine('aws');
export const helm = requireEngine('helm');
export const docker = requireEngine('docker');
export const images = requireEngine('images');
export const engines = Boolean(kube && aws && helm && docker && images);

export const PROFILE = 'test/fixtures/profiles/good/promote-test.yaml';
export const QA = 'test/fixtures/promote/qa-test.yaml';
export const NS = 'omrs-promote-e2e';
export const INSTANCE = 'omrs-promote-e2e-openmrs';
export const REGION = 'us-east-1';
export const SMOKE_ENV = 'promote-smoke';

export interface World {
  namespaces: string[];
  releases: string[];
  snapshots: string[];
  parameters: string[];
  service?: string;
}

export type PromotionRecordView = { action: string; to: string; result: string; snapshotId?: string };

export function usePromoteSetup() {
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
  const ctx = {
    core: undefined as unknown as k8s.CoreV1Api,
    smokeUrl: '',
  };
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
    ctx.smokeUrl,
    '--ready-timeout',
    '60s',
  ];
  const promote = (...extra: string[]) =>
    runCli(['promote', ...common(), '--approve-record', qaRecord, ...extra], { env });

  async function deleteNamespaces(): Promise<void> {
    const { core } = ctx;
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

  async function world(): Promise<World> {
    const { core } = ctx;
    const namespaces = (await core.listNamespace()).items
      .map((n) => n.metadata!.name!)
      .filter((n) => n.startsWith(NS))
      .sort();
    const releases: string[] = [];
    for (const ns of namespaces)
      for (const s of (await core.listNamespacedSecret({ namespace: ns, labelSelector: 'owner=helm' })).items)
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
    (await ctx.core.readNamespacedService({ name: 'openmrs', namespace: NS })).metadata?.annotations?.[
      'omrs.dev/live-colour'
    ];
  const records = async (): Promise<PromotionRecordView[]> =>
    JSON.parse(
      (await ctx.core.readNamespacedConfigMap({ name: 'omrs-promotions', namespace: NS })).data![
        'promotions.json'
      ]!,
    ) as never;
  const localRecords = (): { action: string; to: string; result: string }[] =>
    readFileSync(join(dir, 'promotions.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as never);

  const createInstance = () =>
    rds.send(
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

  beforeAll(async () => {
    kc.loadFromFile(kube!.kubeconfig);
    kc.setCurrentContext(kube!.context);
    ctx.core = kc.makeApiClient(k8s.CoreV1Api);
    await deleteNamespaces();
    // The infrastructure Terraform would have built: the RDS instance, and its recorded fingerprint.
    await rds
      .send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: INSTANCE, SkipFinalSnapshot: true }))
      .catch(() => undefined);
    await createInstance();
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
    ctx.smokeUrl = new URL((JSON.parse(up.stdout) as { url: string }).url).origin;
    const qa = await runCli(['promote', 'record', '--profile', QA, '-o', qaRecord], { env });
    expect(qa.code, qa.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await runCli(['down', '--env', SMOKE_ENV, '--volumes'], { env: { CI: 'true' } }).catch(() => undefined);
    if (ctx.core) await deleteNamespaces();
    await rds
      .send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: INSTANCE, SkipFinalSnapshot: true }))
      .catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  return {
    dir,
    env,
    rds,
    ssm,
    kc,
    ctx,
    qaRecord,
    common,
    promote,
    deleteNamespaces,
    world,
    live,
    records,
    localRecords,
    createInstance,
  };
}
