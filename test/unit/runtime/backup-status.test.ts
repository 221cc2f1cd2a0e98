// When `omrs status` calls an environment's backups stale or failed: the schedule's last due run
// (cron-parser, in the CronJob's time zone) against the Jobs the CronJob ran.
import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { backupStatus } from '../../../src/runtime/kube/backup-status.js';

const NOW = new Date('2026-12-05T12:00:00Z');
const cron = (spec: Partial<k8s.V1CronJobSpec> = {}, created = '2026-12-01T00:00:00Z'): k8s.V1CronJob => ({
  metadata: { name: 'dev-backup', creationTimestamp: new Date(created) },
  spec: { schedule: '0 2 * * *', jobTemplate: {}, ...spec },
});
const job = (name: string, created: string, result: 'Complete' | 'Failed' | 'running'): k8s.V1Job => ({
  metadata: { name, creationTimestamp: new Date(created) },
  status: {
    startTime: new Date(created),
    ...(result === 'Complete' && { completionTime: new Date(new Date(created).getTime() + 60_000) }),
    conditions: result === 'running' ? [] : [{ type: result, status: 'True' }],
  },
});

describe('backupStatus', () => {
  it('is fresh when a run succeeded after the last due time (02:00 UTC today)', () => {
    const s = backupStatus(cron(), [job('b-1', '2026-12-05T02:00:05Z', 'Complete')], NOW);
    expect(s).toMatchObject({ stale: false, lastSuccess: '2026-12-05T02:01:05.000Z' });
    expect(s.lastRun).toEqual({ job: 'b-1', result: 'succeeded', at: '2026-12-05T02:00:05.000Z' });
  });

  it('is stale when the last success is from the day before the due run', () => {
    const s = backupStatus(cron(), [job('b-0', '2026-12-04T02:00:05Z', 'Complete')], NOW);
    expect(s.stale).toBe(true);
    expect(s.detail).toBe('no successful backup since the run due 2026-12-05T02:00:00.000Z');
  });

  it('names a failed newest run, and is stale when nothing succeeded since', () => {
    const s = backupStatus(
      cron(),
      [job('b-0', '2026-12-04T02:00:05Z', 'Complete'), job('b-1', '2026-12-05T02:00:05Z', 'Failed')],
      NOW,
    );
    expect(s).toMatchObject({ stale: true, detail: 'the last run b-1 failed' });
    expect(s.lastRun?.result).toBe('failed');
  });

  it('asks nothing of a CronJob made after the last due time, or a suspended one', () => {
    expect(backupStatus(cron({}, '2026-12-05T09:00:00Z'), [], NOW)).toMatchObject({
      stale: false,
      detail: 'no run yet',
    });
    expect(backupStatus(cron({ suspend: true }), [], NOW)).toMatchObject({
      stale: false,
      detail: 'suspended',
    });
  });

  it('reads the schedule in the CronJob’s time zone', () => {
    // 02:00 in Nairobi is 23:00 UTC the day before: a success at 23:01 UTC on the 4th is fresh.
    const s = backupStatus(
      cron({ timeZone: 'Africa/Nairobi' }),
      [job('b-1', '2026-12-04T23:00:10Z', 'Complete')],
      NOW,
    );
    expect(s.stale).toBe(false);
  });
});
