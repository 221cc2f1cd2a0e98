// The backups of a Docker environment: the chart's backup CronJob runs there as a scheduled pod
// (scheduler.ts). Its dumps are on the backup volume, read through `docker exec` in that pod's first
// container (which mounts it); its runs are in the record the scheduler keeps in an emptyDir, whose
// folder is on this machine; `omrs db backup` asks for a run by writing a request there.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import type { ContainerInfo } from 'dockerode';
import { ExitCode, InterruptedError, OmrsError } from '../../errors.js';
import type { Docker } from '../../platform/docker.js';
import {
  LIST_BACKUPS,
  noBackupSchedule,
  parseBackupList,
  pickBackup,
  scheduleStatus,
  stampOf,
  type BackupStatus,
  type ScheduledRun,
} from '../backups.js';
import type { BackupFile, BackupRun } from '../runtime.js';
import { setTimeout as delay } from 'node:timers/promises';
import { listContainers } from './engine.js';
import { execInContainer } from './exec.js';
import { LABEL } from './names.js';
import { SCHEDULE_VOLUME } from './scheduler.js';
import { envDir } from './state.js';

interface Scheduled {
  container: ContainerInfo;
  /** The scheduler's record on this machine (the emptyDir's folder). */
  record: string;
  schedule: string;
  after: string[];
}

/** The env's scheduled backup pod among its containers. */
function scheduledPod(containers: ContainerInfo[], env: string, hostEnv: Record<string, string | undefined>) {
  const container = containers.find(
    (c) =>
      c.Labels[LABEL.role] === 'main' &&
      c.Labels[LABEL.schedule] &&
      /backup/.test(c.Labels[LABEL.service] ?? ''),
  );
  if (!container) return undefined;
  const service = container.Labels[LABEL.service]!;
  return {
    container,
    record: join(envDir(hostEnv, env), 'scratch', service, SCHEDULE_VOLUME),
    schedule: container.Labels[LABEL.schedule]!,
    after: (container.Labels[LABEL.scheduleAfter] ?? '').split(',').filter(Boolean),
  } satisfies Scheduled;
}

async function requirePod(docker: Docker, env: string, hostEnv: Record<string, string | undefined>) {
  const pod = scheduledPod(await listContainers(docker, env), env, hostEnv);
  if (!pod) throw noBackupSchedule(env, 'on this Docker engine');
  if (pod.container.State !== 'running')
    throw new OmrsError({
      code: 'ENV_NOT_RUNNING',
      message: `the backup container of ${env} is ${pod.container.State}`,
      exitCode: ExitCode.failed,
      hint: `Start the environment with \`omrs up --env ${env}\`.`,
    });
  return pod;
}

const lines = async (file: string): Promise<string[]> =>
  (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);

type RecordedRun = ScheduledRun & {
  trigger: string;
  /** When its first step ended, as a dump's id. */
  ended: string;
};

/** The scheduler's runs, newest first, each judged with the steps that run after it. */
async function runsOf(pod: Scheduled): Promise<RecordedRun[]> {
  const after = await Promise.all(pod.after.map((name) => lines(join(pod.record, `after-${name}`))));
  const afterCode = (step: string[], id: string) => step.find((l) => l.startsWith(`${id} `))?.split(' ')[1];
  const runs = (await lines(join(pod.record, 'runs'))).map((line, i, all) => {
    const [id = '', code = '', finished = '', trigger = ''] = line.split(' ');
    const codes = after.map((step) => afterCode(step, id));
    const newest = i === all.length - 1;
    const result =
      code !== '0' || codes.some((c) => c !== undefined && c !== '0')
        ? 'failed'
        : codes.some((c) => c === undefined)
          ? newest
            ? 'running'
            : 'failed'
          : 'succeeded';
    const at = id.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6.000Z');
    return {
      job: id,
      result,
      at,
      trigger,
      ended: stampOf(finished),
      ...(result === 'succeeded' && { finished: new Date(finished).toISOString() }),
    } as RecordedRun;
  });
  return runs.reverse();
}

/**
 * `omrs status`'s backup line for a Docker environment, from its containers; undefined when it has
 * no backup schedule.
 */
