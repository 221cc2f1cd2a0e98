// A CronJob on compose: the translation into one scheduled pod, the profile's schedule check, and
// the scheduler's own minute matcher run by the real /bin/sh (the same script the containers run).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CronExpressionParser } from 'cron-parser';
import { normaliseSchedule } from '../../../src/profile/cron.js';
import type { RawObject } from '../../../src/render/kube-spec.js';
import { SCHEDULER_SCRIPT } from '../../../src/runtime/compose/scheduler.js';
import { exportDocument } from '../../../src/runtime/compose/export-document.js';
import { translate } from '../../../src/runtime/compose/translate.js';
import { groupVolumes } from '../../../src/runtime/compose/volume-group.js';

const cronJob = (schedule: string, suspend = false): RawObject => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'dev-backup', labels: { 'app.kubernetes.io/instance': 'dev' } },
  spec: {
    schedule,
    suspend,
    jobTemplate: {
      spec: {
        template: {
          metadata: { labels: { 'app.kubernetes.io/component': 'backup' } },
          spec: {
            restartPolicy: 'Never',
            securityContext: { fsGroup: 10101 },
            initContainers: [
              {
                name: 'dump',
                image: 'mariadb:10.11.7',
                command: ['/bin/sh', '/opt/omrs/backup.sh'],
                volumeMounts: [{ name: 'backup', mountPath: '/backup' }],
              },
            ],
            containers: [
              {
                name: 'upload',
                image: 'aws-cli',
                command: ['aws', 's3', 'sync', '/backup', 's3://b/p'],
                volumeMounts: [{ name: 'backup', mountPath: '/backup', readOnly: true }],
              },
            ],
            volumes: [{ name: 'backup', persistentVolumeClaim: { claimName: 'dev-backup' } }],
          },
        },
      },
    },
  },
});

