// Backups on Docker (issue 17): the chart's backup CronJob runs as a scheduled pod on the real
// engine. `omrs db backup` asks it for a run now, the dump lands on the backup volume, `omrs db
// backups` lists it, and `omrs db restore --from-backup` loads it into a fresh database on the
// harness MariaDB with every table's checksum equal to the environment's own; the schedule itself
// runs the next minute; a run that cannot dump fails, and `omrs status` says so. The backup volume
// is writable for the pod's non-root user because omrs gives it to the pod's fsGroup, as the kubelet
// does: on the volume's folder here (omrs as root), else in a container, tested on its own below.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEngine } from '../../helpers/engines.js';
import type { RawObject } from '../../../src/render/kube-spec.js';
import { translate } from '../../../src/runtime/compose/translate.js';
import { groupInContainer } from '../../../src/runtime/compose/volume-group.js';
import { composeEngines, docker, omrs, PROFILE, sqlInDb, until } from './helpers.js';

const { ready } = composeEngines();
const mariadb = requireEngine('mariadb');
const ENV = `bk-${process.pid}`;

interface BackupStatus {
  schedule: string;
  lastRun?: { job: string; result: string; at: string };
  lastSuccess?: string;
  stale: boolean;
  detail: string;
}

describe.skipIf(!ready || !mariadb)('backups on Docker (compose runtime)', () => {
  const project = mkdtempSync(join(tmpdir(), 'omrs-e2e-backup-'));
  const profile = join(project, 'backup.yaml');
  const cli = (...args: string[]) => omrs([...args, '--env', ENV], { cwd: project });
  const status = async (): Promise<BackupStatus> => {
    const run = await cli('status', '--json');
    expect(run.code, run.stderr).toBe(0);
    return (JSON.parse(run.stdout) as { backup: BackupStatus }).backup;
  };
  const server = () =>
    `mysql://${mariadb!.user}:${encodeURIComponent(mariadb!.password)}@${mariadb!.host}:${mariadb!.port}`;
  const fresh = `omrs_bk_${process.pid}`;
  let requested = '';

  beforeAll(async () => {
    writeFileSync(
      profile,
      `extends: ${PROFILE}
description: compose-test with a backup every minute
backup:
  enabled: true
  schedule: "* * * * *"
  retentionDays: 3
`,
    );
    const up = await cli('up', '--profile', profile, '--json');
    expect(up.code, up.stderr).toBe(0);
    const seeded = await cli('seed', '--size', 'small', '--seed', '5', '--json');
    expect(seeded.code, seeded.stderr).toBe(0);
  }, 240_000);

  afterAll(async () => {
    await cli('down', '--volumes');
    const conn = await mysql.createConnection(server()).catch(() => undefined);
    await conn?.query(`DROP DATABASE IF EXISTS \`${fresh}\``);
    await conn?.end();
    rmSync(project, { recursive: true, force: true });
  });

  it('runs a backup when asked, lists it, and restores it elsewhere with identical checksums', async () => {
    expect(await status()).toMatchObject({ schedule: '* * * * *', stale: false });

    const run = await cli('db', 'backup', '--json');
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as {
      run: string;
      result: string;
      files: { tenant: string; id: string }[];
    };
    expect(result).toMatchObject({ result: 'succeeded', run: expect.stringMatching(/^\d{8}T\d{6}Z$/) });
    expect(result.files).toEqual([expect.objectContaining({ tenant: 'default' })]);
    requested = result.run;
    // The schedule runs every minute from the start, so a scheduled run may come after this one.
    expect(await status()).toMatchObject({ lastSuccess: expect.any(String), stale: false });

    const logs = await cli('logs', 'backup');
    expect(logs.stdout).toMatch(
      /omrs: backup of default \(openmrs_default\) written to \/backup\/default\/\d{8}T\d{6}Z\.sql\.gz \(\d{4,} bytes\)/,
    );

    const listed = await cli('db', 'backups', '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const backup = (JSON.parse(listed.stdout) as { backups: { tenant: string; id: string }[] }).backups.find(
      (b) => b.id === result.files[0]!.id,
    );
    expect(backup).toEqual(expect.objectContaining({ tenant: 'default' }));

    const restored = await cli(
      'db',
      'restore',
      '--from-backup',
      backup!.id,
      '--db',
      `${server()}/${fresh}`,
      '--json',
    );
    expect(restored.code, restored.stderr).toBe(0);

    const tables = (
      await sqlInDb(
        ENV,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'openmrs_default' ORDER BY 1",
      )
    )
      .trim()
      .split('\n');
    expect(tables.length).toBeGreaterThan(100);
    const want = (await sqlInDb(ENV, `CHECKSUM TABLE ${tables.join(', ')}`))
      .trim()
      .split('\n')
      .map((line) => line.replace(/^openmrs_default\./, '').replace(/\t/, '='));
    const conn = await mysql.createConnection(`${server()}/${fresh}`);
    try {
      const [rows] = await conn.query(`CHECKSUM TABLE ${tables.map((t) => `\`${t}\``).join(', ')}`);
      const got = (rows as { Table: string; Checksum: number }[]).map(
        (r) => `${r.Table.split('.')[1]}=${r.Checksum}`,
      );
      expect(got).toEqual(want);
    } finally {
      await conn.end();
    }
  }, 240_000);

  it("gives a new volume to the pod's fsGroup in a root container of its image, when this machine cannot reach the volume's folder", async () => {
    const volume = `omrs-fsgroup-${process.pid}`;
    await docker.createVolume({ Name: volume });
    const pod: RawObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'w' },
      spec: {
        template: {
          spec: {
            securityContext: { fsGroup: 4321 },
            containers: [
              { name: 'w', image: 'omrs-test/mariadb:10.11', volumeMounts: [{ name: 'v', mountPath: '/v' }] },
            ],
            volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'v' } }],
          },
        },
      },
    };
    const [service] = translate([pod], { env: 'fsg', gatewayPort: 1 }).services;
    const stat = async () => {
      const c = await docker.createContainer({
        Image: 'omrs-test/mariadb:10.11',
        Entrypoint: ['stat', '-c', '%U:%g %A', '/v'],
        HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/v' }] },
      });
      try {
        await c.start();
        await c.wait();
        return ((await c.logs({ stdout: true })) as unknown as Buffer).subarray(8).toString().trim();
      } finally {
        await c.remove({ force: true });
      }
    };
    try {
      expect(await stat()).toBe('root:0 drwxr-xr-x');
      const signal = new AbortController().signal;
      await groupInContainer(docker, service!, [volume], { name: `${volume}-helper`, labels: {}, signal });
      expect(await stat()).toBe('root:4321 drwxrwsr-x');
      expect(await docker.listContainers({ all: true, filters: { name: [`${volume}-helper`] } })).toEqual([]);
    } finally {
      await docker.getVolume(volume).remove();
    }
  });

  it('fails a run that cannot dump, and status names it', async () => {
    await sqlInDb(ENV, 'DROP DATABASE openmrs_default');
    const run = await cli('db', 'backup');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/BACKUP_FAILED.*backup run \d{8}T\d{6}Z failed/s);
    // A scheduled run may have failed after it: status names the last run, which failed either way.
    const last = (await status()).lastRun!;
    expect(last).toMatchObject({ result: 'failed' });
    expect(last.job >= /backup run (\S+) failed/.exec(run.stderr)![1]!).toBe(true);
    const text = await cli('status');
    expect(text.stdout).toMatch(/backup \(\* \* \* \* \*\): the last run \d{8}T\d{6}Z failed/);
    expect((await cli('logs', 'backup')).stdout).toMatch(
      /omrs: backup of default \(openmrs_default\) FAILED: mariadb-dump exited [1-9]/,
    );
  }, 120_000);

  it('runs on its schedule without being asked', async () => {
    // Every minute since the pod started (last here, so the wait overlaps the tests above; the
    // database is gone by now, so the run may fail: that it ran on its own is what counts).
    const scheduled = await until(
      'a scheduled run that ended',
      async () => {
        const logs = (await cli('logs', 'backup')).stdout;
        const id = /omrs: run (\S+) \(schedule\)/.exec(logs)?.[1];
        return id && new RegExp(`omrs: run ${id} exited \\d+`).test(logs) ? id : undefined;
      },
      90_000,
      2000,
    );
    expect(scheduled).not.toBe(requested);
  }, 120_000);
});
