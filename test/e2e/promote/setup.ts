// Shared setup of the omrs promote end-to-end tests: the REAL Kubernetes API server (kwok nodes) for
// blue/green, the AWS emulator (moto_server) for RDS snapshots and the SSM fingerprint, the harness
// registry for the image digests, the host MariaDB for the tenant databases, and a real compose
// stack of the omrs-test images as the smoke test's target, given to promote with --smoke-url, as a
// user whose idle colour answers at a URL of its own would. kwok runs no containers, so no idle
// colour could answer here: the default smoke test, a port-forward to a pod of the idle colour's
// own gateway, runs on real nodes in test/e2e/kind/promote.test.ts.
// Call usePromoteSetup() at the top of a describe block: it registers the beforeAll/afterAll hooks.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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
export const registry = requireEngine('registry');
export const mariadb = requireEngine('mariadb');
export const engines = Boolean(kube && aws && helm && docker && images && registry && mariadb);
/** The target database server of the prod gate (the external database of promote-test): the host MariaDB. */
export const DB_URL = mariadb
  ? `mysql://${mariadb.user}:${encodeURIComponent(mariadb.password)}@${mariadb.host}:${mariadb.port}`
  : '';

export const PROFILE = 'test/fixtures/profiles/good/promote-test.yaml';
export const QA = 'test/fixtures/promote/qa-test.yaml';
export const NS = 'omrs-promote-e2e';
export const INSTANCE = 'omrs-promote-e2e-openmrs';
export const REGION = 'us-east-1';
export const SMOKE_ENV = 'promote-smoke';
/** The profile's images.registry: the harness registry (its default address), where setup pushes the omrs-test images. */
export const MIRROR = '127.0.0.1:15005/omrs-promote-e2e';
export const TEST_IMAGES = [
  'omrs-test/gateway:1',
  'omrs-test/frontend:1',
  'omrs-test/backend:1',
  'omrs-test/mariadb:10.11',
];

/** The promote profile's tool images (monitoring, the backups' Pushgateway): pinned by promote like the app's, not what QA tested. */
export const TOOL_IMAGES = [
  'omrs-test/prometheus:3',
  'omrs-test/mysqld-exporter:0.16',
  'omrs-test/pushgateway:1.11',
  'omrs-test/nginx-exporter:1.4',
  'omrs-test/node-exporter:1.9',
  'omrs-test/blackbox-exporter:0.27',
];

/** The cluster's log store and shipper, which promote installs with logs on (kind/promote; kwok runs neither). */
export const LOG_IMAGES = ['omrs-test/victoria-logs:1.52', 'omrs-test/vlagent:1.52'];

const exec = promisify(execFile);
/** The docker CLI on the harness engine. */
export const dockerCli = (...args: string[]) =>
  exec('docker', args, { env: { ...process.env, DOCKER_HOST: `unix://${docker!.socketPath}` } });

/** Puts the omrs-test images (the tools' too, and `extra`) under MIRROR, where promote asks for their digests (a no-op once there). */
export async function pushTestImages(extra: string[] = []): Promise<void> {
  expect(registry?.address, 'the profile names the harness registry at its default address').toBe(
    MIRROR.split('/')[0],
  );
  // backend:2 is test/fixtures/promote/qa-other-app.yaml's "other build" (the same bytes, another tag).
  const pushes = [
    ...[...TEST_IMAGES, ...TOOL_IMAGES, ...extra].map((i) => [i, i]),
    ['omrs-test/backend:1', 'omrs-test/backend:2'],
  ];
  for (const [local, remote] of pushes) {
    await dockerCli('tag', local!, `${MIRROR}/${remote}`);
    await dockerCli('push', '--quiet', `${MIRROR}/${remote}`);
  }
}

