// Smoke test of the harness Kubernetes control plane (test/harness/engines/kube.sh): a real
// kube-apiserver, controller-manager and scheduler on etcd, with kwok fake nodes.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEngine } from '../../helpers/engines.js';
import { until } from '../../helpers/poll.js';

const kube = requireEngine('kube');
const TIMEOUT = 60_000;
const ns = `omrs-kube-smoke-${process.pid}-${Date.now().toString(36)}`;

function deployment(name: string, replicas: number): k8s.V1Deployment {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'main',
              image: 'omrs-test/busybox:1',
              imagePullPolicy: 'Never',
              command: ['sleep', '3600'],
            },
          ],
        },
      },
    },
  };
}

describe.skipIf(!kube)('harness kubernetes control plane', () => {
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let batch: k8s.BatchV1Api;

  beforeAll(async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kube!.kubeconfig);
    kc.setCurrentContext(kube!.context);
    expect(kc.getCurrentCluster()?.server).toBe(kube!.server);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    batch = kc.makeApiClient(k8s.BatchV1Api);
    await core.createNamespace({
      body: { metadata: { name: ns, labels: { 'omrs.dev/test': 'kube-smoke' } } },
    });
    // Pods are admitted only once the ServiceAccount controller has created the namespace's default account.
    await until(
      'default ServiceAccount',
      async () =>
        (await core.readNamespacedServiceAccount({ name: 'default', namespace: ns })).metadata?.name,
    );
  });

  afterAll(async () => {
    if (!core) return;
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
    // The namespace controller must finish the deletion (it removes every object in the namespace first).
    await until(
      `namespace ${ns} deleted`,
      async () => {
        try {
          await core.readNamespace({ name: ns });
          return undefined;
        } catch (err) {
          return err instanceof k8s.ApiException && err.code === 404 ? true : undefined;
        }
      },
      55_000,
    );
  }, TIMEOUT);

  it(
    'has at least three Ready nodes',
    async () => {
      const nodes = await core.listNode();
      const ready = nodes.items.filter((n) =>
        n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      expect(ready.length).toBeGreaterThanOrEqual(3);
    },
    TIMEOUT,
  );

  it(
    'rolls out a Deployment of 3 replicas onto the fake nodes',
    async () => {
      await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web', 3) });
      const ready = await until('3 ready replicas', async () => {
        const d = await apps.readNamespacedDeploymentStatus({ name: 'web', namespace: ns });
        return d.status?.readyReplicas === 3 ? d : undefined;
      });
      expect(ready.status?.availableReplicas).toBe(3);
      const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
      expect(pods.items).toHaveLength(3);
      for (const pod of pods.items) {
        expect(pod.spec?.nodeName).toMatch(/.+/); // bound by the real scheduler
        expect(pod.spec?.serviceAccountName).toBe('default'); // ServiceAccount admission plugin
        expect(pod.status?.phase).toBe('Running');
      }
    },
    TIMEOUT,
  );

  it(
    'runs a Job to completion',
    async () => {
      await batch.createNamespacedJob({
        namespace: ns,
        body: {
          metadata: { name: 'once' },
          spec: {
            backoffLimit: 0,
            template: {
              spec: {
                restartPolicy: 'Never',
                containers: [
                  { name: 'main', image: 'omrs-test/busybox:1', imagePullPolicy: 'Never', command: ['true'] },
                ],
              },
            },
          },
        },
      });
      const job = await until('Job Complete', async () => {
        const j = await batch.readNamespacedJob({ name: 'once', namespace: ns });
        return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')
          ? j
          : undefined;
      });
      expect(job.status?.succeeded).toBe(1);
    },
    TIMEOUT,
  );

  it(
    'validates a server-side dry run with the real API server',
    async () => {
      const ok = await apps.createNamespacedDeployment({
        namespace: ns,
        body: deployment('dry', 2),
        dryRun: 'All',
      });
      expect(ok.metadata?.uid).toBeTruthy();
      // dry run persisted nothing
      await expect(apps.readNamespacedDeployment({ name: 'dry', namespace: ns })).rejects.toMatchObject({
        code: 404,
      });

      const bad = deployment('dry-bad', 1);
      delete (bad.spec!.template.spec!.containers[0] as Partial<k8s.V1Container>).name;
      const err = await apps.createNamespacedDeployment({ namespace: ns, body: bad, dryRun: 'All' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(k8s.ApiException);
      const apiErr = err as k8s.ApiException<unknown>;
      expect(apiErr.code).toBe(422);
      const text = `${apiErr.message} ${typeof apiErr.body === 'string' ? apiErr.body : JSON.stringify(apiErr.body)}`;
      expect(text).toContain('spec.template.spec.containers[0].name');
      expect(text).toContain('Required value');
    },
    TIMEOUT,
  );
});
