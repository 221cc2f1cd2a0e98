// omrs promote and rollback on real nodes (issue 15): the harness kind cluster, its ingress
// controller (Traefik, built here) in front of the environment's entry, a MariaDB pod as the
// environment's external database, the AWS emulator for the RDS snapshot. A bounded load generator
// sends database-backed REST reads through the entry for the whole run: a promotion killed with
// SIGKILL during its switch, the same promotion again, and a rollback. Which colour answered each
// request is read from the gateways' own access logs.
//
// Where the test plays a part, and what it does not show:
// - The images come from the harness registry, as from a release manager's mirror: promote pins
//   them by digest (prod's images.pinDigests) and the kubelets pull image@sha256:… through the
//   registry's route on the kind network (test/harness/README.md, "kind"). No image under the
//   registry's names is on a node before the first promotion.
// - QA's record comes from a compose stack of the same images (as in test/e2e/promote/setup.ts).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { DeleteDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { buildPrivateCli, type BuiltCli } from '../../helpers/built-cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { until } from '../../helpers/poll.js';
import mysql from 'mysql2/promise';
import { discardEvents } from '../../../src/events/bus.js';
import { clientFor } from '../../../src/runtime/kube/client.js';
import { tenantDatabaseOf } from '../../../src/runtime/kube/database.js';
import { forwardPort, type PortForwardHandle } from '../../../src/runtime/kube/port-forward.js';
import {
  createProfileSecrets,
  createRdsInstance,
  LOG_IMAGES,
  MIRROR,
  pushTestImages,
  QA,
  registryDigest,
  TEST_IMAGES,
  TOOL_IMAGES,
  upComposeStack,
} from '../promote/setup.js';
import { forgetNodeImages, uninstallClusterMonitoring } from './engines.js';

const kind = requireEngine('kind');
const aws = requireEngine('aws');
const helm = requireEngine('helm');
const docker = requireEngine('docker');
const images = requireEngine('images');
const registry = requireEngine('registry');
const engines = Boolean(kind && aws && helm && docker && images && registry);

const REPO = join(import.meta.dirname, '../../..');
const NS = 'omrs-pk';
/** The environment of the bundled-database profile (its own host on the same ingress controller). */
const BUNDLED_NS = 'omrs-pb';
const BUNDLED_HOST = 'emr-bundled.example.org';
const DB_NS = 'omrs-pk-db';
const HOST = 'emr.example.org';
const REGION = 'us-east-1';
const INSTANCE = 'omrs-pk-openmrs';
const QA_ENV = 'promote-kind-qa';
/** The root password of the environment's database (a test value, in the Secret openmrs-db). */
const DB_PASSWORD = 'kind-promote-db-1';
/**
 * The admin password of the operator's Secret openmrs-admin: the backend sets it at first start.
 * Not the image default, which the prod gate's OMRS-DB-004 finds in the tenant database.
 */
const ADMIN_PASSWORD = 'Kind-promote-admin-7';
const AUTHORIZATION = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
const STEP = 600_000;

/**
 * Waivers both profiles carry: the cluster-wide storage and hygiene rules, which judge every
 * namespace of a cluster that kind/up.test.ts shares with this file at the same time (its claims,
 * volumes and expired disposable environments). Those rules are tested in
 * test/e2e/checks/cluster.test.ts.
 */
const SHARED_CLUSTER_WAIVERS = [
  [
    'OMRS-CL-001',
    'the harness kind cluster is shared: another test file binds claims in its own namespaces meanwhile',
  ],
  [
    'OMRS-CL-002',
    'the harness kind cluster is shared: another test file binds claims in its own namespaces meanwhile',
  ],
  ['OMRS-CL-003', 'the harness kind cluster is shared: another test file releases volumes meanwhile'],
  [
    'OMRS-CL-004',
    'the harness kind cluster is shared: another test file lets its disposable environments expire',
  ],
]
  .map(
    ([rule, reason]) =>
      `    - rule: ${rule}\n      reason: ${JSON.stringify(reason)}\n      expires: '2027-12-31'\n`,
  )
  .join('');

