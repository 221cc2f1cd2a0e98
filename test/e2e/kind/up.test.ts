// `omrs up --runtime kind` end to end on real nodes (issue 14): the harness kind cluster is reused,
// omrs loads the profile's images into its nodes, installs the chart, waits until every pod is
// really Ready under the chart's security context, and seeds through the chart's own init Job.
// Then `logs` shows what the containers printed, `open` reaches the gateway, `down` keeps the data
// and `down --volumes` removes it.
//
// Where the test plays a part: the user's kind runs on the same Docker engine that holds their
// images; here the kind nodes live in the harness's kind Docker engine and the images engine builds
// into the main one, so beforeAll copies the profile's images from the main engine to the kind
// engine (docker save | docker load) and omrs runs with DOCKER_HOST on the kind engine.
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createTcpServer, connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';
import mysql from 'mysql2/promise';
import { discardEvents } from '../../../src/events/bus.js';
import { clientFor } from '../../../src/runtime/kube/client.js';
import { tenantDatabaseOf } from '../../../src/runtime/kube/database.js';
import { fetchBackup, jobFromCronJob } from '../../../src/runtime/kube/backups.js';
import { kindLoadImages } from '../../../src/runtime/kube/providers/kind.js';
import { until } from '../../helpers/poll.js';
import {
  background,
  copyToKindEngine,
  dockerOn,
  kindNodeImages,
  kindNodes,
  kindCliEnv,
  kindKubeConfig,
  probeFromAnotherNamespace,
  writeKindProfiles,
} from './engines.js';

const kind = requireEngine('kind');
const aws = requireEngine('aws');
const mariadb = requireEngine('mariadb');
const SNAPSHOT = 'kind-up-seeded';
const images = requireEngine('images');
const helm = requireEngine('helm');
const STEP = 600_000;

const env = `ku${process.pid % 100000}`;
const namespace = `omrs-${env}`;

// One OpenMRS module, fetched by the backend's init container from a mirror this test serves on the
// host (the pods reach it at the kind network's gateway), through the backend's NetworkPolicy, which
// the engine enforces (kube-router, test/harness/README.md).
const MODULE = { id: 'omrs.greeting', version: '1.0.0', body: randomBytes(2048) };
const moduleSha256 = (body: Buffer) => createHash('sha256').update(body).digest('hex');
const mirrorRequests: string[] = [];
const mirror = createServer((req, res) => {
  mirrorRequests.push(req.url ?? '');
  if (req.url === `/${MODULE.id}-${MODULE.version}.omod`) res.writeHead(200).end(MODULE.body);
  else res.writeHead(404).end();
});

// The backups' S3 copy goes to the AWS emulator, which listens on the host's loopback only: pods
// reach it through this forward on the kind network's gateway.
const BUCKET = `omrs-kind-backups-${process.pid}`;
const s3Forward = createTcpServer((socket) => {
  const upstream = connect(Number(new URL(aws!.endpoint).port), '127.0.0.1');
  socket.pipe(upstream).pipe(socket);
  socket.on('error', () => upstream.destroy());
  upstream.on('error', () => socket.destroy());
});

const profile = (
  tags: NonNullable<typeof images>['tags'],
  mirrorUrl: string,
  s3Url: string,
): string => `extends: kind-stack
description: dev on the omrs-test images, on the harness kind cluster
openmrs:
  images:
    fetcher: ${tags.busybox}
  modules:
    - id: ${MODULE.id}
      version: ${MODULE.version}
      url: ${mirrorUrl}/${MODULE.id}-${MODULE.version}.omod
      sha256: "${moduleSha256(MODULE.body)}"
backup:
  enabled: true
  s3:
    bucket: ${BUCKET}
    prefix: kind-up
    region: ${aws!.region}
    endpoint: ${s3Url}
    credentialsSecret: aws-emulator
    image: ${tags.awsCli}
`;

const nodeContainers = () => kindNodes(kind!);
const nodeImages = (node: string) => kindNodeImages(kind!, node);
const containerdRef = (image: string): string => `docker.io/${image}`;

/** The forwarded gateway's base URL, once `omrs open` printed it. */
const gatewayUrl = (open: ReturnType<typeof background>) =>
  open.until('the URL', (t) => /(http:\/\/127\.0\.0\.1:\d+)\/openmrs\/spa/.exec(t)?.[1]);

