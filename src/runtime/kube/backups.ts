// The backups the chart's CronJob wrote on the claim `<release>-backup`, read from this machine: a
// short-lived pod of the backup job's own spec (its image, user and volumes) mounts the claim, and
// `cat` through the API server's exec streams a dump out. No shell on the nodes, no kubectl.
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';
import { ExitCode, InterruptedError, OmrsError } from '../../errors.js';
import { api, isNotFound, type KubeClient } from './client.js';
import type { BackupFile, BackupRun } from '../runtime.js';
import { jobResult } from './backup-status.js';
import type { Target } from './connect.js';
import { LIST_BACKUPS, parseBackupList, pickBackup, stampOf } from '../backups.js';

/** What reading the backups needs of a connected environment. */
type BackupTarget = Pick<Target, 'client' | 'namespace' | 'env'>;

const READY_MS = 120_000;

async function backupCronJob(t: BackupTarget): Promise<k8s.V1CronJob> {
  const list = await api('list cronjobs', t.client.context, () =>
    t.client.batch.listNamespacedCronJob({
      namespace: t.namespace,
      labelSelector: `app.kubernetes.io/instance=${t.env},app.kubernetes.io/component=backup`,
    }),
  );
  const cron = list.items[0];
  if (!cron)
    throw new OmrsError({
      code: 'BACKUP_NOT_FOUND',
      message: `environment ${t.env} has no backup CronJob in namespace ${t.namespace}`,
      exitCode: ExitCode.usage,
      hint: 'Backups run when the profile sets backup.enabled: true (on clusters).',
    });
  return cron;
}

/** Runs `fn` with a pod that mounts the backup claim (the dump container's spec, sleeping). */
async function withReader<T>(
  t: BackupTarget,
  fn: (pod: string, container: string) => Promise<T>,
): Promise<T> {
  const { client, namespace } = t;
  const template = (await backupCronJob(t)).spec!.jobTemplate.spec!.template;
  const spec = template.spec!;
  const dump = (spec.initContainers ?? []).concat(spec.containers).find((c) => c.name === 'dump')!;
  const name = `${t.env}-backup-read-${randomBytes(3).toString('hex')}`.slice(0, 63);
  const pod: k8s.V1Pod = {
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/instance': t.env, 'app.kubernetes.io/component': 'backup-reader' },
    },
    spec: {
      ...spec,
      initContainers: [],
      containers: [{ ...dump, command: ['sleep', '600'], args: [] }],
      restartPolicy: 'Never',
      activeDeadlineSeconds: 900,
    },
  };
  await api('create the backup reader pod', client.context, () =>
    client.core.createNamespacedPod({ namespace, body: pod }),
  );
  try {
    const deadline = Date.now() + READY_MS;
    for (;;) {
      const p = await client.core.readNamespacedPod({ name, namespace });
      if (p.status?.phase === 'Running') break;
      if (p.status?.phase === 'Failed' || Date.now() > deadline)
        throw new OmrsError({
          code: 'BACKUP_READ_FAILED',
          message: `the pod that reads the backups (${name}) did not start: ${p.status?.phase ?? 'unknown'}`,
          exitCode: ExitCode.failed,
          hint: `See \`kubectl -n ${namespace} describe pod ${name}\` while it exists.`,
        });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return await fn(name, dump.name);
  } finally {
    await client.core
      .deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 })
      .catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
  }
}

/** `command` in the reader pod, its stdout into `out`; rejects with its stderr when it fails. */
async function execInto(
  client: KubeClient,
  where: { namespace: string; pod: string; container: string },
  command: string[],
  out: Writable,
): Promise<void> {
  const exec = new client.k8s.Exec(client.config);
  let stderr = '';
  const err = new Writable({
    write(chunk: Buffer, _encoding, done) {
      stderr += chunk.toString();
      done();
    },
  });
  await new Promise<void>((resolve, reject) => {
    let status: k8s.V1Status | undefined;
    exec
      .exec(where.namespace, where.pod, where.container, command, out, err, null, false, (s) => {
        status = s;
      })
      .then(
        (socket) =>
          socket.on('close', () =>
            status?.status === 'Success'
              ? resolve()
              : reject(
                  new OmrsError({
                    code: 'BACKUP_READ_FAILED',
                    message: `${command.join(' ')} in ${where.pod} failed: ${stderr.trim() || status?.message || 'no status'}`,
                    exitCode: ExitCode.failed,
                  }),
                ),
          ),
        reject,
      );
  });
}