describe('a CronJob on compose', () => {
  it('runs as one pod whose steps wait for the schedule: init containers first, each given the run record', () => {
    const [service, ...others] = translate([cronJob('30 2 * * MON-fri')], {
      env: 'dev',
      gatewayPort: 1,
    }).services;
    expect(others).toEqual([]);
    expect(service).toMatchObject({
      name: 'backup',
      source: 'CronJob/dev-backup',
      kind: 'CronJob',
      replicas: 1,
      schedule: '30 2 * * 1-5',
      initContainers: [],
    });
    const [dump, upload] = service!.containers;
    expect(dump!.entrypoint).toEqual([
      '/bin/sh',
      '-c',
      SCHEDULER_SCRIPT,
      'omrs-schedule',
      '30 2 * * 1-5',
      'first',
      '/bin/sh',
      '/opt/omrs/backup.sh',
    ]);
    expect(upload!.entrypoint!.slice(4)).toEqual([
      '30 2 * * 1-5',
      'after:upload',
      'aws',
      's3',
      'sync',
      '/backup',
      's3://b/p',
    ]);
    for (const c of [dump!, upload!]) {
      expect(c.mounts).toContainEqual({
        type: 'emptyDir',
        volume: 'omrs-schedule',
        target: '/run/omrs-schedule',
      });
      expect(c.mounts).toContainEqual(expect.objectContaining({ type: 'volume', source: 'omrs-dev-backup' }));
    }
  });

  it('gives the backup volume to the pod’s fsGroup, on up and in the export, and never a read-only one', () => {
    const plan = translate([cronJob('@daily')], { env: 'dev', gatewayPort: 1 });
    expect(plan.services[0]!.fsGroup).toBe(10101);
    expect(groupVolumes(plan.services[0]!)).toEqual(['omrs-dev-backup']);
    const doc = exportDocument(plan, {
      configDir: './dev',
      profile: 'dev',
      appDigest: 'sha256:0',
    });
    expect(doc.prepareScript).toContain(
      '[ "$(stat -c %g /omrs/backup)" = 10101 ] || { chgrp 10101 /omrs/backup && chmod g+rwxs /omrs/backup; }',
    );
    expect(doc.compose.services.prepare).toMatchObject({ cap_add: expect.arrayContaining(['FSETID']) });
    const readOnly = structuredClone(plan.services[0]!);
    for (const c of readOnly.containers) for (const m of c.mounts) if (m.type === 'volume') m.readOnly = true;
    expect(groupVolumes(readOnly)).toEqual([]);
  });

  it('runs nothing while suspended, and refuses a schedule it cannot read', () => {
    expect(translate([cronJob('@daily', true)], { env: 'dev', gatewayPort: 1 }).services[0]).toMatchObject({
      replicas: 0,
      schedule: '0 0 * * *',
    });
    expect(() => translate([cronJob('0 2 * *')], { env: 'dev', gatewayPort: 1 })).toThrow(
      /cannot express the schedule "0 2 \* \*" \(must be five fields/,
    );
  });
});

describe('the profile schedule', () => {
  it('reads what Kubernetes reads and says which field is wrong', () => {
    expect(normaliseSchedule('@hourly')).toEqual({ fields: '0 * * * *' });
    expect(normaliseSchedule(' */15 1-5/2 ? jan,Jul sun ')).toEqual({ fields: '*/15 1-5/2 * 1,7 0' });
    expect(normaliseSchedule('0 24 * * *')).toEqual({
      error: expect.stringContaining('the hour field "24" is not valid'),
    });
    expect(normaliseSchedule('0 2 * * mon-sun')).toMatchObject({
      error: expect.stringContaining('day of week'),
    });
    expect(normaliseSchedule('TZ=UTC 0 2 * * *')).toMatchObject({
      error: expect.stringContaining('time zone'),
    });
    expect(normaliseSchedule('@often')).toMatchObject({ error: expect.stringContaining('unknown macro') });
    expect(normaliseSchedule('*/0 * * * *')).toMatchObject({ error: expect.stringContaining('minute') });
  });
});

describe("the scheduler's matcher, in /bin/sh", () => {
  // Every minute of a stretch against cron-parser's answer for the same schedule.
  const dueInSh = (fields: string, minutes: Date[]): boolean[] => {
    const lines = minutes
      .map((d) => {
        const p = (n: number) => String(n).padStart(2, '0');
        const args = [d.getUTCMinutes(), d.getUTCHours(), d.getUTCDate(), d.getUTCMonth() + 1].map(p);
        // A subshell per minute runs the script's text with its arguments (no new sh to exec).
        return `( set -- '${fields}' due ${args.join(' ')} ${d.getUTCDay()}; eval "$S" ) && echo 1 || echo 0`;
      })
      .join('\n');
    return execFileSync('/bin/sh', ['-c', lines], { env: { S: SCHEDULER_SCRIPT, PATH: process.env.PATH } })
      .toString()
      .trim()
      .split('\n')
      .map((l) => l === '1');
  };

  it.each([
    '*/15 * * * *',
    '0 2 * * *',
    '5-10/2 8-9 * * *',
    '0 0 1,15 * 0',
    '30 * * * 7',
    '0 12 * 2-3 1-5',
    '0 6 29 2 *',
  ])(
    'agrees with cron-parser on "%s"',
    (schedule) => {
      const fields = (normaliseSchedule(schedule) as { fields: string }).fields;
      // From 2028-01-31 00:00 UTC (month ends, a leap day, Sundays): 300 minutes spread over years,
      // and cron-parser's next 100 runs with the minute before and after each.
      const start = Date.UTC(2028, 0, 31);
      const spread = Array.from({ length: 300 }, (_, i) => start + i * 28_807 * 60_000 - (i % 7) * 60_000);
      const runs = CronExpressionParser.parse(fields, { currentDate: new Date(start), tz: 'UTC' })
        .take(100)
        .flatMap((d) => [-60_000, 0, 60_000].map((delta) => d.getTime() + delta));
      const minutes = [...spread, ...runs].map((t) => new Date(t));
      const want = minutes.map((d) => {
        const prev = CronExpressionParser.parse(fields, {
          currentDate: new Date(d.getTime() + 1000),
          tz: 'UTC',
        })
          .prev()
          .getTime();
        return prev === d.getTime();
      });
      expect(dueInSh(fields, minutes)).toEqual(want);
      // 600 subshells: about a second alone, past vitest's 5 s beside CI's other lanes.
    },
    30_000,
  );
});
