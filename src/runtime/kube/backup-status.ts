// The backups of an environment on a cluster, as `omrs status` tells them: the chart's backup
// CronJob and the Jobs it ran (or `omrs db backup` made from it), judged by runtime/backups.ts.
import type * as k8s from '@kubernetes/client-node';
import { scheduleStatus, type BackupStatus, type RunResult } from '../backups.js';

export type { BackupStatus };

export const jobResult = (job: k8s.V1Job): RunResult => {
  const conditions = job.status?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return 'succeeded';
  if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'failed';
  return 'running';
};

const iso = (d: Date | string | undefined): string | undefined =>
  d === undefined ? undefined : new Date(d).toISOString();

export function backupStatus(cron: k8s.V1CronJob, jobs: k8s.V1Job[], now: Date): BackupStatus {
  const runs = [...jobs]
    .sort(
      (a, b) =>
        new Date(b.metadata?.creationTimestamp ?? 0).getTime() -
        new Date(a.metadata?.creationTimestamp ?? 0).getTime(),
    )
    .map((job) => {
      const finished = iso(job.status?.completionTime);
      return {
        job: job.metadata?.name ?? '',
        result: jobResult(job),
        at: iso(job.status?.startTime ?? job.metadata?.creationTimestamp) ?? '',
        ...(finished && { finished }),
      };
    });
  return scheduleStatus(
    {
      name: cron.metadata?.name ?? '',
      schedule: cron.spec?.schedule ?? '',
      ...(cron.spec?.timeZone && { timeZone: cron.spec.timeZone }),
      suspended: cron.spec?.suspend === true,
      created: cron.metadata?.creationTimestamp ? new Date(cron.metadata.creationTimestamp) : now,
    },
    runs,
    now,
    iso(cron.status?.lastSuccessfulTime ?? undefined),
  );
}