/** The dumps on the claim, newest first, read in the reader pod. */
async function listIn(t: BackupTarget, pod: string, container: string): Promise<BackupFile[]> {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  await execInto(t.client, { namespace: t.namespace, pod, container }, LIST_BACKUPS, out);
  return parseBackupList(text);
}

export const listBackups = (t: BackupTarget): Promise<BackupFile[]> =>
  withReader(t, (pod, container) => listIn(t, pod, container));

/**
 * Finds backup `id` (of `tenant`, or of the one tenant it holds) and copies it to `file` on this
 * machine, in one reader pod; answers which it was.
 */
export async function fetchBackup(
  t: BackupTarget,
  id: string,
  tenant: string | undefined,
  file: string,
): Promise<BackupFile> {
  return withReader(t, async (pod, container) => {
    const backup = pickBackup(await listIn(t, pod, container), id, tenant);
    const out = createWriteStream(file, { mode: 0o600 });
    const closed = new Promise<void>((resolve, reject) =>
      out.on('close', () => resolve()).on('error', reject),
    );
    try {
      await execInto(
        t.client,
        { namespace: t.namespace, pod, container },
        ['cat', `/backup/${backup.tenant}/${backup.id}.sql.gz`],
        out,
      );
    } finally {
      out.end();
      await closed;
    }
    return backup;
  });
}

/**
 * A Job from the backup CronJob's template, as `kubectl create job --from=cronjob/…` makes it (owned
 * by the CronJob, so `omrs status` counts it among its runs); waits until it completes or fails.
 */
/** What `kubectl create job --from=cronjob/<name>` makes: a Job of the CronJob's template, owned by it. */
export function jobFromCronJob(cron: k8s.V1CronJob, name: string): k8s.V1Job {
  const template = cron.spec!.jobTemplate;
  return {
    metadata: {
      name,
      namespace: cron.metadata?.namespace,
      labels: template.metadata?.labels ?? {},
      annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' },
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: cron.metadata!.name!,
          uid: cron.metadata!.uid!,
          controller: true,
        },
      ],
    },
    spec: template.spec!,
  };
}

export async function runBackup(t: BackupTarget, timeoutMs: number, signal: AbortSignal): Promise<BackupRun> {
  const cron = await backupCronJob(t);
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
    .toLowerCase();
  const name = `${cron.metadata!.name!}`.slice(0, 63 - stamp.length - 1) + `-${stamp}`;
  await api('create the backup job', t.client.context, () =>
    t.client.batch.createNamespacedJob({ namespace: t.namespace, body: jobFromCronJob(cron, name) }),
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await api('read the backup job', t.client.context, () =>
      t.client.batch.readNamespacedJob({ name, namespace: t.namespace }),
    );
    const result = jobResult(job);
    if (result !== 'running') {
      const at = new Date(
        job.status?.startTime ?? job.metadata?.creationTimestamp ?? Date.now(),
      ).toISOString();
      // Its dumps: named by a time within the Job (a scheduled one may have written others).
      const since = stampOf(at);
      const until = stampOf(new Date(job.status?.completionTime ?? Date.now()).toISOString());
      const files = (await listBackups(t)).filter((b) => b.id >= since && b.id <= until);
      return { run: name, result, at, files };
    }
    if (Date.now() > deadline)
      throw new OmrsError({
        code: 'BACKUP_TIMEOUT',
        message: `backup job ${name} did not end within ${Math.round(timeoutMs / 1000)} s`,
        exitCode: ExitCode.failed,
        hint: `See its pods with \`kubectl -n ${t.namespace} get pods -l job-name=${name}\`; it goes on running.`,
      });
    await delay(1000, undefined, { signal }).catch(() => {
      throw new InterruptedError('omrs db backup');
    });
  }
}