describe.skipIf(!kind || !images || !helm || !mariadb || !aws)('omrs up --runtime kind on real nodes', () => {
  let root: string;
  let core: k8s.CoreV1Api;
  let batch: k8s.BatchV1Api;
  let apps: k8s.AppsV1Api;
  let kc: k8s.KubeConfig;
  let cliEnv: Record<string, string>;
  /** The namespace of the disposable environment, until gc removed it. */
  let disposable: string | undefined;
  const want: string[] = [];
  const cli = (...argv: string[]) =>
    runCli([...argv, '--runtime', 'kind', '--env', env, '--profile', 'kind-up'], { cwd: root, env: cliEnv });
  const expectOk = (r: CliRun) => expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);

  let mirrorUrl = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => mirror.listen(0, '0.0.0.0', resolve));
    const kindGateway = kind!.hostAddress;
    mirrorUrl = `http://${kindGateway}:${(mirror.address() as { port: number }).port}`;
    await new Promise<void>((resolve) => s3Forward.listen(0, '0.0.0.0', resolve));
    const s3Url = `http://${kindGateway}:${(s3Forward.address() as { port: number }).port}`;
    root = mkdtempSync(join(tmpdir(), 'omrs-kind-up-'));
    writeKindProfiles(root, images!.tags, kind!.cluster);
    writeFileSync(join(root, 'profiles', 'kind-up.yaml'), profile(images!.tags, mirrorUrl, s3Url));
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({ name: 'kind-up', omrs: { profilesDir: 'profiles', defaultProfile: 'kind-up' } }),
    );
    cliEnv = kindCliEnv(kind!, helm!);
    kc = kindKubeConfig(kind!);
    core = kc.makeApiClient(k8s.CoreV1Api);
    batch = kc.makeApiClient(k8s.BatchV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);

    const t = images!.tags;
    want.push(t.gateway, t.frontend, t.backend, t.mariadb, t.busybox, t.awsCli);
    // The user's one Docker engine: the images must be where kind runs (see the header).
    copyToKindEngine(kind!.dockerHost, want);
    // One worker without the images: only omrs's own `kind load` can bring them back (pullPolicy
    // Never, no registry), and kind loads into every node that lacks one. One node, not all three,
    // so that each run unpacks 1 GB once instead of three times; the check after `up` covers all.
    // The AWS CLI (376 MB, the backups' upload) may stay: loading it proves nothing the others do not.
    const emptied = nodeContainers().find((node) => node.includes('worker'))!;
    for (const image of want) {
      if (image !== t.awsCli && nodeImages(emptied).includes(containerdRef(image)))
        dockerOn(kind!.dockerHost, [
          'exec',
          emptied,
          'ctr',
          '-n',
          'k8s.io',
          'images',
          'rm',
          containerdRef(image),
        ]);
    }
  }, STEP);

  afterAll(async () => {
    mirror.close();
    s3Forward.close();
    if (root) {
      await cli('down', '--volumes').catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    }
    for (const name of [namespace, disposable].filter((n) => n !== undefined))
      await core?.deleteNamespace({ name }).catch(() => undefined);
  }, STEP);

  it(
    'up reuses the cluster, loads the images into the node that lacks them, and seeds through the real init Job',
    async () => {
      const started = performance.now();
      const up = await cli('up');
      const seconds = (performance.now() - started) / 1000;
      expectOk(up);
      console.info(
        `omrs up --runtime kind (fresh namespace, images loaded into one worker): ${seconds.toFixed(1)} s`,
      );
      expect(up.stdout).toMatch(new RegExp(`${env} is up on ${kind!.context} \\(namespace ${namespace}`));
      expect(up.stdout).toMatch(/default: seeded [1-9]\d* rows \(seed 42, small\)/);

      for (const node of nodeContainers())
        expect(nodeImages(node), node).toEqual(expect.arrayContaining(want.map(containerdRef)));

      // The chart's init Job ran on a node: its container created the tenant's database and user.
      const jobs = await batch.listNamespacedJob({ namespace });
      const init = jobs.items.find((j) => j.metadata?.name === `${env}-init-default`);
      expect(init?.status?.succeeded).toBe(1);
      const initPod = (
        await core.listNamespacedPod({ namespace, labelSelector: `job-name=${env}-init-default` })
      ).items.find((p) => p.status?.phase === 'Succeeded');
      const initLog = await core.readNamespacedPodLog({ namespace, name: initPod!.metadata!.name! });
      expect(initLog).toContain('tenant database openmrs_default and user omrs_default are ready');
    },
    STEP,
  );

  it(
    "runs every pod Ready on a real kubelet under the chart's hardening",
    async () => {
      const pods = (await core.listNamespacedPod({ namespace })).items;
      const running = pods.filter((p) => !p.metadata?.labels?.['job-name']);
      expect(running.map((p) => p.metadata?.labels?.['app.kubernetes.io/component']).sort()).toEqual([
        'backend',
        'db',
        'frontend',
        'gateway',
      ]);
      for (const pod of pods) {
        const name = pod.metadata!.name!;
        const component = pod.metadata?.labels?.['app.kubernetes.io/component'];
        if (pod.metadata?.labels?.['job-name']) expect(pod.status?.phase, name).toBe('Succeeded');
        else {
          expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, name).toBe('True');
          expect(pod.spec?.nodeName, name).toMatch(/^omrs-/);
          expect(pod.status?.containerStatuses?.[0]?.containerID, name).toMatch(/^containerd:\/\//);
        }
        for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
          const sc = c.securityContext ?? {};
          const where = `${name} container ${c.name}`;
          expect(sc.allowPrivilegeEscalation, where).toBe(false);
          expect(sc.capabilities?.drop, where).toEqual(['ALL']);
          // The kubelet refuses to start a container whose user is root when runAsNonRoot is set.
          expect(sc.runAsNonRoot ?? pod.spec?.securityContext?.runAsNonRoot, where).toBe(true);
          expect(sc.capabilities?.add ?? [], where).toEqual([]);
          // The backend's writable root is the chart's one waiver (OpenMRS writes into its home).
          if (component !== 'backend') expect(sc.readOnlyRootFilesystem, where).toBe(true);
        }
      }
    },
    STEP,
  );

  it(
    'status reads the global properties back from the tenant database (applied by the backend at start)',
    async () => {
      const status = await cli('status', '--json');
      expectOk(status);
      // The three of profiles/base.yaml, through a port-forward to the real database pod.
      expect(JSON.parse(status.stdout)).toMatchObject({
        globalProperties: [{ tenant: 'default', applied: 3, differ: [], missing: [] }],
      });
      // The seeded database, for env create --from-snapshot below.
      expectOk(await cli('db', 'snapshot', SNAPSHOT));
    },
    STEP,
  );

  it(
    'the backup CronJob runs for real: a good run dumps the tenant onto the backup claim and restores elsewhere with identical checksums; a run that cannot dump fails; status names both',
    async () => {
      const [cron] = (
        await batch.listNamespacedCronJob({ namespace, labelSelector: 'app.kubernetes.io/component=backup' })
      ).items;
      expect(cron?.spec?.schedule).toBe('0 2 * * *');
      // The S3 copy: the emulator's bucket, and the Secret the profile's credentialsSecret names.
      const s3 = new S3Client({
        endpoint: aws!.endpoint,
        region: aws!.region,
        forcePathStyle: true,
        credentials: { accessKeyId: aws!.accessKeyId, secretAccessKey: aws!.secretAccessKey },
      });
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      await core.createNamespacedSecret({
        namespace,
        body: {
          metadata: { name: 'aws-emulator' },
          stringData: { AWS_ACCESS_KEY_ID: aws!.accessKeyId, AWS_SECRET_ACCESS_KEY: aws!.secretAccessKey },
        },
      });
      // A Job made from the CronJob as `omrs db backup` makes it, here with other tenants to dump.
      const runFrom = async (name: string, tenants?: string) => {
        const copy = structuredClone(cron!);
        const pod = copy.spec!.jobTemplate.spec!.template.spec!;
        if (tenants)
          for (const c of [...(pod.initContainers ?? []), ...pod.containers])
            c.env = c.env?.map((e) => (e.name === 'TENANTS' ? { name: 'TENANTS', value: tenants } : e));
        const body = jobFromCronJob(copy, name);
        await batch.createNamespacedJob({
          namespace,
          body: { ...body, spec: { ...body.spec!, backoffLimit: 0 } },
        });
        return until(
          `backup job ${name} ends`,
          async () => {
            const job = await batch.readNamespacedJob({ name, namespace });
            const done = job.status?.conditions?.find(
              (c) => c.status === 'True' && ['Complete', 'Failed'].includes(c.type),
            );
            return done?.type;
          },
          180_000,
        );
      };
      const logOf = async (job: string) => {
        const [pod] = (await core.listNamespacedPod({ namespace, labelSelector: `job-name=${job}` })).items;
        return core.readNamespacedPodLog({ namespace, name: pod!.metadata!.name!, container: 'dump' });
      };
      const status = async () => {
        const run = await cli('status', '--json');
        expectOk(run);
        return (
          JSON.parse(run.stdout) as {
            backup: {
              lastRun?: { job: string; result: string };
              lastSuccess?: string;
              stale: boolean;
              detail: string;
            };
          }
        ).backup;
      };
      expect(await status()).toMatchObject({ stale: false, detail: 'no run yet' });

      // omrs db backup: a Job from the CronJob's template, as kubectl create job --from makes it.
      const asked = await cli('db', 'backup', '--json');
      expectOk(asked);
      const run = JSON.parse(asked.stdout) as { run: string; result: string; files: { tenant: string }[] };
      expect(run).toMatchObject({ result: 'succeeded', files: [{ tenant: 'default' }] });
      expect((await batch.readNamespacedJob({ name: run.run, namespace })).metadata?.ownerReferences).toEqual(
        [expect.objectContaining({ kind: 'CronJob', name: cron!.metadata!.name! })],
      );
      expect(await logOf(run.run)).toMatch(
        /omrs: backup of default \(openmrs_default\) written to \/backup\/default\/\d{8}T\d{6}Z\.sql\.gz \(\d{4,} bytes\)/,
      );
      const good = await status();
      expect(good).toMatchObject({
        stale: false,
        lastRun: { job: run.run, result: 'succeeded' },
      });
      expect(good.lastSuccess).toBeDefined();

      // omrs db backups lists it; --from-backup restores it into a fresh database elsewhere (the
      // harness MariaDB) with the same table checksums as the environment's own database.
      const listed = await cli('db', 'backups', '--json');
      expectOk(listed);
      const [backup, ...others] = (JSON.parse(listed.stdout) as { backups: { tenant: string; id: string }[] })
        .backups;
      expect(others).toEqual([]);
      expect(backup).toMatchObject({ tenant: 'default', id: expect.stringMatching(/^\d{8}T\d{6}Z$/) });

      // The run's upload container copied it to S3: the same bytes as on the claim.
      const key = `kind-up/${env}/default/${backup!.id}.sql.gz`;
      const objects = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'kind-up/' }));
      expect(objects.Contents?.map((o) => o.Key)).toEqual([key]);
      const copy = Buffer.from(
        await (
          await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
        ).Body!.transformToByteArray(),
      );
      const onClaim = join(root, 'backup-on-claim.sql.gz');
      const client = await clientFor(kc, kind!.context, kind!.kubeconfig);
      await fetchBackup({ client, namespace, env }, backup!.id, 'default', onClaim);
      expect(copy.equals(readFileSync(onClaim))).toBe(true);
      const fresh = `omrs_restored_${process.pid}`;
      const server = `mysql://${mariadb!.user}:${encodeURIComponent(mariadb!.password)}@${mariadb!.host}:${mariadb!.port}`;
      const restored = await cli(
        'db',
        'restore',
        '--from-backup',
        backup!.id,
        '--db',
        `${server}/${fresh}`,
        '--json',
      );
      expectOk(restored);
      const checksums = async (url: string, database: string) => {
        const conn = await mysql.createConnection(url);
        try {
          const [tables] = await conn.query(
            'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? ORDER BY 1',
            [database],
          );
          const names = (tables as { t: string }[]).map((r) => r.t);
          const [rows] = await conn.query(
            `CHECKSUM TABLE ${names.map((n) => `\`${database}\`.\`${n}\``).join(', ')}`,
          );
          return (rows as { Table: string; Checksum: number }[]).map(
            (r) => `${r.Table.split('.')[1]}=${r.Checksum}`,
          );
        } finally {
          await conn.end();
        }
      };
      const source = await tenantDatabaseOf(
        { client, namespace, env, runtime: 'kind' },
        'default',
        discardEvents,
      );
      try {
        const want = await checksums(source.url, 'openmrs_default');
        expect(want.length).toBeGreaterThan(100);
        expect(await checksums(`${server}/${fresh}`, fresh)).toEqual(want);
      } finally {
        await source.release();
        const conn = await mysql.createConnection(server);
        await conn.query(`DROP DATABASE IF EXISTS \`${fresh}\``);
        await conn.end();
      }

      // A tenant database that does not exist: mariadb-dump fails, and so does the run (no pipe hides it).
      expect(await runFrom(`${env}-backup-bad`, 'ghost:openmrs_ghost')).toBe('Failed');
      expect(await logOf(`${env}-backup-bad`)).toMatch(
        /omrs: backup of ghost \(openmrs_ghost\) FAILED: mariadb-dump exited [1-9]/,
      );
      const bad = await status();
      expect(bad).toMatchObject({ lastRun: { job: `${env}-backup-bad`, result: 'failed' } });
      expect(bad.detail).toBe(`the last run ${env}-backup-bad failed`);
      const text = await cli('status');
      expect(text.stdout).toContain(`backup (0 2 * * *): the last run ${env}-backup-bad failed`);
    },
    STEP,
  );

  it(
    'logs shows what the containers printed themselves',
    async () => {
      const logs = await cli('logs');
      expectOk(logs);
      expect(logs.stdout).toContain('/openmrs/health/started now answers 200');
      expect(logs.stdout).toMatch(
        /init-default \| omrs: tenant database openmrs_default and user omrs_default are ready/,
      );
      // The module the init container fetched from the mirror reached the backend.
      expect(logs.stdout).toContain(`modules: loaded ${MODULE.id} ${MODULE.version}`);
      expect(mirrorRequests).toContain(`/${MODULE.id}-${MODULE.version}.omod`);
      const gateway = await cli('logs', 'gateway');
      expectOk(gateway);
      expect(gateway.stdout).toMatch(/omrs gateway: resolver \S+/);
    },
    STEP,
  );

  it(
    'open forwards to the real gateway: the backend answers /openmrs/health/started, the frontend the SPA',
    async () => {
      const open = background(
        ['open', '--runtime', 'kind', '--env', env, '--profile', 'kind-up'],
        root,
        cliEnv,
      );
      try {
        const base = await gatewayUrl(open);
        const health = await fetch(`${base}/openmrs/health/started`);
        expect(health.status).toBe(200);
        const spa = await fetch(`${base}/openmrs/spa/`);
        expect(spa.status).toBe(200);
        expect(spa.headers.get('content-type')).toMatch(/text\/html/);
        // OpenMRS's module resource through the gateway: the profile's module, as the backend loaded it.
        const modules = await fetch(`${base}/openmrs/ws/rest/v1/module`, {
          headers: { authorization: `Basic ${Buffer.from('admin:Admin123').toString('base64')}` },
        });
        expect(modules.status).toBe(200);
        expect(((await modules.json()) as { results: { uuid: string; version: string }[] }).results).toEqual([
          expect.objectContaining({ uuid: MODULE.id, version: MODULE.version }),
        ]);
      } finally {
        await open.stop();
      }
      // The gateway's own access log has the request that came through the forward.
      const gateway = await cli('logs', 'gateway');
      expect(gateway.stdout).toMatch(/"GET \/openmrs\/health\/started HTTP\/1\.1" 200/);
    },
    STEP,
  );

  it(
    'NetworkPolicies hold on the nodes (kube-router enforces them): from another namespace only the gateway answers, not the database, the backend or the frontend',
    async () => {
      // The ways the policies open are the ones the stack above used: gateway → frontend and
      // backend (open), backend → database (health/started needs the schema), init Job → database.
      expect(
        await probeFromAnotherNamespace(core, namespace, images!.tags.mariadb, [
          'gateway',
          'frontend',
          'backend',
          'db',
        ]),
      ).toEqual(['backend closed', 'db closed', 'frontend closed', 'gateway open']);
    },
    STEP,
  );

  it(
    'logs --tail, --since and -f read the real kubelet: the last lines, the lines since a time, new lines as they come; every line names its service',
    async () => {
      const lines = (r: CliRun) => r.stdout.split('\n').filter(Boolean);
      const all = await cli('logs');
      expectOk(all);
      expect(
        lines(all).every((l) => /^[a-z-]+ \| /.test(l)),
        all.stdout,
      ).toBe(true);
      const services = new Set(lines(all).map((l) => l.split(' | ')[0]));
      expect([...services].sort()).toEqual(['backend-default', 'db', 'frontend', 'gateway', 'init-default']);

      const gateway = lines(await cli('logs', 'gateway'));
      expect(gateway.length).toBeGreaterThan(2);
      expect(lines(await cli('logs', 'gateway', '--tail', '2'))).toEqual(gateway.slice(-2));

      // --since: the kubelet filters by its own timestamps; a request made after the mark shows, the
      // gateway's start-up lines do not.
      const mark = new Date(Date.now() - 1000).toISOString();
      await new Promise((r) => setTimeout(r, 1500));
      const token = `since-${randomBytes(6).toString('hex')}`;
      const open = background(
        ['open', '--runtime', 'kind', '--env', env, '--profile', 'kind-up'],
        root,
        cliEnv,
      );
      const follow = background(
        ['logs', 'gateway', '-f', '--runtime', 'kind', '--env', env, '--profile', 'kind-up'],
        root,
        cliEnv,
      );
      try {
        const base = await gatewayUrl(open);
        await follow.until('the gateway lines so far', (t) =>
          t.includes(gateway.at(-1)!) ? true : undefined,
        );
        expect((await fetch(`${base}/openmrs/health/started?${token}`)).status).toBe(200);
        // -f: the request's access-log line arrives while the follow runs.
        await follow.until('the new request line', (t) => (t.includes(token) ? true : undefined));
      } finally {
        await open.stop();
      }
      const followed = await follow.stop();
      expect(followed.code, followed.stderr).toBe(0); // Ctrl-C is how a follow ends
      expect(lines(followed).filter((l) => l.includes(token))).toHaveLength(1);
      const since = lines(await cli('logs', 'gateway', '--since', mark));
      expect(since.some((l) => l.includes(token))).toBe(true);
      expect(since.some((l) => /omrs gateway: resolver/.test(l))).toBe(false);

      const unknown = await cli('logs', 'nosuch');
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/no service "nosuch"/);
      const named = /Services: ([^.]+)\./.exec(unknown.stderr)?.[1]?.split(', ') ?? [];
      expect(named).toEqual(expect.arrayContaining(['backend-default', 'db', 'frontend', 'gateway']));
    },
    STEP,
  );

  it(
    'a second up with nothing changed does nothing',
    async () => {
      const started = performance.now();
      const again = await cli('up');
      const seconds = (performance.now() - started) / 1000;
      expectOk(again);
      console.info(`omrs up --runtime kind, no-op re-up: ${seconds.toFixed(1)} s`);
      expect(again.stderr + again.stdout).toContain('nothing to do');
      expect(again.stdout).toMatch(/default: already seeded \(seed 42, small\)/);
    },
    STEP,
  );

  it(
    'a workload scaled to 0 or deleted by hand is drift: the next up applies the release again and says what it repaired',
    async () => {
      const backend = `${env}-backend-default`;
      const frontend = `${env}-frontend`;
      await apps.patchNamespacedDeploymentScale(
        { name: backend, namespace, body: { spec: { replicas: 0 } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await apps.deleteNamespacedDeployment({ name: frontend, namespace });
      // status names the drift (and what repairs it) before anything repairs it.
      const wanted = [
        `Deployment/${backend} has 0 replicas, the release 1`,
        `Deployment/${frontend} is missing`,
      ];
      const status = await cli('status', '--json');
      expect((JSON.parse(status.stdout) as { drift?: string[] }).drift?.sort()).toEqual([...wanted].sort());
      const text = await runCli(['status', '--runtime', 'kind', '--env', env, '--profile', 'kind-up'], {
        cwd: root,
        env: { ...cliEnv, NO_COLOR: '1' },
      });
      expect(text.stdout).toContain(
        `drift: ${[...wanted].sort().join('; ')} (\`omrs up\` applies the release again)`,
      );
      const repaired = await cli('up', '--json');
      expectOk(repaired);
      const result = JSON.parse(repaired.stdout) as { noop: boolean; changes: string[] };
      expect(result.noop).toBe(false);
      expect(result.changes).toEqual(expect.arrayContaining(wanted.map((w) => `repaired: ${w}`)));
      // up waited for them: both Ready again on the nodes.
      for (const name of [backend, frontend])
        expect((await apps.readNamespacedDeployment({ name, namespace })).status?.readyReplicas, name).toBe(
          1,
        );
      const again = await cli('up');
      expectOk(again);
      expect(again.stderr + again.stdout).toContain('nothing to do');
      expect(
        (JSON.parse((await cli('status', '--json')).stdout) as { drift?: string[] }).drift,
      ).toBeUndefined();
    },
    STEP,
  );

  /** The tenant's patients, read through a port-forward to the real database pod. */
  const patients = async (): Promise<number> => {
    const client = await clientFor(kc, kind!.context, kind!.kubeconfig);
    const source = await tenantDatabaseOf(
      { client, namespace, env, runtime: 'kind' },
      'default',
      discardEvents,
    );
    try {
      const conn = await mysql.createConnection(source.url);
      try {
        const [rows] = await conn.query('SELECT COUNT(*) AS n FROM patient');
        return Number((rows as { n: number }[])[0]!.n);
      } finally {
        await conn.end();
      }
    } finally {
      await source.release();
    }
  };

  it(
    'seed --env seeds through a port-forward to the database pod with the login of its backend; db snapshot, seed --purge and db restore go the same way',
    async () => {
      const before = await patients();
      const counts = ['--visits-per-patient', '1', '--encounters-per-visit', '1', '--obs-per-encounter', '1'];
      const run = await cli('seed', '--seed', '43', '--patients', '6', ...counts, '--json');
      expectOk(run);
      const result = JSON.parse(run.stdout) as { status: string; runId: string; target: string };
      expect(result.status).toBe('seeded');
      expect(result.target).toMatch(/^mysql:\/\/omrs_default@127\.0\.0\.1:\d+\/openmrs_default$/);
      expect(await patients()).toBe(before + 6);
      const status = await cli('seed', '--status', '--json');
      expectOk(status);
      const runs = (JSON.parse(status.stdout) as { runs: { runId: string; seed: number; status: string }[] })
        .runs;
      expect(runs.map((r) => `${r.seed} ${r.status}`).sort()).toEqual(['42 done', '43 done']);
      expect(runs.map((r) => r.runId)).toContain(result.runId);

      expectOk(await cli('db', 'snapshot', 'kind-before-purge', '--json'));
      expectOk(await cli('seed', '--purge', '--json'));
      expect(await patients()).toBe(0);
      expectOk(await cli('db', 'restore', 'kind-before-purge', '--json'));
      expect(await patients()).toBe(before + 6);
    },
    STEP,
  );

  it(
    'Ctrl-C during the seed step of up: exit 130, and the next up resumes the run',
    async () => {
      writeFileSync(
        join(root, 'profiles', 'kind-seed-12.yaml'),
        'extends: kind-up\nseed:\n  seed: 12\n  counts: { patients: 3, visitsPerPatient: 1, encountersPerVisit: 1, obsPerEncounter: 1 }\n',
      );
      const before = await patients();
      const args = ['up', '--runtime', 'kind', '--env', env, '--profile', 'kind-seed-12', '--json'];
      const controller = new AbortController();
      const stopped = await runCli(args, {
        cwd: root,
        env: cliEnv,
        signal: controller.signal,
        // The patients are written (one chunk): Ctrl-C now, before the users and the done mark.
        onStderr: (text) => {
          if (!controller.signal.aborted && /"type":"progress","step":"seed:patient"/.test(text))
            controller.abort();
        },
      });
      expect(controller.signal.aborted, stopped.stderr.slice(-2000)).toBe(true);
      expect(stopped.code, stopped.stderr.slice(-2000)).toBe(130);
      expect(JSON.parse(stopped.stdout)).toMatchObject({ error: { code: 'INTERRUPTED' } });

      const again = await runCli(args, { cwd: root, env: cliEnv });
      expectOk(again);
      expect(again.stderr).toMatch(/resuming interrupted seed run/);
      expect(await patients()).toBe(before + 3);
    },
    STEP,
  );

  it('seed names the tenants when asked for one the environment does not have, and refuses a context the profile does not name', async () => {
    const tenant = await cli('seed', '--tenant', 'nowhere', '--status');
    expect(tenant.code).toBe(2);
    expect(tenant.stderr).toContain('has no tenant nowhere');
    expect(tenant.stderr).toContain('--tenant with one of: default');
    const context = await cli('seed', '--context', 'elsewhere', '--status');
    expect(context.code).toBe(2);
    expect(context.stderr).toMatch(/--context elsewhere does not match the context of the profile/);
  });

  it(
    'a module whose checksum is not the profile’s fails the up with the reason, and the running backend serves on',
    async () => {
      writeFileSync(
        join(root, 'profiles', 'kind-badmodule.yaml'),
        `extends: kind-up\nopenmrs:\n  modules:\n    - id: ${MODULE.id}\n      version: ${MODULE.version}\n      url: ${mirrorUrl}/${MODULE.id}-${MODULE.version}.omod\n      sha256: "${'0'.repeat(64)}"\n`,
      );
      const before = (
        await core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/component=backend' })
      ).items.map((p) => p.metadata!.name!);
      const bad = await runCli(['up', '--runtime', 'kind', '--env', env, '--profile', 'kind-badmodule'], {
        cwd: root,
        env: cliEnv,
      });
      expect(bad.code, bad.stdout + bad.stderr).not.toBe(0);
      // The kubelet's termination message (the init container's last log lines) is the reason.
      expect(bad.stderr).toMatch(/init container fetch-modules of pod \S+ exited with code 1/);
      expect(bad.stderr).toContain(
        `module ${MODULE.id}: sha256 mismatch for ${mirrorUrl}/${MODULE.id}-${MODULE.version}.omod: the profile expects ${'0'.repeat(64)}, the file has ${moduleSha256(MODULE.body)}`,
      );
      expect(bad.stderr).not.toMatch(/not ready within/);
      // A Deployment's rolling update keeps the old pod until a new one is Ready.
      const pods = (
        await core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/component=backend' })
      ).items;
      const old = pods.find((p) => before.includes(p.metadata!.name!));
      expect(old?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      // The next test's up (two replicas of the good profile) rolls the failed revision away.
    },
    STEP,
  );

  it(
    'with two backend replicas a logged-in session keeps reaching the pod that holds it (session affinity)',
    async () => {
      // OpenMRS (and the stand-in) keep the HTTP session in the memory of the pod that logged in.
      writeFileSync(join(root, 'profiles', 'kind-two.yaml'), 'extends: kind-up\nreplicas:\n  backend: 2\n');
      const up = await runCli(['up', '--runtime', 'kind', '--env', env, '--profile', 'kind-two'], {
        cwd: root,
        env: cliEnv,
      });
      expectOk(up);
      const service = `${env}-backend-default`;
      const affinity = async () =>
        (await core.readNamespacedService({ name: service, namespace })).spec?.sessionAffinity;
      expect(await affinity()).toBe('ClientIP');
      // The rollout's old pod may still be Ready while it terminates (slower on a busy machine):
      // judge the pods that stay, once they are two.
      const readyBackends = async () =>
        (
          await core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/component=backend' })
        ).items.filter(
          (p) =>
            !p.metadata?.deletionTimestamp &&
            p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
        );
      const ready = await until(
        'two Ready backends that stay',
        async () => {
          const pods = await readyBackends();
          return pods.length === 2 ? pods : undefined;
        },
        120_000,
      );
      expect(ready, 'two Ready backends').toHaveLength(2);

      const open = background(
        ['open', '--runtime', 'kind', '--env', env, '--profile', 'kind-two'],
        root,
        cliEnv,
      );
      try {
        const base = await gatewayUrl(open);
        // The gateway answers its own 503 page until it reaches a backend again after the rollout.
        const login = await until(
          'a login through the gateway',
          async () => {
            const r = await fetch(`${base}/openmrs/ws/rest/v1/session`, {
              headers: { authorization: `Basic ${Buffer.from('admin:Admin123').toString('base64')}` },
            });
            const body = (await r.text()).trim();
            return body.startsWith('{') && (JSON.parse(body) as { authenticated: boolean }).authenticated
              ? r
              : undefined;
          },
          120_000,
        );
        const cookie = /JSESSIONID=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0];
        expect(cookie).toBeTruthy();
        /** One request of the logged-in session: does the pod it reached know the session? */
        const known = async () =>
          (
            (await (
              await fetch(`${base}/openmrs/ws/rest/v1/session`, { headers: { cookie: cookie! } })
            ).json()) as { authenticated: boolean }
          ).authenticated;
        const answers: boolean[] = [];
        for (let i = 0; i < 30; i++) answers.push(await known());
        expect(
          answers.filter((a) => !a),
          'requests that reached a pod without the session',
        ).toEqual([]);

        // The control: the same Service without affinity loses the session on some requests, so
        // the 30 answers above are the affinity's doing, not luck.
        const patch = (spec: object) =>
          core.patchNamespacedService(
            { name: service, namespace, body: { spec } },
            k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
          );
        await patch({ sessionAffinity: 'None', sessionAffinityConfig: null });
        try {
          await until('a request of the session reaching the other pod', async () =>
            (await known()) ? undefined : true,
          );
        } finally {
          await patch({
            sessionAffinity: 'ClientIP',
            sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
          });
        }
      } finally {
        await open.stop();
      }
    },
    STEP,
  );

  it(
    'down keeps the data: the next up (here without the gateway) finds the seeded rows',
    async () => {
      const down = await cli('down');
      expectOk(down);
      const claims = await core.listNamespacedPersistentVolumeClaim({ namespace });
      // The backups stay with the database (helm.sh/resource-policy: keep on the backup claim).
      expect(claims.items.map((c) => c.metadata?.name).sort()).toEqual(
        [`${env}-backup`, `data-${env}-db-0`].sort(),
      );
      const dataClaim = (list: typeof claims) =>
        list.items.find((c) => c.metadata?.name === `data-${env}-db-0`)!;
      const volume = dataClaim(claims).spec!.volumeName!;
      const backupVolume = claims.items.find((c) => c.metadata?.name === `${env}-backup`)!.spec!.volumeName;
      expect(volume).toBeTruthy();
      // The passwords the database on that volume accepts stay with it (helm.sh/resource-policy: keep).
      const secrets = (await core.listNamespacedSecret({ namespace })).items.map((x) => x.metadata?.name);
      expect(secrets).toEqual(expect.arrayContaining([`${env}-db-admin`]));
      expect(secrets.filter((x) => x?.startsWith('sh.helm.release'))).toEqual([]);

      // The next up is also the one without the gateway (the test after this one).
      writeFileSync(
        join(root, 'profiles', 'kind-nogw.yaml'),
        'extends: kind-up\ngateway:\n  enabled: false\n',
      );
      const up = await runCli(['up', '--runtime', 'kind', '--env', env, '--profile', 'kind-nogw'], {
        cwd: root,
        env: cliEnv,
      });
      expectOk(up);
      expect(up.stdout).toMatch(/default: already seeded \(seed 42, small\)/);
      const after = await core.listNamespacedPersistentVolumeClaim({ namespace });
      expect(dataClaim(after).spec?.volumeName).toBe(volume);
      expect(after.items.find((c) => c.metadata?.name === `${env}-backup`)?.spec?.volumeName).toBe(
        backupVolume,
      );
    },
    STEP,
  );

  it(
    "with gateway.enabled: false the gateway and its Ingress go; the frontend and backend Services take a load balancer's traffic from anywhere and say what they serve; the database stays closed",
    async () => {
      // Up without the gateway since the test above (the data kept over down).
      const selector = 'app.kubernetes.io/component=gateway';
      expect((await core.listNamespacedService({ namespace, labelSelector: selector })).items).toEqual([]);
      expect((await apps.listNamespacedDeployment({ namespace, labelSelector: selector })).items).toEqual([]);
      const routes = Object.fromEntries(
        (await core.listNamespacedService({ namespace })).items.map((x) => [
          x.metadata!.name!,
          x.metadata?.annotations?.['omrs.dev/routes'],
        ]),
      );
      expect(routes).toMatchObject({
        [`${env}-backend-default`]: '/openmrs/*',
        [`${env}-frontend`]: expect.stringMatching(/^\/openmrs\/spa\/\* with that prefix removed, and \//),
      });
      expect(
        await probeFromAnotherNamespace(core, namespace, images!.tags.mariadb, ['frontend', 'backend', 'db']),
      ).toEqual(['backend open', 'db closed', 'frontend open']);
      const open = await runCli(['open', '--runtime', 'kind', '--env', env, '--profile', 'kind-nogw'], {
        cwd: root,
        env: cliEnv,
      });
      expect(open.code).toBe(1);
      expect(open.stderr).toContain(
        'with gateway.enabled: false there is none: open the address of your load balancer',
      );
    },
    STEP,
  );

  it(
    'down --volumes removes the data: the claims go with the namespace, the volumes with them',
    async () => {
      const volume = (await core.listPersistentVolume()).items.find(
        (v) => v.spec?.claimRef?.namespace === namespace && v.spec.claimRef.name === `data-${env}-db-0`,
      )!.metadata!.name!;
      const gone = await cli('down', '--volumes');
      expectOk(gone);
      // The claim goes with the namespace; the local-path provisioner deletes its volume (reclaim Delete).
      await until(
        'the namespace deleted',
        async () =>
          (await core.listNamespace()).items.some((n) => n.metadata?.name === namespace) ? undefined : true,
        180_000,
      );
      await until(
        `PersistentVolume ${volume} deleted`,
        async () =>
          (await core.listPersistentVolume()).items.some((v) => v.metadata?.name === volume)
            ? undefined
            : true,
        180_000,
      );
    },
    STEP,
  );
  it(
    'env create --runtime kind --ttl 10m --from-snapshot runs a disposable environment on the nodes with the snapshot’s data; env ls lists it; env gc removes it once expired',
    async () => {
      const envCli = (...argv: string[]) =>
        runCli(['env', ...argv, '--runtime', 'kind', '--profile', 'kind-up', '--json'], {
          cwd: root,
          env: cliEnv,
        });
      // From the snapshot taken of the seeded environment above: restored through a port-forward
      // to the new environment's database pod, instead of seeded.
      const create = await envCli('create', '--ttl', '10m', '--from-snapshot', SNAPSHOT);
      expectOk(create);
      const made = JSON.parse(create.stdout) as {
        name: string;
        namespace: string;
        seeded: boolean;
        seedNote: string;
        expires: string;
      };
      disposable = made.namespace;
      expect(made).toMatchObject({ seeded: true, seedNote: `restored from snapshot ${SNAPSHOT} (default)` });
      const ledger = await runCli(
        ['seed', '--status', '--json', '--runtime', 'kind', '--env', made.name, '--profile', 'kind-up'],
        { cwd: root, env: cliEnv },
      );
      expectOk(ledger);
      expect((JSON.parse(ledger.stdout) as { runs: { seed: number }[] }).runs.map((r) => r.seed)).toEqual([
        42,
      ]);
      const gateway = (await core.listNamespacedPod({ namespace: made.namespace })).items.find(
        (p) => p.metadata?.labels?.['app.kubernetes.io/component'] === 'gateway',
      );
      expect(gateway?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');

      const ls = await envCli('ls');
      expectOk(ls);
      const listed = (
        JSON.parse(ls.stdout) as {
          environments: { name: string; runtime: string; state: string; expiresInSeconds: number | null }[];
        }
      ).environments.find((e) => e.name === made.name);
      expect(listed).toMatchObject({ runtime: 'kind', state: 'ready' });
      expect(listed!.expiresInSeconds).toBeGreaterThan(0);
      expect(listed!.expiresInSeconds).toBeLessThanOrEqual(600);

      const early = await envCli('gc');
      expectOk(early);
      expect(
        (JSON.parse(early.stdout) as { removed: { name: string }[] }).removed.map((r) => r.name),
      ).not.toContain(made.name);

      // The test plays the clock: ten minutes later, as far as the expiry label says.
      const past = String(Math.floor(Date.now() / 1000) - 1);
      await core.patchNamespace(
        { name: made.namespace, body: { metadata: { labels: { 'omrs.dev/expires': past } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      const volumes = (
        await core.listNamespacedPersistentVolumeClaim({ namespace: made.namespace })
      ).items.map((c) => c.spec?.volumeName);
      const gc = await envCli('gc');
      expectOk(gc);
      const removed = (JSON.parse(gc.stdout) as { removed: { name: string; pvcs: string[] }[] }).removed.find(
        (r) => r.name === made.name,
      );
      // The database's claim and the backups' (the profile turns backups on).
      expect(removed?.pvcs?.map((p) => p.replace(made.name, '<env>')).sort()).toEqual(
        ['<env>-backup', 'data-<env>-db-0'].sort(),
      );
      await until(
        `namespace ${made.namespace} deleted`,
        async () =>
          (await core.listNamespace()).items.some((n) => n.metadata?.name === made.namespace)
            ? undefined
            : true,
        180_000,
      );
      await until(
        'its volume deleted',
        async () =>
          (await core.listPersistentVolume()).items.some((v) => volumes.includes(v.metadata?.name))
            ? undefined
            : true,
        180_000,
      );
      disposable = undefined;
    },
    STEP,
  );
  it(
    "hands kind only the images the local Docker engine has: the others are the nodes' to pull",
    async () => {
      const absent = `omrs-test/never-built-${process.pid}:0`;
      const loaded = await kindLoadImages(
        kind!.cluster,
        [images!.tags.gateway, absent, images!.tags.gateway],
        {
          ...process.env,
          ...cliEnv,
        },
      );
      expect(loaded).toEqual([images!.tags.gateway]);
    },
    STEP,
  );
  it(
    'fails a step at once when a node may never get its image, and says which container waits on what',
    async () => {
      const bad = `${env}-noimg`;
      const absent = `omrs-test/never-built-${process.pid}:0`;
      writeFileSync(
        join(root, 'profiles', 'kind-noimg.yaml'),
        `extends: kind-up\nopenmrs:\n  images:\n    db: ${absent}\n`,
      );
      const run = (...argv: string[]) =>
        runCli([...argv, '--runtime', 'kind', '--env', bad, '--profile', 'kind-noimg'], {
          cwd: root,
          env: cliEnv,
        });
      try {
        // The database step's deadline is 4 minutes; the pod's ErrImageNeverPull ends it first.
        const up = await run('up');
        expect(up.code, up.stdout + up.stderr).not.toBe(0);
        expect(up.stderr).toMatch(/ErrImageNeverPull/);
        expect(up.stderr).toContain(absent);
        expect(up.stderr).not.toMatch(/not ready within/);
        expect(up.stderr).toMatch(
          /logs of container mariadb of pod \S+-db-0 are not available \(container "mariadb" .*\): its container has not started/,
        );
      } finally {
        await run('down', '--volumes');
        await core.deleteNamespace({ name: `omrs-${bad}` }).catch(() => undefined);
      }
    },
    STEP,
  );
});
