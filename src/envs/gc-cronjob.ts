// The in-cluster garbage collector of disposable environments: a CronJob that deletes the
// namespaces of expired environments (label omrs.dev/expires, unix seconds, in the past) with
// kubectl, so clusters are cleaned up even when nobody runs `omrs env gc`. Deleting the namespace
// removes the release, its claims and the rest with it. Installed with server-side apply, so a
// second install changes nothing and a changed schedule or image is applied in place.
import type { KubernetesObject } from '@kubernetes/client-node';
import { ExitCode, OmrsError } from '../errors.js';
import { api, apiError, isNotFound, type KubeClient } from '../runtime/kube/client.js';
import { KLABEL, MANAGED_BY } from '../runtime/kube/labels.js';

export const GC_NAMESPACE = 'omrs-system';
export const GC_NAME = 'omrs-env-gc';
export const GC_DEFAULT_SCHEDULE = '*/15 * * * *';
/** Any image with kubectl and a POSIX shell. */
export const GC_DEFAULT_IMAGE = 'bitnami/kubectl:1.32';

const FIELD_MANAGER = 'omrs';

/** What the CronJob runs: one pass over the disposable namespaces. POSIX sh and kubectl only. */
export const GC_SCRIPT = `set -eu
now=$(date +%s)
kubectl get namespaces -l ${KLABEL.disposable}=true \\
  -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.metadata.labels.omrs\\.dev/expires}{" "}{.status.phase}{"\\n"}{end}' |
while read -r name expires phase; do
  case "$expires" in ''|*[!0-9]*) continue ;; esac
  if [ "$phase" != Terminating ] && [ "$expires" -le "$now" ]; then
    echo "omrs env gc: removing namespace $name (expired at $expires, now $now)"
    kubectl delete namespace "$name" --wait=false
  fi
done
`;

const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
/** Minute, hour, day of month, month, day of week: the numbers each field allows. */
const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
];
const NAMES = /^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)$/i;

function fieldProblem(text: string, field: (typeof FIELDS)[number]): string | undefined {
  for (const item of text.split(',')) {
    const m = /^(\*|\w+(?:-\w+)?)(?:\/(\d+))?$/.exec(item);
    if (!m || (m[2] !== undefined && Number(m[2]) === 0)) return `"${item}" is not a ${field.name} item`;
    if (m[1] === '*') continue;
    for (const bound of m[1]!.split('-'))
      if (!NAMES.test(bound) && !(/^\d+$/.test(bound) && +bound >= field.min && +bound <= field.max))
        return `${field.name} "${bound}" is not between ${field.min} and ${field.max}`;
  }
  return undefined;
}

/** A CronJob schedule: five cron fields or a macro; a bad one is a usage error before any request. */
export function checkSchedule(schedule: string): string {
  const fields = schedule.trim().split(/\s+/);
  const problem = MACROS.includes(schedule.trim())
    ? undefined
    : fields.length !== 5
      ? `has ${fields.length} field${fields.length === 1 ? '' : 's'}, not 5`
      : fields.map((f, i) => fieldProblem(f, FIELDS[i]!)).find((p) => p !== undefined);
  if (problem)
    throw new OmrsError({
      code: 'ENV_BAD_SCHEDULE',
      message: `--schedule "${schedule.slice(0, 60)}" is not a cron schedule: it ${problem.startsWith('has') ? problem : `says ${problem}`}`,
      exitCode: ExitCode.usage,
      hint: 'Write five fields, minute hour day-of-month month day-of-week, e.g. "*/15 * * * *", or a macro such as @hourly.',
    });
  return schedule.trim();
}

export interface GcCronJobOptions {
  schedule: string;
  image: string;
}

const labels = { [KLABEL.managedBy]: MANAGED_BY, 'app.kubernetes.io/name': GC_NAME };

export function gcCronJobObjects(options: GcCronJobOptions): KubernetesObject[] {
  const metadata = { name: GC_NAME, namespace: GC_NAMESPACE, labels };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: GC_NAMESPACE, labels } },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata,
      automountServiceAccountToken: true,
    } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: GC_NAME, labels },
      // RBAC cannot select by label: the script only touches namespaces labelled disposable.
      rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'delete'] }],
    } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: GC_NAME, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: GC_NAME },
      subjects: [{ kind: 'ServiceAccount', name: GC_NAME, namespace: GC_NAMESPACE }],
    } as KubernetesObject,
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata,
      spec: {
        schedule: options.schedule,
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 1,
            activeDeadlineSeconds: 600,
            template: {
              metadata: { labels },
              spec: {
                serviceAccountName: GC_NAME,
                restartPolicy: 'Never',
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: 65532,
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                containers: [
                  {
                    name: 'gc',
                    image: options.image,
                    imagePullPolicy: 'IfNotPresent',
                    command: ['sh', '-c', GC_SCRIPT],
                    resources: {
                      requests: { cpu: '10m', memory: '32Mi' },
                      limits: { cpu: '200m', memory: '128Mi' },
                    },
                    securityContext: {
                      allowPrivilegeEscalation: false,
                      readOnlyRootFilesystem: true,
                      capabilities: { drop: ['ALL'] },
                    },
                  },
                ],
              },
            },
          },
        },
      },
    } as KubernetesObject,
  ];
}

const describe = (o: KubernetesObject): string => `${o.kind}/${o.metadata?.name ?? ''}`;

/** Applies the objects (server-side apply); answers what was applied. */
export async function installGcCronJob(client: KubeClient, options: GcCronJobOptions): Promise<string[]> {
  const objects = client.k8s.KubernetesObjectApi.makeApiClient(client.config);
  const applied: string[] = [];
  for (const o of gcCronJobObjects(options)) {
    await api(`apply ${describe(o)}`, client.context, () =>
      objects.patch(o, undefined, undefined, FIELD_MANAGER, true, client.k8s.PatchStrategy.ServerSideApply),
    );
    applied.push(describe(o));
  }
  return applied;
}

/** Deletes what install applied (those that exist and are not already going); answers what was deleted. */
export async function uninstallGcCronJob(client: KubeClient): Promise<string[]> {
  const objects = client.k8s.KubernetesObjectApi.makeApiClient(client.config);
  const deleted: string[] = [];
  for (const o of gcCronJobObjects({ schedule: GC_DEFAULT_SCHEDULE, image: GC_DEFAULT_IMAGE }).reverse()) {
    try {
      // A namespace deleted by an earlier uninstall may still be finalising: it is not deleted again.
      const header = { ...o, metadata: { name: o.metadata!.name!, namespace: o.metadata!.namespace } };
      if ((await objects.read(header)).metadata?.deletionTimestamp) continue;
      await objects.delete(o);
      deleted.push(describe(o));
    } catch (error) {
      if (!isNotFound(error)) throw apiError(error, `delete ${describe(o)}`, client.context);
    }
  }
  return deleted;
}