/** The digest the harness registry serves for one of the test images under MIRROR (its HTTP API). */
export async function registryDigest(image: string): Promise<string | null> {
  const [name, tag] = image.split(':');
  const response = await fetch(`${registry!.url}/v2/${MIRROR.split('/')[1]}/${name}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept: [
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.oci.image.index.v1+json',
      ].join(', '),
    },
  });
  expect(response.status, image).toBe(200);
  return response.headers.get('docker-content-digest');
}

/**
 * The Secrets prod names (admin.passwordSecretRef, database.external.secretRef), created once in
 * the environment's namespace as an operator would; promote copies them into each colour.
 */
export async function createProfileSecrets(
  core: k8s.CoreV1Api,
  namespace: string,
  passwords: { db: string; admin: string } = { db: 'not-used-on-kwok', admin: 'Admin123' },
): Promise<void> {
  await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(() => undefined);
  for (const [name, password] of [
    ['openmrs-admin', passwords.admin],
    ['openmrs-db', passwords.db],
  ] as const)
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name }, stringData: { password } },
    });
}

/** The RDS instance Terraform would have built, on the AWS emulator. */
export const createRdsInstance = (rds: RDSClient, id: string) =>
  rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: 'mariadb',
      EngineVersion: '10.11.7',
      DBInstanceClass: 'db.m6g.large',
      AllocatedStorage: 20,
      MasterUsername: 'openmrs',
      MasterUserPassword: 'not-a-secret-1',
    }),
  );

/** A compose stack of the omrs-test images (what QA's smoke test reaches); its gateway's origin. */
export async function upComposeStack(envName: string): Promise<string> {
  const up = await runCli(
    [
      'up',
      '--json',
      '--profile',
      'test/fixtures/profiles/good/compose-test.yaml',
      '--env',
      envName,
      '--pull',
      'never',
    ],
    { env: { CI: 'true' }, cwd: join(import.meta.dirname, '../../..') },
  );
  expect(up.code, up.stderr).toBe(0);
  return new URL((JSON.parse(up.stdout) as { url: string }).url).origin;
}

export interface World {
  namespaces: string[];
  releases: string[];
  snapshots: string[];
  parameters: string[];
  service?: string;
  /** Every Ingress of the promotion's namespaces: `namespace/name host=… → service:port`. */
  ingresses: string[];
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
    OMRS_DB_URL: DB_URL,
    DOCKER_HOST: docker && `unix://${docker.socketPath}`,
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
    '--ready-timeout',
    '60s',
    '--smoke-url',
    ctx.smokeUrl,
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

  async function ingresses(namespaces: string[]): Promise<string[]> {
    const net = kc.makeApiClient(k8s.NetworkingV1Api);
    const found: string[] = [];
    for (const namespace of namespaces)
      for (const i of (await net.listNamespacedIngress({ namespace })).items)
        for (const rule of i.spec?.rules ?? [])
          for (const path of rule.http?.paths ?? [])
            found.push(
              `${namespace}/${i.metadata!.name!} host=${rule.host} → ${path.backend.service?.name}:${path.backend.service?.port?.name ?? path.backend.service?.port?.number}`,
            );
    return found.sort();
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
      // kind/promote.test.ts runs in the other vitest group against the same emulator, with its own.
      .filter((p) => !p.Name!.startsWith('/omrs/promote-kind'))
      .map((p) => `${p.Name}=${p.Value}`)
      .sort();
    const service = await core.readNamespacedService({ name: 'openmrs', namespace: NS }).then(
      (s) => s.spec?.externalName,
      () => undefined,
    );
    return {
      namespaces,
      releases: releases.sort(),
      snapshots,
      parameters,
      ...(service && { service }),
      ingresses: await ingresses(namespaces),
    };
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
  const localRecords = (): {
    action: string;
    to: string;
    result: string;
    images: { component: string; image: string; digest?: string }[];
  }[] =>
    readFileSync(join(dir, 'promotions.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as never);

  const createInstance = () => createRdsInstance(rds, INSTANCE);

  beforeAll(async () => {
    kc.loadFromFile(kube!.kubeconfig);
    kc.setCurrentContext(kube!.context);
    ctx.core = kc.makeApiClient(k8s.CoreV1Api);
    await deleteNamespaces();
    await createProfileSecrets(ctx.core, NS);
    await pushTestImages();
    // The infrastructure Terraform would have built: the RDS instance, and its recorded fingerprint.
    await rds
      .send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: INSTANCE, SkipFinalSnapshot: true }))
      .catch(() => undefined);
    await createInstance();
    await ssm
      .send(new DeleteParameterCommand({ Name: '/omrs/promote-test/infra-fingerprint' }))
      .catch(() => undefined);
    // A real stack of the omrs-test images as the smoke-test target.
    ctx.smokeUrl = await upComposeStack(SMOKE_ENV);
    // QA's record: its gate, its images' digests in the registry, and a smoke test of its stack.
    // Written to standard output (-o -) here; the shell test writes one to a file.
    const qa = await runCli(['promote', 'record', '--profile', QA, '--smoke-url', ctx.smokeUrl, '-o', '-'], {
      env,
    });
    expect(qa.code, qa.stderr).toBe(0);
    writeFileSync(qaRecord, qa.stdout);
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
