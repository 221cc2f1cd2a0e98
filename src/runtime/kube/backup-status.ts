// The backups of an environment on a cluster, as `omrs status` tells them: the chart's backup
// CronJob and the Jobs it ran. A backup is stale when the last run the schedule asked for (the
// latest time it names before now, less an hour's grace) has no successful Job after it.
import type * as k8s from '@kubernetes/client-node';
import { CronExpressionParser } from 'cron-parser';
import type { StatusResult } from '../runtime.js';

/** lastSuccess: when the last Job that succeeded finished; lastRun: the newest Job; stale: the
 * schedule asked for a run that has not succeeded. */
export type BackupStatus = NonNullable<StatusResult['backup']>;

const GRACE_MS = 60 * 60 * 1000;

const jobResult = (job: k8s.V1Job): 'succeeded' | 'failed' | 'running' => {
  const conditions = job.status?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return 'succeeded';
  if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'failed';
  return 'running';
};

const iso = (d: Date | string | undefined): string | undefined =>
  d === undefined ? undefined : new Date(d).toISOString();

/** The last time the schedule fired before `now` (undefined for a schedule cron-parser refuses). */
function lastScheduled(schedule: string, timeZone: string | undefined, now: Date): Date | undefined {
  try {
    return CronExpressionParser.parse(schedule, { currentDate: now, tz: timeZone ?? 'UTC' })
      .prev()
      .toDate();
  } catch {
    return undefined;
  }
}

export function backupStatus(cron: k8s.V1CronJob, jobs: k8s.V1Job[], now: Date): BackupStatus {
  const schedule = cron.spec?.schedule ?? '';
  const created = cron.metadata?.creationTimestamp ? new Date(cron.metadata.creationTimestamp) : now;
  const ordered = [...jobs].sort(
    (a, b) =>
      new Date(b.metadata?.creationTimestamp ?? 0).getTime() -
      new Date(a.metadata?.creationTimestamp ?? 0).getTime(),
  );
  const newest = ordered[0];
  const succeeded = ordered.filter((j) => jobResult(j) === 'succeeded');
  const lastSuccess = iso(
    succeeded[0]?.status?.completionTime ?? cron.status?.lastSuccessfulTime ?? undefined,
  );
  const due = lastScheduled(schedule, cron.spec?.timeZone, new Date(now.getTime() - GRACE_MS));
  // A schedule that has not fired since the CronJob was made asks for nothing yet.
  const stale =
    cron.spec?.suspend !== true &&
    due !== undefined &&
    due > created &&
    (lastSuccess === undefined || new Date(lastSuccess) < due);
  const lastRun = newest && {
    job: newest.metadata?.name ?? '',
    result: jobResult(newest),
    at: iso(newest.status?.startTime ?? newest.metadata?.creationTimestamp) ?? '',
  };
  const detail = cron.spec?.suspend
    ? 'suspended'
    : lastRun?.result === 'failed'
      ? `the last run ${lastRun.job} failed`
      : stale
        ? `no successful backup since the run due ${due!.toISOString()}`
        : lastSuccess
          ? `last success ${lastSuccess}`
          : 'no run yet';
  return {
    cronJob: cron.metadata?.name ?? '',
    schedule,
    suspended: cron.spec?.suspend === true,
    ...(lastSuccess && { lastSuccess }),
    ...(lastRun && { lastRun }),
    stale,
    detail,
  };
}
