// What both runtimes share about the chart's backups: how the dumps on the backup volume are listed
// and picked, and how `omrs status` judges the runs of the schedule. A backup is stale when the last
// run the schedule asked for (the latest time it names before now, less an hour's grace) has no
// successful run after it.
import { CronExpressionParser } from 'cron-parser';
import { ExitCode, OmrsError } from '../errors.js';
import type { BackupFile, StatusResult } from './runtime.js';

export type BackupStatus = NonNullable<StatusResult['backup']>;
export type RunResult = 'succeeded' | 'failed' | 'running';

/** Run in a container that mounts the backup volume at /backup: "<tenant>/<id>.sql.gz <bytes>" lines. */
export const LIST_BACKUPS = [
  'find',
  '/backup',
  '-mindepth',
  '2',
  '-maxdepth',
  '2',
  '-name',
  '*.sql.gz',
  '-printf',
  '%P %s\\n',
];

/** "2026-12-06T08:24:21.000Z" → "20261206T082421Z": the form of a dump's (and a Docker run's) id. */
export const stampOf = (iso: string): string => iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/** The dumps LIST_BACKUPS printed, newest first. */
export function parseBackupList(text: string): BackupFile[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [path = '', size = '0'] = line.split(' ');
      const [tenant = '', file = ''] = path.split('/');
      return { tenant, id: file.replace(/\.sql\.gz$/, ''), bytes: Number(size) };
    })
    .sort((a, b) => b.id.localeCompare(a.id) || a.tenant.localeCompare(b.tenant));
}

/** Backup `id` of `tenant` (or of the one tenant it holds), or an error that lists the choices. */
export function pickBackup(backups: BackupFile[], id: string, tenant: string | undefined): BackupFile {
  const matching = backups.filter((b) => b.id === id && (!tenant || b.tenant === tenant));
  if (matching.length === 1) return matching[0]!;
  throw new OmrsError({
    code: 'BACKUP_NOT_FOUND',
    message:
      matching.length === 0
        ? `no backup ${id}${tenant ? ` of tenant ${tenant}` : ''}`
        : `backup ${id} holds ${matching.length} tenants`,
    exitCode: ExitCode.usage,
    hint:
      matching.length === 0
        ? 'List them with `omrs db backups --env <env>`.'
        : `Pass --tenant with one of: ${matching.map((b) => b.tenant).join(', ')}.`,
  });
}

export const noBackupSchedule = (env: string, where: string): OmrsError =>
  new OmrsError({
    code: 'BACKUP_NOT_FOUND',
    message: `environment ${env} has no backup schedule ${where}`,
    exitCode: ExitCode.usage,
    hint: 'Backups run when the profile sets backup.enabled: true; run `omrs up` after setting it.',
  });

const GRACE_MS = 60 * 60 * 1000;

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

export interface ScheduledRun {
  /** The Job's name on a cluster, the run's id on Docker. */
  job: string;
  result: RunResult;
  /** When it started (ISO). */
  at: string;
  /** When it finished, for a run that succeeded (ISO). */
  finished?: string;
}

/**
 * `omrs status`'s view of a backup schedule: `runs` newest first; `created`: since when the schedule
 * exists (a time it named before that asked for nothing).
 */
export function scheduleStatus(
  what: { name: string; schedule: string; timeZone?: string; suspended: boolean; created: Date },
  runs: ScheduledRun[],
  now: Date,
  lastSuccessfulTime?: string,
): BackupStatus {
  const newest = runs[0];
  const lastSuccess = runs.find((r) => r.result === 'succeeded')?.finished ?? lastSuccessfulTime;
  const due = lastScheduled(what.schedule, what.timeZone, new Date(now.getTime() - GRACE_MS));
  const stale =
    !what.suspended &&
    due !== undefined &&
    due > what.created &&
    (lastSuccess === undefined || new Date(lastSuccess) < due);
  const detail = what.suspended
    ? 'suspended'
    : newest?.result === 'failed'
      ? `the last run ${newest.job} failed`
      : stale
        ? `no successful backup since the run due ${due!.toISOString()}`
        : lastSuccess
          ? `last success ${lastSuccess}`
          : 'no run yet';
  return {
    cronJob: what.name,
    schedule: what.schedule,
    suspended: what.suspended,
    ...(lastSuccess && { lastSuccess }),
    ...(newest && { lastRun: { job: newest.job, result: newest.result, at: newest.at } }),
    stale,
    detail,
  };
}