/** The profile; `backend` is its backend's resources (an env key: the app and its QA record stay the same). */
const profileText = (
  backend = "{ requests: { cpu: 100m, memory: 256Mi }, limits: { cpu: '1', memory: 1Gi } }",
) => `extends: ${join(REPO, 'test/fixtures/profiles/good/promote-test.yaml')}
description: prod on the harness kind cluster (real nodes, Traefik in front of the entry)
database:
  external:
    host: mariadb.${DB_NS}.svc.cluster.local
    port: 3306
    secretRef: { name: openmrs-db, key: password }
replicas: { gateway: 1, frontend: 1, backend: 1 }
resources:
  backend: ${backend}
timeouts: { database: 2m, init: 3m, backend: 3m, frontend: 2m, gateway: 2m }
# The cluster's log store and shipper, which promote installs before the switch (off in the kwok
# fixture, which has no kubelet and no storage provisioner).
monitoring:
  logs: { enabled: true }
  images: { logs: ${LOG_IMAGES[0]}, logShipper: ${LOG_IMAGES[1]} }
cluster:
  context: ${kind?.context ?? 'kind-omrs'}
  namespace: ${NS}
  eks: { clusterName: omrs-pk }
checks:
  waivers:
${SHARED_CLUSTER_WAIVERS}`;

/** docker against one of the two engines. */
interface Answer {
  seq: number;
  status: number;
  error?: string;
}

/**
 * A bounded load generator: one request at a time (so the order of the sequence numbers is the
 * order the entry served them), a 25 ms pause between, over a kept-alive HTTPS connection to the
 * ingress controller. Every request carries its sequence number, which the answering gateway
 * writes in its access log.
 */
