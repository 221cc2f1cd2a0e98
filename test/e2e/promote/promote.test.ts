// omrs promote / rollback end to end: the REAL Kubernetes API server (kwok nodes) for blue/green,
// the AWS emulator (moto_server) for RDS snapshots and the SSM fingerprint, and a real compose
// stack of the omrs-test images as the smoke-test target (kwok runs no containers).
// The shared setup (engines, RDS instance, smoke stack, QA record, clean-up) is in ./setup.ts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { DeleteDBInstanceCommand } from '@aws-sdk/client-rds';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { cloneTemplate, connect, dropDatabase } from '../../helpers/mariadb.js';
import {
  engines,
  INSTANCE,
  mariadb,
  MIRROR,
  NS,
  PROFILE,
  QA,
  registryDigest,
  TEST_IMAGES,
  TOOL_IMAGES,
  usePromoteSetup,
} from './setup.js';

/** The prod profile's ingress.host, which the entry Ingress routes. */
const PROD_HOST = 'emr.example.org';

describe.skipIf(!engines)('omrs promote / rollback (kwok API server + AWS emulator)', () => {
  const setup = usePromoteSetup();
  const { dir, env, rds, kc, qaRecord, common, promote, world, live, records, localRecords } = setup;
  let core: k8s.CoreV1Api;
  let smokeUrl = '';
  beforeAll(() => {
    core = setup.ctx.core;
    smokeUrl = setup.ctx.smokeUrl;
  });
  /** The default tenant's database password (base64) in a colour's own Secret, and in the environment's. */
  const tenantPassword = async (namespace: string) =>
    (await core.readNamespacedSecret({ name: 'promote-test-db-default', namespace })).data?.password;
  const sharedPassword = async () =>
    (await core.readNamespacedSecret({ name: 'omrs-credentials', namespace: NS })).data?.default;
  /** QA's record of another backend build (the same bytes under another tag), written to `file`. */
  const recordOtherApp = (file: string) =>
    runCli(
      [
        'promote',
        'record',
        '--profile',
        'test/fixtures/promote/qa-other-app.yaml',
        '--smoke-url',
        smokeUrl,
        '-o',
        file,
      ],
      { env },
    );
  /** promote of another profile than the setup's, with its own lock file in the test folder. */
  const promoteOther = (profile: string, lockFile: string) =>
    runCli(
      [
        'promote',
        '--profile',
        profile,
        '--context',
        'omrs-harness',
        '--yes',
        '--lock-file',
        join(dir, lockFile),
        '--records-dir',
        dir,
        '--smoke-url',
        smokeUrl,
        '--approve-record',
        qaRecord,
      ],
      { env },
    );

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
      smoke: { via?: string; checks: { name: string; ok: boolean }[] };
      plan: {
        infra: { changed: boolean };
        objects: { kind: string; change: string }[];
        entry: { kind: string; name: string; change: string }[];
      };
    };
    expect(result.live).toBe('green');
    // The smoke test went to the URL it was given (setup.ts); the default, a port-forward to a pod
    // of the idle colour's own gateway, runs on real nodes (kind/promote.test.ts).
    expect(result.smoke.via).toBeUndefined();
    expect(result.smoke.checks.map((c) => `${c.name}:${c.ok}`)).toEqual([
      'health:true',
      'login:true',
      'rest read:true',
    ]);
    expect(result.plan.infra.changed).toBe(false);
    expect(result.plan.objects.every((o) => o.change === 'added')).toBe(true);
    // The entry no colour owns: one Ingress in the base namespace, to the switch Service; the
    // colour's release has none (it would claim the same host).
    expect(result.plan.entry).toEqual([{ kind: 'Ingress', name: 'openmrs', change: 'added' }]);
    expect(result.plan.objects.map((o) => o.kind)).not.toContain('Ingress');
    expect((await world()).ingresses).toEqual([`${NS}/openmrs host=${PROD_HOST} → openmrs:http`]);
    // images.pinDigests (prod): every tag resolved to the digest the registry serves, locked,
    // recorded and deployed as image@sha256:….
    expect(result.unpinned).toEqual([]);
    const lock = JSON.parse(readFileSync(join(dir, 'lock.json'), 'utf8')) as {
      appDigest: string;
      images: { component: string; image: string; digest: string; pinned: boolean }[];
      tools: { component: string; image: string; digest: string; pinned: boolean }[];
    };
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const deployed = (await apps.listNamespacedDeployment({ namespace: `${NS}-green` })).items.flatMap((d) =>
      d.spec!.template.spec!.containers.map((c) => c.image!),
    );
    for (const image of TEST_IMAGES) {
      const locked = lock.images.find((i) => i.image === `${MIRROR}/${image}`);
      const served = await registryDigest(image);
      expect(locked, image).toMatchObject({ digest: served, pinned: true });
      if (!image.includes('mariadb')) expect(deployed).toContain(`${MIRROR}/${image}@${served}`);
    }
    // The tools' images (prod's monitoring) too, apart from what QA tested. The database is external
    // here, so no exporter watches its volume.
    for (const image of TOOL_IMAGES.filter((i) => !i.includes('node-exporter'))) {
      const locked = lock.tools.find((i) => i.image === `${MIRROR}/${image}`);
      const served = await registryDigest(image);
      expect(locked, image).toMatchObject({ digest: served, pinned: true });
      expect(deployed).toContain(`${MIRROR}/${image}@${served}`);
    }
    expect(deployed.every((i) => /@sha256:[a-f0-9]{64}$/.test(i))).toBe(true);
    expect(localRecords().at(-1)?.images).toEqual(
      lock.images.map(({ component, image, digest }) => ({ component, image, digest })),
    );
    expect(await live()).toBe('green');
    expect((await world()).snapshots).toContain(result.snapshot.snapshotId);
    expect((await records()).map((r) => `${r.action}:${r.to}:${r.result}`)).toEqual([
      'promote:green:succeeded',
    ]);
    expect(localRecords().at(-1)).toMatchObject({ action: 'promote', to: 'green', result: 'succeeded' });
    expect(lock.appDigest).toMatch(/^sha256:/);
  }, 240_000);

  it('second promotion switches to blue, keeping green; rollback makes green live again', async () => {
    // Both colours log in to one database: the idle colour must get the tenant password the live
    // one uses. Without the environment's Secret (green was deployed by an omrs before it), promote
    // takes green's own.
    const greenPassword = await tenantPassword(`${NS}-green`);
    expect(await sharedPassword()).toBe(greenPassword);
    await core.deleteNamespacedSecret({ name: 'omrs-credentials', namespace: NS });
    // And green has the Ingress of its own release that an omrs from before the entry installed.
    await kc.makeApiClient(k8s.NetworkingV1Api).createNamespacedIngress({
      namespace: `${NS}-green`,
      body: {
        metadata: { name: 'promote-test', labels: { 'app.kubernetes.io/instance': 'promote-test' } },
        spec: {
          rules: [
            {
              host: PROD_HOST,
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'promote-test-gateway', port: { name: 'http' } } },
                  },
                ],
              },
            },
          ],
        },
      },
    });
    const second = await promote();
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout + second.stderr).toContain(`removed ${NS}-green/Ingress promote-test`);
    expect((await world()).ingresses).toEqual([`${NS}/openmrs host=${PROD_HOST} → openmrs:http`]);
    expect(second.stdout + second.stderr).not.toContain(Buffer.from(greenPassword!, 'base64').toString());
    expect(await live()).toBe('blue');
    expect(await tenantPassword(`${NS}-blue`)).toBe(greenPassword);
    expect(await tenantPassword(`${NS}-green`)).toBe(greenPassword);
    expect(await sharedPassword()).toBe(greenPassword);
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

  it('refusals change nothing: a changed app key, a failing gate, another context, no digest, no database, a dirty tenant database', async () => {
    const before = await world();
    const other = join(dir, 'other-record.json');
    expect((await recordOtherApp(other)).code).toBe(0);
    const mismatch = await runCli(['promote', ...common(), '--approve-record', other], { env });
    expect(mismatch.code, mismatch.stderr).toBe(1);
    expect(mismatch.stderr).toMatch(/PROMOTE_APP_DIGEST_MISMATCH|not the app QA tested/);
    expect(mismatch.stderr).toMatch(/openmrs\.images/);

    const gate = await promoteOther('test/fixtures/promote/failing-gate.yaml', 'lock2.json');
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

    // The same app from a mirror that does not hold its images: no digest, no promotion.
    const missing = join(dir, 'missing-digests.yaml');
    writeFileSync(
      missing,
      `extends: ${resolve(PROFILE)}\nimages:\n  registry: ${MIRROR.split('/')[0]}/omrs-promote-missing\n`,
    );
    const unresolved = await promoteOther(missing, 'lock3.json');
    expect(unresolved.code, unresolved.stderr).toBe(1);
    expect(unresolved.stderr).toMatch(
      /images\.pinDigests is on: promote deploys only images pinned by digest/,
    );
    expect(unresolved.stderr).toContain('IMAGE_RESOLVE_FAILED');
    expect(unresolved.stderr).toContain('omrs-promote-missing/omrs-test/backend:1');
    expect(unresolved.stderr).toMatch(/nothing was changed/);
    expect(existsSync(join(dir, 'lock3.json'))).toBe(false);

    // QA records: one without the evidence (written by hand), one whose backend digest is not
    // what the registry serves now, and none at all when QA's smoke test fails.
    const handMade = join(dir, 'hand-made-record.json');
    const real = JSON.parse(readFileSync(qaRecord, 'utf8')) as {
      images: { component: string; digest: string }[];
    } & Record<string, unknown>;
    writeFileSync(
      handMade,
      JSON.stringify({
        profile: real.profile,
        appDigest: real.appDigest,
        testedAt: real.testedAt,
        result: 'passed',
      }),
    );
    const noEvidence = await runCli(['promote', ...common(), '--approve-record', handMade], { env });
    expect(noEvidence.code, noEvidence.stderr).toBe(2);
    expect(noEvidence.stderr).toContain('PROMOTE_BAD_RECORD');
    expect(noEvidence.stderr).toMatch(/no who, no images with their digests, no a passed check gate/);
    const otherDigest = join(dir, 'other-digest-record.json');
    writeFileSync(
      otherDigest,
      JSON.stringify({
        ...real,
        images: real.images.map((i) =>
          i.component === 'backend' ? { ...i, digest: `sha256:${'e'.repeat(64)}` } : i,
        ),
      }),
    );
    const untested = await runCli(['promote', ...common(), '--approve-record', otherDigest], { env });
    expect(untested.code, untested.stderr).toBe(1);
    expect(untested.stderr).toMatch(/1 image is not the one QA tested .*nothing was changed/);
    expect(untested.stderr).toContain('IMAGE_NOT_TESTED');
    expect(untested.stderr).toMatch(
      /backend: \S+omrs-test\/backend:1 is sha256:[a-f0-9]{64}; QA tested sha256:e{64}/,
    );
    const failedQa = join(dir, 'failed-qa-record.json');
    const smokeFails = await runCli(
      [
        'promote',
        'record',
        '--profile',
        QA,
        '--smoke-url',
        'http://127.0.0.1:1',
        '--smoke-timeout',
        '1s',
        '-o',
        failedQa,
      ],
      { env },
    );
    expect(smokeFails.code, smokeFails.stderr).toBe(1);
    expect(smokeFails.stderr).toMatch(/smoke test of the QA environment \(qa-test\) failed at health/);
    expect(existsSync(failedQa)).toBe(false);

    // prod's gate needs the target database: refused without one.
    const noDb = await runCli(['promote', ...common(), '--approve-record', qaRecord], {
      env: { ...env, OMRS_DB_URL: undefined },
    });
    expect(noDb.code, noDb.stderr).toBe(2);
    expect(noDb.stderr).toContain('PROMOTE_DB_REQUIRED');

    // A tenant database with a generated patient in it (an omrs seed uuid) fails the gate.
    await cloneTemplate(mariadb!, 'openmrs_default');
    try {
      const conn = await connect(mariadb!, 'openmrs_default');
      try {
        const [person] = await conn.query<import('mysql2').ResultSetHeader>(
          "INSERT INTO person (gender, creator, date_created, uuid) VALUES ('F', 1, NOW(), '1b4e28ba-2fa1-51d2-883f-0016d3cca427')",
        );
        await conn.query(
          "INSERT INTO patient (patient_id, creator, date_created, allergy_status) VALUES (?, 1, NOW(), 'Unknown')",
          [person.insertId],
        );
      } finally {
        await conn.end();
      }
      const dirty = await runCli(['promote', ...common(), '--approve-record', qaRecord], { env });
      expect(dirty.code, dirty.stderr).toBe(3);
      expect(dirty.stderr).toMatch(/OMRS-DB-002\s+openmrs_default: patient/);
      expect(dirty.stderr).toMatch(/nothing was changed/);
    } finally {
      await dropDatabase(mariadb!, 'openmrs_default');
    }
    expect(await world()).toEqual(before);
  }, 240_000);
  it('failure injection leaves the live colour serving; promote again converges', async () => {
    expect(await live()).toBe('green');
    // The RDS instance is gone: the snapshot fails.
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: INSTANCE, SkipFinalSnapshot: true }));
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

  it('a new app goes to the idle colour that ran the old one: its Jobs, whose pod template cannot be patched, are made again', async () => {
    expect(await live()).toBe('blue');
    // The same profile (same name, release and namespaces) with another backend build, and QA's
    // record of that build (the API server refuses a patch of a Job's template: the new app digest
    // is one of its labels).
    const app2 = join(dir, 'app2');
    mkdirSync(app2, { recursive: true });
    writeFileSync(
      join(app2, 'promote-test.yaml'),
      `extends: ${resolve(PROFILE)}\nopenmrs:\n  images:\n    backend: omrs-test/backend:2\n`,
    );
    const record = join(dir, 'app2-record.json');
    const qa = await recordOtherApp(record);
    expect(qa.code, qa.stderr).toBe(0);
    const jobsOf = async (colour: string) =>
      (await kc.makeApiClient(k8s.BatchV1Api).listNamespacedJob({ namespace: `${NS}-${colour}` })).items;
    const before = await jobsOf('green');
    expect(before.length).toBeGreaterThan(0);
    const promoted = await runCli(
      [
        'promote',
        '--profile',
        join(app2, 'promote-test.yaml'),
        '--context',
        'omrs-harness',
        '--yes',
        '--lock-file',
        join(dir, 'lock-app2.json'),
        '--records-dir',
        dir,
        '--ready-timeout',
        '60s',
        '--smoke-url',
        smokeUrl,
        '--approve-record',
        record,
      ],
      { env },
    );
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(await live()).toBe('green');
    const appDigest = (JSON.parse(readFileSync(join(dir, 'lock-app2.json'), 'utf8')) as { appDigest: string })
      .appDigest;
    const label = (j: k8s.V1Job) => j.spec?.template.metadata?.labels?.['omrs.dev/app-digest'];
    const after = await jobsOf('green');
    expect(after.map((j) => j.metadata!.name).sort()).toEqual(before.map((j) => j.metadata!.name).sort());
    for (const job of after) {
      expect(label(job)).not.toBe(label(before.find((b) => b.metadata!.name === job.metadata!.name)!));
      expect(appDigest).toContain(label(job)!);
    }
  }, 300_000);
});
