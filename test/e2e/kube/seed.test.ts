// `omrs seed --env` and `omrs db snapshot|restore --env` on the harness cluster: omrs finds the
// tenant's backend, reads its database login from the Deployment and its Secret, and reaches the
// database pod through the API server's pods/portforward. kwok forwards a pod's 3306 to the harness
// MariaDB on the host (state.databaseForwardTarget), where this test plays the chart's init Job:
// it creates the tenant's database (a clone of the OpenMRS 2.8 template) and user.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/events/bus.js';
import { connect as connectCluster } from '../../../src/runtime/kube/connect.js';
import { kubeSource } from '../../../src/runtime/kube/dashboard-source.js';
import { requireEngine } from '../../helpers/engines.js';
import { cloneTemplate, connect, dropDatabase } from '../../helpers/mariadb.js';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { admin, HELM, KUBE_PROFILE, project, removeNamespace, type Admin } from './cluster.js';

const kube = requireEngine('kube');
const mariadb = requireEngine('mariadb');

describe.skipIf(!kube || !mariadb)(
  'omrs seed and omrs db on a cluster environment (port-forward to the database pod)',
  () => {
    const tenant = `ks${process.pid % 100000}`;
    const env = `ks${process.pid % 10000}`;
    const namespace = `omrs-${env}`;
    const database = `openmrs_${tenant}`;
    const user = `omrs_${tenant}`;
    let a: Admin;
    let proj: { root: string; remove: () => void };
    const cli = (argv: string[], cwd = proj.root): Promise<CliRun> =>
      runCli(argv, { cwd, env: { KUBECONFIG: kube!.kubeconfig, OMRS_HELM: HELM, CI: 'true' } });
    const patients = async (): Promise<number> => {
      const conn = await connect(mariadb!, database);
      try {
        const [[row]] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM patient');
        return Number(row!.n);
      } finally {
        await conn.end();
      }
    };

    beforeAll(async () => {
      if (!kube!.databaseForwardTarget)
        throw new Error(
          'state/kube.json has no databaseForwardTarget: run `bash test/harness/engines/kube.sh up`',
        );
      a = admin(kube!);
      proj = project(kube!, { ks: KUBE_PROFILE(kube!.context, `tenants:\n  - name: ${tenant}\n`) });
      const up = await cli(['up', '--profile', 'ks', '--runtime', 'kube', '--env', env]);
      expect(up.code, up.stderr).toBe(0);

      // The init Job's work, on the server the database pod's port leads to.
      const secretName = (
        await a.apps.readNamespacedDeployment({ name: `${env}-backend-${tenant}`, namespace })
      ).spec!.template.spec!.containers[0]!.env!.find((v) => v.name === 'OMRS_DB_PASSWORD')!.valueFrom!
        .secretKeyRef!.name!;
      const secret = await a.core.readNamespacedSecret({ name: secretName, namespace });
      const password = Buffer.from(secret.data!.password!, 'base64').toString('utf8');
      await cloneTemplate(mariadb!, database);
      const conn = await connect(mariadb!);
      try {
        await conn.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, '127.0.0.1', password]);
        await conn.query(`GRANT ALL PRIVILEGES ON \`${database}\`.* TO ?@?`, [user, '127.0.0.1']);
      } finally {
        await conn.end();
      }
    }, 240_000);

    afterAll(async () => {
      if (a) await removeNamespace(a, namespace);
      if (mariadb) {
        await dropDatabase(mariadb, database);
        const conn = await connect(mariadb);
        await conn.query('DROP USER IF EXISTS ?@?', [user, '127.0.0.1']).finally(() => conn.end());
      }
      proj?.remove();
    }, 120_000);

    it('seeds the tenant database through the port-forward, with the login of its backend', async () => {
      expect(await patients()).toBe(0);
      const args = [
        '--patients',
        '6',
        '--visits-per-patient',
        '1',
        '--encounters-per-visit',
        '1',
        '--obs-per-encounter',
        '1',
      ];
      const run = await cli([
        'seed',
        '--profile',
        'ks',
        '--runtime',
        'kube',
        '--env',
        env,
        ...args,
        '--json',
      ]);
      expect(run.code, run.stderr.slice(-2000)).toBe(0);
      const result = JSON.parse(run.stdout) as {
        status: string;
        runId: string;
        target: string;
        tenant: string | null;
      };
      expect(result.status).toBe('seeded');
      expect(result.target).toMatch(new RegExp(`^mysql://${user}@127\\.0\\.0\\.1:\\d+/${database}$`));
      expect(await patients()).toBe(6);

      const status = await cli([
        'seed',
        '--profile',
        'ks',
        '--runtime',
        'kube',
        '--env',
        env,
        '--status',
        '--json',
      ]);
      expect(status.code, status.stderr.slice(-2000)).toBe(0);
      expect((JSON.parse(status.stdout) as { runs: { runId: string }[] }).runs.map((r) => r.runId)).toEqual([
        result.runId,
      ]);
    });

    it('snapshots and restores the tenant database through the port-forward', async () => {
      const base = ['--profile', 'ks', '--runtime', 'kube', '--env', env, '--json'];
      const snap = await cli(['db', 'snapshot', 'before-purge', ...base]);
      expect(snap.code, snap.stderr.slice(-2000)).toBe(0);
      const purge = await cli(['seed', '--purge', ...base]);
      expect(purge.code, purge.stderr.slice(-2000)).toBe(0);
      expect(await patients()).toBe(0);
      const restore = await cli(['db', 'restore', 'before-purge', ...base]);
      expect(restore.code, restore.stderr.slice(-2000)).toBe(0);
      expect(await patients()).toBe(6);
    });

    it('omrs up with the seed step enabled seeds every tenant, and the dashboard seeds again with nothing to add', async () => {
      const seeded = `${KUBE_PROFILE(kube!.context, `tenants:\n  - name: ${tenant}\n`)}`.replace(
        'seed:\n  enabled: false',
        'seed:\n  enabled: true\n  seed: 11\n  counts: { patients: 4, visitsPerPatient: 1, encountersPerVisit: 1, obsPerEncounter: 1 }',
      );
      writeFileSync(join(proj.root, 'profiles', 'ks-seeded.yaml'), seeded);
      const before = await patients();
      const up = await cli(['up', '--profile', 'ks-seeded', '--runtime', 'kube', '--env', env, '--json']);
      expect(up.code, up.stderr.slice(-2000)).toBe(0);
      expect((JSON.parse(up.stdout) as { seeded?: string[] }).seeded).toEqual([
        expect.stringMatching(new RegExp(`^${tenant}: seeded \\d+ rows \\(seed 11, small\\)$`)),
      ]);
      expect(await patients()).toBe(before + 4);

      const noSeed = await cli([
        'up',
        '--profile',
        'ks-seeded',
        '--runtime',
        'kube',
        '--env',
        env,
        '--no-seed',
        '--json',
      ]);
      expect(noSeed.code, noSeed.stderr.slice(-2000)).toBe(0);
      expect((JSON.parse(noSeed.stdout) as { seeded?: string[] }).seeded).toBeUndefined();

      const bus = new EventBus();
      const deps = {
        cwd: proj.root,
        env: { ...process.env, KUBECONFIG: kube!.kubeconfig, OMRS_HELM: HELM },
        events: bus,
        signal: new AbortController().signal,
      };
      const source = kubeSource({
        target: await connectCluster({ env, profile: 'ks-seeded' }, deps, 'open'),
        bus,
        env: deps.env,
        cwd: proj.root,
        signal: deps.signal,
      });
      try {
        expect(await source.seed()).toBe(`${tenant}: already seeded (seed 11, small)`);
      } finally {
        source.close?.();
      }
      expect(await patients()).toBe(before + 4);
    });

    it('Ctrl-C during the seed step of omrs up on a cluster: exit 130, the next up resumes the run', async () => {
      const seeded = `${KUBE_PROFILE(kube!.context, `tenants:\n  - name: ${tenant}\n`)}`.replace(
        'seed:\n  enabled: false',
        'seed:\n  enabled: true\n  seed: 12\n  counts: { patients: 3, visitsPerPatient: 1, encountersPerVisit: 1, obsPerEncounter: 1 }',
      );
      writeFileSync(join(proj.root, 'profiles', 'ks-seeded-12.yaml'), seeded);
      const before = await patients();
      const args = ['up', '--profile', 'ks-seeded-12', '--runtime', 'kube', '--env', env, '--json'];
      const controller = new AbortController();
      const stopped = await runCli(args, {
        cwd: proj.root,
        env: { KUBECONFIG: kube!.kubeconfig, OMRS_HELM: HELM, CI: 'true' },
        signal: controller.signal,
        // The patients are written (one chunk): Ctrl-C now, before the users and the done mark.
        onStderr: (text) => {
          if (!controller.signal.aborted && /"type":"progress","step":"seed:patient"/.test(text))
            controller.abort();
        },
      });
      expect(controller.signal.aborted).toBe(true);
      expect(stopped.code, stopped.stderr.slice(-2000)).toBe(130);
      expect(JSON.parse(stopped.stdout)).toMatchObject({ error: { code: 'INTERRUPTED' } });

      const again = await cli(args);
      expect(again.code, again.stderr.slice(-2000)).toBe(0);
      expect(again.stderr).toMatch(/resuming interrupted seed run/);
      expect(await patients()).toBe(before + 3);
    });

    it('names the tenants when asked for one the environment does not have (exit 2)', async () => {
      const run = await cli([
        'seed',
        '--profile',
        'ks',
        '--runtime',
        'kube',
        '--env',
        env,
        '--tenant',
        'nowhere',
        '--status',
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`has no tenant nowhere`);
      expect(run.stderr).toContain(`--tenant with one of: ${tenant}`);
    });

    it('refuses a context the profile does not name, before any API call', async () => {
      const run = await cli([
        'seed',
        '--profile',
        'ks',
        '--runtime',
        'kube',
        '--env',
        env,
        '--context',
        'elsewhere',
        '--status',
      ]);
      expect(run.code).not.toBe(0);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/--context elsewhere does not match the context of the profile/);
    });
  },
);