function loadGenerator(base: string, authorization: string, run: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false, servername: HOST });
  const answers: Answer[] = [];
  let seq = 0;
  let stopped = false;
  const one = (n: number) =>
    new Promise<Answer>((resolve) => {
      const url = new URL(`/openmrs/ws/rest/v1/systemsetting?q=omrs&v=full&run=${run}&seq=${n}`, base);
      const req = httpsRequest(
        url,
        { agent, headers: { Host: HOST, Authorization: authorization }, timeout: 10_000 },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ seq: n, status: res.statusCode ?? 0 }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
      req.on('error', (e) => resolve({ seq: n, status: 0, error: e.message }));
      req.end();
    });
  const worker = async () => {
    while (!stopped) {
      answers.push(await one(++seq));
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const running = worker();
  return {
    answers,
    stop: async () => {
      stopped = true;
      await running;
      agent.destroy();
      return answers;
    },
  };
}

/** One GET through the entry for `host`: its HTTP status (0 when it failed) and body. */
const getThroughEntry = (
  base: string,
  path: string,
  host = HOST,
): Promise<{ status: number; body: string }> =>
  new Promise((resolve) => {
    const req = httpsRequest(
      new URL(path, base),
      {
        headers: { Host: host, Authorization: AUTHORIZATION },
        rejectUnauthorized: false,
        servername: host,
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });

describe.skipIf(!engines)('omrs promote on real nodes, through the ingress controller', () => {
  let dir: string;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let kc: k8s.KubeConfig;
  let dbForward: PortForwardHandle | undefined;
  let env: Record<string, string | undefined>;
  let profileFile: string;
  let qaRecord: string;
  let entry: string;
  let cli: BuiltCli | undefined;
  const rds = new RDSClient({
    region: REGION,
    endpoint: aws?.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const expectOk = (r: CliRun) => expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  const common = () => [
    '--profile',
    profileFile,
    '--context',
    kind!.context,
    '--yes',
    '--lock-file',
    join(dir, 'lock.json'),
    '--records-dir',
    dir,
    '--ready-timeout',
    '180s',
    '--approve-record',
    qaRecord,
  ];
  const promote = (...extra: string[]) => runCli(['promote', ...common(), ...extra], { env, cwd: REPO });
  const rollback = (profileAt: string, ...extra: string[]) =>
    runCli(
      [
        'rollback',
        '--profile',
        profileAt,
        '--context',
        kind!.context,
        '--yes',
        '--records-dir',
        dir,
        ...extra,
      ],
      { env, cwd: REPO },
    );
  const live = async () =>
    (await core.readNamespacedService({ name: 'openmrs', namespace: NS })).metadata?.annotations?.[
      'omrs.dev/live-colour'
    ];
  const records = async () =>
    (
      JSON.parse(
        (await core.readNamespacedConfigMap({ name: 'omrs-promotions', namespace: NS })).data![
          'promotions.json'
        ]!,
      ) as { action: string; to: string; result: string }[]
    ).map((r) => `${r.action}:${r.to}:${r.result}`);

  async function deleteNamespaces(): Promise<void> {
    const all = [
      NS,
      `${NS}-blue`,
      `${NS}-green`,
      DB_NS,
      BUNDLED_NS,
      `${BUNDLED_NS}-blue`,
      `${BUNDLED_NS}-green`,
    ];
    for (const name of all) await core.deleteNamespace({ name }).catch(() => undefined);
    for (const name of all)
      await until(
        `namespace ${name} gone`,
        async () =>
          await core.readNamespace({ name }).then(
            () => undefined,
            () => true,
          ),
        180_000,
      );
  }

  /** The environment's database: a MariaDB pod outside the colours, as RDS is outside the cluster. */
  async function startDatabase(): Promise<void> {
    await core.createNamespace({ body: { metadata: { name: DB_NS } } });
    const labels = { app: 'mariadb' };
    await apps.createNamespacedDeployment({
      namespace: DB_NS,
      body: {
        metadata: { name: 'mariadb', labels },
        spec: {
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: 'mariadb',
                  image: `${MIRROR}/omrs-test/mariadb:10.11`,
                  env: [{ name: 'MARIADB_ROOT_PASSWORD', value: DB_PASSWORD }],
                  ports: [{ containerPort: 3306 }],
                  readinessProbe: { tcpSocket: { port: 3306 }, periodSeconds: 2 },
                },
              ],
            },
          },
        },
      },
    });
    await core.createNamespacedService({
      namespace: DB_NS,
      body: { metadata: { name: 'mariadb' }, spec: { selector: labels, ports: [{ port: 3306 }] } },
    });
    const pod = await until(
      'the database pod Ready',
      async () =>
        (await core.listNamespacedPod({ namespace: DB_NS, labelSelector: 'app=mariadb' })).items.find((p) =>
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        )?.metadata?.name,
      180_000,
    );
    // The prod gate reads every tenant database: through a port-forward to that pod (a real kubelet).
    const client = await clientFor(kc, kind!.context, kind!.kubeconfig);
    dbForward = await forwardPort(
      client,
      { namespace: DB_NS, pod, port: 3306 },
      { onProblem: (m) => console.warn(`database port-forward: ${m}`) },
    );
  }

  /** Which colour each request of the load went to, from the access logs of both colours' gateways. */
  async function colourOfRequests(run: string): Promise<Map<number, string>> {
    const seen = new Map<number, string>();
    for (const colour of ['blue', 'green']) {
      const namespace = `${NS}-${colour}`;
      const pods = await core.listNamespacedPod({
        namespace,
        labelSelector: 'app.kubernetes.io/component=gateway',
      });
      for (const pod of pods.items) {
        const log = await core.readNamespacedPodLog({
          namespace,
          name: pod.metadata!.name!,
          container: 'gateway',
        });
        for (const m of log.matchAll(
          new RegExp(`"GET /openmrs/ws/rest/v1/systemsetting\\?[^"]*run=${run}&seq=(\\d+)`, 'g'),
        )) {
          const seq = Number(m[1]);
          expect(seen.get(seq), `request ${seq} answered by two gateways`).toBeUndefined();
          seen.set(seq, colour);
        }
      }
    }
    return seen;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'omrs-kind-promote-'));
    profileFile = join(dir, 'promote-kind.yaml');
    writeFileSync(profileFile, profileText());
    qaRecord = join(dir, 'qa-record.json');
    kc = new k8s.KubeConfig();
    kc.loadFromFile(kind!.kubeconfig);
    kc.setCurrentContext(kind!.context);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    entry = kind!.ingress.https;
    await deleteNamespaces();

    // The images in the registry only: none under its names on a node, so the kubelets pull them.
    await pushTestImages(LOG_IMAGES);
    forgetNodeImages(kind!, `${MIRROR}/`);
    const main = `unix://${docker!.socketPath}`;

    await startDatabase();
    await createProfileSecrets(core, NS, { db: DB_PASSWORD, admin: ADMIN_PASSWORD });
    env = {
      CI: 'true',
      KUBECONFIG: kind!.kubeconfig,
      OMRS_HELM: helm!.helm,
      OMRS_AWS_ENDPOINT: aws!.endpoint,
      AWS_ACCESS_KEY_ID: aws!.accessKeyId,
      AWS_SECRET_ACCESS_KEY: aws!.secretAccessKey,
      AWS_REGION: REGION,
      OMRS_SMOKE_PASSWORD: ADMIN_PASSWORD,
      OMRS_DB_URL: `mysql://root:${DB_PASSWORD}@127.0.0.1:${dbForward!.port}`,
      DOCKER_HOST: main,
    };
    // The infrastructure Terraform would have built: the RDS instance, its recorded fingerprint.
    await rds
      .send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: INSTANCE, SkipFinalSnapshot: true }))
      .catch(() => undefined);
    await createRdsInstance(rds, INSTANCE);

    expectOk(
      await runCli(['promote', 'fingerprint', '--profile', profileFile, '--record'], { env, cwd: REPO }),
    );

    // QA's record: the QA twin's gate, digests and a smoke test of a compose stack of the same images.
    const qaUrl = await upComposeStack(QA_ENV);
    const qa = await runCli(['promote', 'record', '--profile', QA, '--smoke-url', qaUrl, '-o', qaRecord], {
      env: { ...env, OMRS_SMOKE_PASSWORD: 'Admin123' },
      cwd: REPO,
    });
    expectOk(qa);
    await runCli(['down', '--env', QA_ENV, '--volumes'], { env: { CI: 'true' }, cwd: REPO });
    cli = buildPrivateCli('kind-promote');
  }, STEP);

  afterAll(async () => {
    cli?.remove();
    // The cluster's log store the first promotion installed: another kind file installs its own.
    if (kc) await uninstallClusterMonitoring(kc);
    await dbForward?.close();
    await runCli(['down', '--env', QA_ENV, '--volumes'], { env: { CI: 'true' }, cwd: REPO }).catch(
      () => undefined,
    );
    if (core) await deleteNamespaces().catch(() => undefined);
    await rds
      .send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: INSTANCE, SkipFinalSnapshot: true }))
      .catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, STEP);

  it(
    'the first promotion makes green live behind the entry: the ingress controller reaches it',
    async () => {
      const started = performance.now();
      const first = await promote('--json');
      expectOk(first);
      console.info(`first promotion on kind: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      expect(await live()).toBe('green');
      // Every container of the colour runs image@sha256 as the registry serves it, and the kubelet
      // reports that digest for what it pulled.
      const pods = (await core.listNamespacedPod({ namespace: `${NS}-green` })).items.filter(
        (p) => p.status?.phase === 'Running',
      );
      const running = pods.flatMap((p) =>
        (p.status?.containerStatuses ?? []).map((c) => ({
          image: p.spec!.containers.find((spec) => spec.name === c.name)!.image!,
          imageID: c.imageID,
        })),
      );
      const served = new Map<string, string>();
      for (const image of [...TEST_IMAGES, ...TOOL_IMAGES])
        served.set(`${MIRROR}/${image.split(':')[0]}`, (await registryDigest(image))!);
      const components = new Set<string>();
      for (const c of running) {
        // image:tag@sha256:… (the tag is kept for people; the digest is what the kubelet pulls).
        const [named, digest] = c.image.split('@');
        const repo = named!.replace(/:[^/:]+$/, '');
        expect(served.get(repo), c.image).toBe(digest);
        expect(c.imageID, c.image).toBe(`${repo}@${digest}`);
        components.add(repo.split('/').at(-1)!);
      }
      expect([...components].sort()).toEqual([
        'backend',
        'blackbox-exporter',
        'frontend',
        'gateway',
        'mysqld-exporter',
        'nginx-exporter',
        'prometheus',
        'pushgateway',
      ]);
      // The cluster's log store and shipper (release omrs-monitoring in its own namespace), installed
      // before the switch with the lock's digests; the shipper ready on every node.
      const result = JSON.parse(first.stdout) as {
        plan: { clusterMonitoring?: string };
        lock: { tools: { component: string; image: string; digest: string; pinned: boolean }[] };
      };
      expect(result.plan.clusterMonitoring).toBe('install');
      const apps = kc.makeApiClient(k8s.AppsV1Api);
      const store = await apps.readNamespacedDeployment({
        name: 'omrs-monitoring-logs',
        namespace: 'omrs-monitoring',
      });
      const shipper = await apps.readNamespacedDaemonSet({
        name: 'omrs-monitoring-log-shipper',
        namespace: 'omrs-monitoring',
      });
      expect(store.status?.availableReplicas).toBe(1);
      expect(shipper.status?.desiredNumberScheduled).toBeGreaterThan(0);
      expect(shipper.status?.numberReady).toBe(shipper.status?.desiredNumberScheduled);
      for (const [component, workload, image] of [
        ['logs', store, LOG_IMAGES[0]!],
        ['log-shipper', shipper, LOG_IMAGES[1]!],
      ] as const) {
        const served = await registryDigest(image);
        expect(result.lock.tools.find((t) => t.component === component)).toMatchObject({
          image: `${MIRROR}/${image}`,
          digest: served,
          pinned: true,
        });
        expect(workload.spec!.template.spec!.containers[0]!.image).toBe(`${MIRROR}/${image}@${served}`);
      }
      // The smoke test went to a pod of the idle colour's own gateway, through the kubelet's port-forward.
      const smoke = (
        JSON.parse(first.stdout) as { smoke: { via?: string; checks: { name: string; ok: boolean }[] } }
      ).smoke;
      expect(smoke.via).toMatch(new RegExp(`^port-forward to pod ${NS}-green/\\S+-gateway-`));
      expect(smoke.checks.map((c) => `${c.name}:${c.ok}`)).toEqual([
        'health:true',
        'login:true',
        'rest read:true',
      ]);
      // The operator's Secrets were copied into the colour; its pods started with them.
      const copied = await core.readNamespacedSecret({ name: 'openmrs-db', namespace: `${NS}-green` });
      expect(copied.metadata?.labels?.['omrs.dev/copied-from']).toBe(NS);
      // Only the entry claims the host.
      const net = kc.makeApiClient(k8s.NetworkingV1Api);
      for (const colour of ['blue', 'green'])
        expect(
          (await net.listNamespacedIngress({ namespace: `${NS}-${colour}` }).catch(() => ({ items: [] })))
            .items,
        ).toEqual([]);
      // The ingress controller learns the new entry within its provider throttle (2 s): the first
      // promotion had nothing to serve before, so the load starts once the entry answers.
      await until(
        'the new entry answering',
        async () =>
          (await getThroughEntry(entry, '/openmrs/ws/rest/v1/systemsetting?q=omrs&v=full')).status === 200
            ? true
            : undefined,
        60_000,
      );
      const load = loadGenerator(entry, AUTHORIZATION, 'first');
      await until('answers through the entry', async () => (load.answers.length > 20 ? true : undefined));
      const answers = await load.stop();
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
      expect([...(await colourOfRequests('first')).values()].every((c) => c === 'green')).toBe(true);
    },
    STEP,
  );

  it(
    'under load: a promotion killed during its switch, the same promotion again, and a rollback fail no request; the colour changes once per switch',
    async () => {
      const load = loadGenerator(entry, AUTHORIZATION, 'switches');
      try {
        await until('load flowing', async () => (load.answers.length > 10 ? true : undefined));

        // The second promotion, by the built CLI, killed with SIGKILL once its switch step began.
        const childEnv: Record<string, string> = {};
        for (const [k, v] of Object.entries({ ...process.env, FORCE_COLOR: undefined, ...env }))
          if (v !== undefined) childEnv[k] = v;
        const child = spawn(process.execPath, [cli!.bin, 'promote', ...common()], {
          cwd: REPO,
          env: childEnv,
          stdio: ['ignore', 'ignore', 'pipe'],
          detached: true,
        });
        let stderr = '';
        const exit = new Promise<number | null>((r) => child.once('exit', r));
        const switching = new Promise<boolean>((resolve) => {
          child.stderr.on('data', (d: Buffer) => {
            stderr += d.toString();
            if (/switch traffic to blue/.test(stderr)) resolve(true);
          });
          void exit.then(() => resolve(false));
        });
        const reached = await switching;
        expect(reached, `the promotion ended before its switch: ${stderr}`).toBe(true);
        child.kill('SIGKILL');
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // the group is already gone
        }
        await exit;
        const afterKill = await live();
        console.info(`killed during the switch: ${afterKill} was live right after the kill`);
        expect(['green', 'blue']).toContain(afterKill);

        // The same promotion again converges: blue live, recorded once.
        const again = await promote('--json');
        expectOk(again);
        expect(await live()).toBe('blue');
        expect(await records()).toEqual(['promote:green:succeeded', 'promote:blue:succeeded']);
        if (afterKill === 'blue')
          expect(JSON.parse(again.stdout)).toMatchObject({ finished: expect.any(String) });
        // The controller follows the switch within its 2 s throttle: blue answers a request sent after
        // the promotion returned before the rollback starts (a busy machine could skip blue's turn).
        const promoted = load.answers.length;
        await until(
          'a request sent after the promotion answered by blue',
          async () =>
            [...(await colourOfRequests('switches'))].some(
              ([seq, colour]) => seq > promoted && colour === 'blue',
            )
              ? true
              : undefined,
          60_000,
        );

        const back = await rollback(profileFile);
        expectOk(back);
        expect(await live()).toBe('green');
        // The ingress controller follows the Service (it throttles its provider for 2 s): wait
        // until green's gateway has logged a request sent after the rollback returned.
        const rolledBack = performance.now();
        const afterSeq = load.answers.length;
        await until(
          'a request sent after the rollback answered by green',
          async () => {
            const colours = await colourOfRequests('switches');
            return [...colours].some(([seq, colour]) => seq > afterSeq && colour === 'green')
              ? true
              : undefined;
          },
          60_000,
        );
        console.info(
          `green served again within ${((performance.now() - rolledBack) / 1000).toFixed(1)} s of the rollback's end`,
        );
      } finally {
        await load.stop();
      }
      const answers = load.answers;
      console.info(`load: ${answers.length} requests through the entry`);
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);

      const colours = await colourOfRequests('switches');
      const order = answers
        .map((a) => a.seq)
        .sort((a, b) => a - b)
        .map((seq) => colours.get(seq) ?? 'unlogged');
      expect(order.filter((c) => c === 'unlogged')).toEqual([]);
      const runs = order.filter((c, i) => i === 0 || c !== order[i - 1]);
      expect(runs).toEqual(['green', 'blue', 'green']);
    },
    STEP,
  );

  it(
    'under load: an idle colour that never becomes Ready, then a failing smoke test, leave green serving; promote again converges',
    async () => {
      expect(await live()).toBe('green');
      const good = profileText();
      const load = loadGenerator(entry, AUTHORIZATION, 'faults');
      try {
        await until('load flowing', async () => (load.answers.length > 10 ? true : undefined));

        // A backend no node can schedule (64 CPUs).
        writeFileSync(profileFile, profileText("{ requests: { cpu: '64' }, limits: { cpu: '64' } }"));
        const stuck = await promote('--ready-timeout', '15s');
        expect(stuck.code, stuck.stderr).not.toBe(0);
        expect(stuck.stderr).toMatch(/did not become ready/);
        expect(stuck.stderr).toMatch(/the live colour green .* is still serving/);
        expect(await live()).toBe('green');
        writeFileSync(profileFile, good);

        // A smoke test that cannot log in (a wrong password): the switch is not reached.
        const smoke = await runCli(['promote', ...common(), '--smoke-timeout', '5s'], {
          env: { ...env, OMRS_SMOKE_PASSWORD: 'not-the-password' },
          cwd: REPO,
        });
        expect(smoke.code, smoke.stderr).not.toBe(0);
        expect(smoke.stderr).toMatch(/smoke test/i);
        expect(await live()).toBe('green');

        const again = await promote();
        expectOk(again);
        expect(await live()).toBe('blue');
        const switchedSeq = load.answers.length;
        await until(
          'a request sent after the switch answered by blue',
          async () =>
            [...(await colourOfRequests('faults'))].some(([seq, c]) => seq > switchedSeq && c === 'blue')
              ? true
              : undefined,
          60_000,
        );
      } finally {
        writeFileSync(profileFile, good);
        await load.stop();
      }
      console.info(`load: ${load.answers.length} requests through the entry during the faults`);
      expect(load.answers.filter((a) => a.status !== 200)).toEqual([]);
      const colours = await colourOfRequests('faults');
      const order = load.answers
        .map((a) => a.seq)
        .sort((a, b) => a - b)
        .map((seq) => colours.get(seq) ?? 'unlogged');
      expect(order.filter((c, i) => i === 0 || c !== order[i - 1])).toEqual(['green', 'blue']);
      expect(await records()).toEqual([
        'promote:green:succeeded',
        'promote:blue:succeeded',
        'rollback:green:succeeded',
        'promote:blue:failed',
        'promote:blue:failed',
        'promote:blue:succeeded',
      ]);
      // An external database has no dump to restore: refused before anything is switched.
      const withoutDump = await rollback(profileFile, '--restore-database');

      expect(withoutDump.code, withoutDump.stderr).toBe(2);
      expect(withoutDump.stderr).toMatch(/took no dump/);
      expect(await live()).toBe('blue');
    },
    STEP,
  );

  it(
    'a bundled database: promote dumps the live colour first; rollback --restore-database loads it back, restarts the backend, then switches',
    async () => {
      const bundled = join(dir, 'promote-kind-bundled.yaml');
      writeFileSync(
        bundled,
        `extends: ${profileFile}
description: the kind promotion profile with a bundled database (one StatefulSet per colour)
database:
  mode: bundled
  storage: 1Gi
ingress:
  host: ${BUNDLED_HOST}
cluster:
  namespace: ${BUNDLED_NS}
# The prod gate's findings on the chart's bundled database (what makes it a poor fit for prod),
# waived here to show the dump and the restore. A list replaces its parent's: the shared ones are repeated.
checks:
  waivers:
${SHARED_CLUSTER_WAIVERS}    - rule: OMRS-K8S-007
      reason: the MariaDB image runs as its own user 999
      expires: '2027-12-31'
    - rule: OMRS-K8S-020
      reason: one database pod per colour, nothing to keep available during a drain
      expires: '2027-12-31'
`,
      );
      await createProfileSecrets(core, BUNDLED_NS, { db: 'not-used-bundled', admin: ADMIN_PASSWORD });
      expectOk(
        await runCli(['promote', 'fingerprint', '--profile', bundled, '--record'], { env, cwd: REPO }),
      );
      const run = (...argv: string[]) => runCli(argv, { env, cwd: REPO });
      const promoteBundled = () =>
        run('promote', ...common().map((a) => (a === profileFile ? bundled : a)), '--json');

      const first = await promoteBundled();
      expectOk(first);
      expect(first.stderr).toMatch(/no live colour yet: nothing to dump/);

      // green's own database: what its backend reads (the code omrs db uses: a port-forward to the pod).
      const client = await clientFor(kc, kind!.context, kind!.kubeconfig);
      const sql = async (colour: string, statement: string) => {
        const db = await tenantDatabaseOf(
          { client, namespace: `${BUNDLED_NS}-${colour}`, env: 'promote-kind-bundled', runtime: 'eks' },
          'default',
          discardEvents,
        );
        const conn = await mysql.createConnection(db.url);
        try {
          const [rows] = await conn.query(statement);
          return rows as { property_value: string }[];
        } finally {
          await conn.end();
          await db.release();
        }
      };
      const marker = async (colour: string) =>
        (
          await sql(
            colour,
            "SELECT property_value FROM global_property WHERE property = 'omrs.promote.marker'",
          )
        )[0]?.property_value;
      await sql(
        'green',
        "INSERT INTO global_property (property, property_value, uuid) VALUES ('omrs.promote.marker', 'before-promotion', UUID())",
      );

      const second = await promoteBundled();
      expectOk(second);
      const record = (
        JSON.parse(second.stdout) as {
          record: { databaseDumps?: { tenant: string; name: string; file: string }[] };
        }
      ).record;
      expect(record.databaseDumps).toEqual([
        { tenant: 'default', name: expect.stringMatching(/^promote-\d{8}-\d{6}$/), file: expect.any(String) },
      ]);
      expect(statSync(record.databaseDumps![0]!.file).mode & 0o777).toBe(0o600);
      expect(await marker('blue')).toBeUndefined();

      // What happened to green after the switch (it is idle): its data changed.
      await sql(
        'green',
        "UPDATE global_property SET property_value = 'changed-later' WHERE property = 'omrs.promote.marker'",
      );

      const back = await rollback(bundled, '--restore-database', '--json');

      expectOk(back);
      expect(JSON.parse(back.stdout)).toMatchObject({
        live: 'green',
        restoredDatabase: { name: record.databaseDumps![0]!.name, tenants: ['default'] },
      });
      expect(await marker('green')).toBe('before-promotion');
      // Through the entry: green's restarted backend serves what the dump held.
      const answer = await until(
        'the restored value through the entry',
        async () => {
          const r = await getThroughEntry(
            entry,
            '/openmrs/ws/rest/v1/systemsetting?q=omrs.promote.marker&v=full',
            BUNDLED_HOST,
          );
          return r.status === 200 && r.body.includes('before-promotion') ? r.body : undefined;
        },
        60_000,
      );
      expect(answer).toContain('before-promotion');
    },
    STEP,
  );

  it(
    'destroy of the bundled environment: refused under deletion protection and without the typed name; then a final dump of each colour, its three namespaces gone, the other environment untouched',
    async () => {
      const bundled = join(dir, 'promote-kind-bundled.yaml');
      const destroy = (...argv: string[]) =>
        runCli(['destroy', '--profile', bundled, '--context', kind!.context, '--yes', ...argv], {
          env,
          cwd: dir,
        });
      const ours = [BUNDLED_NS, `${BUNDLED_NS}-blue`, `${BUNDLED_NS}-green`];
      const others = [NS, `${NS}-blue`, `${NS}-green`, DB_NS];
      const active = async (names: string[]) =>
        Promise.all(
          names.map((name) =>
            core.readNamespace({ name }).then(
              (n) => n.status?.phase ?? 'Active',
              () => 'gone',
            ),
          ),
        );

      const infra = await destroy('--confirm', 'promote-kind-bundled', '--infrastructure');
      expect(infra.code, infra.stderr).toBe(1);
      expect(infra.stderr).toContain('DESTROY_DELETION_PROTECTED');
      const unconfirmed = await destroy();
      expect(unconfirmed.code).toBe(2);
      for (const name of ours) expect(unconfirmed.stderr).toContain(`namespace ${name}`);
      for (const name of others) expect(unconfirmed.stderr).not.toContain(`namespace ${name} `);
      expect(await active(ours)).toEqual(['Active', 'Active', 'Active']);

      const done = await destroy('--confirm', 'promote-kind-bundled', '--json');
      expectOk(done);
      const result = JSON.parse(done.stdout) as {
        snapshots: { where: string; tenant: string; file: string }[];
        removed: string[];
      };
      expect(result.snapshots.map((s) => `${s.where}:${s.tenant}`)).toEqual([
        `${BUNDLED_NS}-blue:default`,
        `${BUNDLED_NS}-green:default`,
      ]);
      // green's dump holds what green's database held (the value the rollback restored).
      const green = execFileSync('gzip', ['-dc', result.snapshots[1]!.file], {
        maxBuffer: 512 * 1024 * 1024,
      }).toString();
      expect(green).toContain('before-promotion');
      expect(result.removed).toEqual(expect.arrayContaining(ours.map((name) => `namespace ${name}`)));
      expect((await active(ours)).every((phase) => phase === 'gone' || phase === 'Terminating')).toBe(true);
      expect(await active(others)).toEqual(['Active', 'Active', 'Active', 'Active']);
      // Run again while the namespaces terminate (or after): it converges, removing nothing twice.
      const again = await destroy('--confirm', 'promote-kind-bundled', '--json');
      expectOk(again);
      expect((JSON.parse(again.stdout) as { removed: string[] }).removed ?? []).toEqual([]);
    },
    STEP,
  );
});
