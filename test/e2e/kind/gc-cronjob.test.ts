// `omrs env gc-cronjob` on the harness kind cluster: the CronJob, its ServiceAccount and role are
// applied (and applied again in place), and a Job made from the CronJob runs its script in a pod
// on a real node, with the image the engine loads (busybox and kubectl), as the CronJob's
// ServiceAccount through the in-cluster config: it deletes exactly the expired disposable
// namespaces. What fires the Job on its schedule is the cluster's CronJob controller; the test
// makes the Job from the CronJob's template itself, as `kubectl create job --from=cronjob/…` does.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GC_NAME, GC_NAMESPACE } from '../../../src/envs/gc-cronjob.js';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { until } from '../../helpers/poll.js';

const kind = requireEngine('kind');
const TIMEOUT = 150_000;
const REPO = join(import.meta.dirname, '../../..');

describe.skipIf(!kind)('omrs env gc-cronjob on real nodes (in-cluster garbage collection)', () => {
  let core: k8s.CoreV1Api;
  let batch: k8s.BatchV1Api;
  let rbac: k8s.RbacAuthorizationV1Api;
  let authz: k8s.AuthorizationV1Api;
  let root: string;
  const tag = `${process.pid % 100000}`;
  const names = {
    expired: `omrs-gcx-old-${tag}`,
    live: `omrs-gcx-new-${tag}`,
    other: `omrs-gcx-other-${tag}`,
  };
  const cli = (...argv: string[]) =>
    runCli(argv, { cwd: root, env: { KUBECONFIG: kind!.kubeconfig, CI: 'true' } });
  const phase = async (name: string) =>
    (await core.readNamespace({ name }).catch(() => undefined))?.status?.phase ?? 'gone';

  /** Runs the CronJob's template once, as `kubectl create job --from=cronjob/…`; its pod's log. */
  async function runOnce(job: string): Promise<string> {
    const cron = await batch.readNamespacedCronJob({ name: GC_NAME, namespace: GC_NAMESPACE });
    await batch.createNamespacedJob({
      namespace: GC_NAMESPACE,
      body: {
        metadata: {
          name: job,
          ownerReferences: [
            {
              apiVersion: 'batch/v1',
              kind: 'CronJob',
              name: GC_NAME,
              uid: cron.metadata!.uid!,
              controller: true,
            },
          ],
        },
        spec: cron.spec!.jobTemplate.spec!,
      },
    });
    const done = await until(
      `Job ${job} done`,
      async () => {
        const j = await batch.readNamespacedJob({ name: job, namespace: GC_NAMESPACE });
        const c = j.status?.conditions?.find(
          (x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True',
        );
        return c?.type;
      },
      120_000,
    );
    const [pod] = (
      await core.listNamespacedPod({ namespace: GC_NAMESPACE, labelSelector: `job-name=${job}` })
    ).items;
    const log = await core.readNamespacedPodLog({ namespace: GC_NAMESPACE, name: pod!.metadata!.name! });
    expect(done, log).toBe('Complete');
    return log;
  }

  beforeAll(async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kind!.kubeconfig);
    kc.setCurrentContext(kind!.context);
    core = kc.makeApiClient(k8s.CoreV1Api);
    batch = kc.makeApiClient(k8s.BatchV1Api);
    rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    authz = kc.makeApiClient(k8s.AuthorizationV1Api);
    root = mkdtempSync(join(tmpdir(), 'omrs-kind-gc-'));
    mkdirSync(join(root, 'profiles'));
    writeFileSync(
      join(root, 'profiles', 'base.yaml'),
      readFileSync(join(REPO, 'profiles', 'base.yaml'), 'utf8'),
    );
    writeFileSync(
      join(root, 'profiles', 'kgc.yaml'),
      `extends: base\nruntime: kind\ncluster:\n  kind:\n    name: ${kind!.cluster}\n`,
    );
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({ name: 'kgc', omrs: { profilesDir: 'profiles', defaultProfile: 'kgc' } }),
    );
    const now = Math.floor(Date.now() / 1000);
    const make = (name: string, labels: Record<string, string>) =>
      core.createNamespace({ body: { metadata: { name, labels } } });
    await make(names.expired, { 'omrs.dev/disposable': 'true', 'omrs.dev/expires': String(now - 60) });
    await make(names.live, { 'omrs.dev/disposable': 'true', 'omrs.dev/expires': String(now + 3600) });
    // Expired by its label, but not a disposable environment: never touched.
    await make(names.other, { 'omrs.dev/expires': String(now - 60) });
  }, TIMEOUT);

  afterAll(async () => {
    if (core)
      for (const name of [...Object.values(names), GC_NAMESPACE])
        await core.deleteNamespace({ name }).catch(() => undefined);
    if (rbac) {
      await rbac.deleteClusterRoleBinding({ name: GC_NAME }).catch(() => undefined);
      await rbac.deleteClusterRole({ name: GC_NAME }).catch(() => undefined);
    }
    if (root) rmSync(root, { recursive: true, force: true });
  }, TIMEOUT);

  it(
    'applies the CronJob, its ServiceAccount and role; again with another schedule and image, in place',
    async () => {
      const first = await cli('env', 'gc-cronjob', '--json');
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({
        context: kind!.context,
        namespace: GC_NAMESPACE,
        applied: [
          `Namespace/${GC_NAMESPACE}`,
          `ServiceAccount/${GC_NAME}`,
          `ClusterRole/${GC_NAME}`,
          `ClusterRoleBinding/${GC_NAME}`,
          `CronJob/${GC_NAME}`,
        ],
      });
      const cron = await batch.readNamespacedCronJob({ name: GC_NAME, namespace: GC_NAMESPACE });
      expect(cron.spec?.schedule).toBe('*/15 * * * *');
      expect(cron.spec?.jobTemplate.spec?.template.spec?.serviceAccountName).toBe(GC_NAME);

      // The schedule a year away: the controller never fires it while the test runs its own Job.
      const again = await cli(
        'env',
        'gc-cronjob',
        '--schedule',
        '0 0 1 1 *',
        '--image',
        kind!.kubectlImage,
        '--json',
      );
      expect(again.code, again.stderr).toBe(0);
      const updated = await batch.readNamespacedCronJob({ name: GC_NAME, namespace: GC_NAMESPACE });
      expect(updated.spec?.schedule).toBe('0 0 1 1 *');
      expect(updated.spec?.jobTemplate.spec?.template.spec?.containers[0]?.image).toBe(kind!.kubectlImage);
      expect(updated.metadata?.uid).toBe(cron.metadata?.uid);
    },
    TIMEOUT,
  );

  it(
    'its Job, in a pod on a node as its ServiceAccount, deletes exactly the expired disposable namespaces; a second run finds nothing',
    async () => {
      const log = await runOnce(`gc-once-${tag}`);
      expect(log).toContain(`removing namespace ${names.expired}`);
      expect(log).not.toContain(names.live);
      expect(log).not.toContain(names.other);
      expect(['Terminating', 'gone']).toContain(await phase(names.expired));
      expect(await phase(names.live)).toBe('Active');
      expect(await phase(names.other)).toBe('Active');

      const second = await runOnce(`gc-twice-${tag}`);
      expect(second).not.toContain('removing');

      // What its ServiceAccount may do: namespaces only.
      const may = async (verb: string, resource: string, group = '') =>
        (
          await authz.createSubjectAccessReview({
            body: {
              spec: {
                user: `system:serviceaccount:${GC_NAMESPACE}:${GC_NAME}`,
                groups: [
                  'system:serviceaccounts',
                  `system:serviceaccounts:${GC_NAMESPACE}`,
                  'system:authenticated',
                ],
                resourceAttributes: { verb, resource, group },
              },
            },
          })
        ).status?.allowed;
      expect(await may('delete', 'namespaces')).toBe(true);
      expect(await may('delete', 'deployments', 'apps')).toBe(false);
      expect(await may('get', 'secrets')).toBe(false);
    },
    TIMEOUT,
  );

  it('refuses a context the profile does not name (exit 2)', async () => {
    const run = await cli('env', 'gc-cronjob', '--context', 'elsewhere');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--context elsewhere does not match/);
  });

  it(
    '--uninstall removes what it installed; a second --uninstall removes nothing',
    async () => {
      const run = await cli('env', 'gc-cronjob', '--uninstall', '--json');
      expect(run.code, run.stderr).toBe(0);
      expect((JSON.parse(run.stdout) as { deleted: string[] }).deleted).toContain(`CronJob/${GC_NAME}`);
      await expect(batch.readNamespacedCronJob({ name: GC_NAME, namespace: GC_NAMESPACE })).rejects.toThrow();
      await expect(rbac.readClusterRole({ name: GC_NAME })).rejects.toThrow();
      const twice = await cli('env', 'gc-cronjob', '--uninstall', '--json');
      expect(twice.code, twice.stderr).toBe(0);
      expect((JSON.parse(twice.stdout) as { deleted: string[] }).deleted).toEqual([]);
    },
    TIMEOUT,
  );
});