export async function composeBackupStatus(
  containers: ContainerInfo[],
  env: string,
  hostEnv: Record<string, string | undefined>,
  now = new Date(),
): Promise<BackupStatus | undefined> {
  const pod = scheduledPod(containers, env, hostEnv);
  if (!pod) return undefined;
  return scheduleStatus(
    {
      name: pod.container.Labels[LABEL.service]!,
      schedule: pod.schedule,
      suspended: false,
      created: new Date(pod.container.Created * 1000),
    },
    await runsOf(pod),
    now,
  );
}

/** `command` in the backup container, its stdout into `out`; rejects with its stderr when it fails. */
async function execInto(docker: Docker, id: string, command: string[], out: Writable): Promise<void> {
  const err = new PassThrough();
  let stderr = '';
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  const { exitCode: code } = await execInContainer(docker, id, command, { out, err });
  if (code !== 0)
    throw new OmrsError({
      code: 'BACKUP_READ_FAILED',
      message: `${command.join(' ')} in the backup container failed (exit ${code ?? '?'}): ${stderr.trim() || 'no output'}`,
      exitCode: ExitCode.failed,
    });
}

async function list(docker: Docker, pod: Scheduled): Promise<BackupFile[]> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  await execInto(docker, pod.container.Id, LIST_BACKUPS, out);
  return parseBackupList(text);
}

export async function composeBackups(
  docker: Docker,
  env: string,
  hostEnv: Record<string, string | undefined>,
): Promise<BackupFile[]> {
  return list(docker, await requirePod(docker, env, hostEnv));
}

export async function composeFetchBackup(
  docker: Docker,
  env: string,
  hostEnv: Record<string, string | undefined>,
  request: { id: string; tenant: string | undefined; file: string },
): Promise<BackupFile> {
  const pod = await requirePod(docker, env, hostEnv);
  const backup = pickBackup(await list(docker, pod), request.id, request.tenant);
  const out = createWriteStream(request.file, { mode: 0o600 });
  const closed = new Promise<void>((resolve, reject) => out.on('close', resolve).on('error', reject));
  try {
    await execInto(docker, pod.container.Id, ['cat', `/backup/${backup.tenant}/${backup.id}.sql.gz`], out);
  } finally {
    out.end();
    await closed;
  }
  return backup;
}

/**
 * Asks the scheduler for a run now and waits until it and the steps after it end: what a Job made
 * from the CronJob is on a cluster (`kubectl create job --from=cronjob/…`).
 */
export async function composeRunBackup(
  docker: Docker,
  env: string,
  deps: { env: Record<string, string | undefined>; signal: AbortSignal; timeoutMs: number },
): Promise<BackupRun> {
  const pod = await requirePod(docker, env, deps.env);
  await stat(pod.record).catch(() => {
    throw noBackupSchedule(env, `(its record ${pod.record} is missing: run \`omrs up\`)`);
  });
  const request = randomBytes(4).toString('hex');
  const file = join(pod.record, 'request');
  await writeFile(`${file}.${request}`, `${request}\n`, { mode: 0o666 });
  await rename(`${file}.${request}`, file);
  const deadline = Date.now() + deps.timeoutMs;
  for (;;) {
    const run = (await runsOf(pod)).find((r) => r.trigger === `request:${request}`);
    if (run && run.result !== 'running') {
      // Its dumps: named by a time within its first step (a scheduled run may have written others).
      const files = (await list(docker, pod)).filter((b) => b.id >= run.job && b.id <= run.ended);
      return { run: run.job, result: run.result, at: run.at, files };
    }
    if (Date.now() > deadline)
      throw new OmrsError({
        code: 'BACKUP_TIMEOUT',
        message: `the backup run of ${env} did not end within ${Math.round(deps.timeoutMs / 1000)} s`,
        exitCode: ExitCode.failed,
        hint: `See its output with \`omrs logs ${pod.container.Labels[LABEL.service]} --env ${env}\`.`,
      });
    await delay(1000, undefined, { signal: deps.signal }).catch(() => {
      throw new InterruptedError('omrs db backup');
    });
  }
}
