// Pods on real nodes: the harness kind engine (test/harness/engines/kind.sh) runs a kind cluster whose
// kubelets and containerd really start containers. Unlike the kwok nodes of the kube engine, what a
// container prints, its exit code, its user and its probes come from the container itself.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEngine } from '../../helpers/engines.js';
import { until } from '../../helpers/poll.js';
import { dockerOn, forgetNodeImages, MAIN_DOCKER } from './engines.js';

const kind = requireEngine('kind');
const registry = requireEngine('registry');
const TIMEOUT = 150_000;
const ns = `omrs-kind-node-${process.pid}-${Date.now().toString(36)}`;
// Loaded into every node by the engine (kind load docker-image); never pulled.
const IMAGE = 'omrs-test/busybox:1';

describe.skipIf(!kind)('kind engine: pods on real nodes', () => {
  let core: k8s.CoreV1Api;

  beforeAll(async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kind!.kubeconfig);
    kc.setCurrentContext(kind!.context);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({
      body: { metadata: { name: ns, labels: { 'omrs.dev/test': 'kind-node' } } },
    });
    await until(
      'default ServiceAccount',
      async () =>
        (await core.readNamespacedServiceAccount({ name: 'default', namespace: ns })).metadata?.name,
    );
  }, TIMEOUT);

  /** A pod that runs `script` once (restartPolicy Never). */
  const runOnce = (name: string, script: string, image = IMAGE, imagePullPolicy = 'Never') =>
    core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image, imagePullPolicy, command: ['sh', '-c', script] }],
        },
      },
    });

  afterAll(async () => {
    if (!core) return;
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
  }, TIMEOUT);

  it(
    'has Ready nodes run by a real kubelet v1.32.4 on containerd',
    async () => {
      const nodes = await core.listNode();
      expect(nodes.items).toHaveLength(kind!.nodes);
      for (const node of nodes.items) {
        expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
        expect(node.status?.nodeInfo?.kubeletVersion).toBe('v1.32.4');
        expect(node.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^containerd:\/\//);
        expect(node.spec?.podCIDR).toMatch(/^10\.244\./);
      }
    },
    TIMEOUT,
  );

  it(
    'runs a pod of a locally built image to Ready behind a real probe and reads its own log',
    async () => {
      const name = 'web';
      await core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534 },
            containers: [
              {
                name: 'main',
                image: IMAGE,
                imagePullPolicy: 'Never',
                command: [
                  'sh',
                  '-c',
                  'echo "hello from $(hostname) as uid $(id -u)"; mkdir -p /tmp/www; echo ok >/tmp/www/index.html; exec httpd -f -p 8080 -h /tmp/www',
                ],
                ports: [{ containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/index.html', port: 8080 }, periodSeconds: 1 },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: false,
                  capabilities: { drop: ['ALL'] },
                },
              },
            ],
          },
        },
      });
      const pod = await until(`pod ${name} Ready`, async () => {
        const p = await core.readNamespacedPod({ name, namespace: ns });
        return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
      });
      expect(pod.status?.podIP).toMatch(/^10\.244\./);
      expect(pod.status?.containerStatuses?.[0]?.containerID).toMatch(/^containerd:\/\//);
      // The line the container printed itself: its hostname is the pod's name, its uid the securityContext's.
      const log = await core.readNamespacedPodLog({ name, namespace: ns, container: 'main' });
      expect(log).toContain(`hello from ${name} as uid 65534`);
    },
    TIMEOUT,
  );

  it(
    'reaches a pod on another node through its Service name (CoreDNS, kube-proxy, routes between nodes)',
    async () => {
      const nodes = (await core.listNode()).items.map((n) => n.metadata!.name!);
      const [serverNode, clientNode] = nodes.filter((n) => !n.endsWith('control-plane')).concat(nodes);
      expect(serverNode).not.toBe(clientNode);
      await core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name: 'server', labels: { app: 'server' } },
          spec: {
            nodeName: serverNode,
            containers: [
              {
                name: 'main',
                image: IMAGE,
                imagePullPolicy: 'Never',
                command: [
                  'sh',
                  '-c',
                  'mkdir -p /tmp/www; echo "served by $(hostname) on $NODE" >/tmp/www/index.html; exec httpd -f -p 8080 -h /tmp/www',
                ],
                env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
                readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
              },
            ],
          },
        },
      });
      await core.createNamespacedService({
        namespace: ns,
        body: {
          metadata: { name: 'server' },
          spec: { selector: { app: 'server' }, ports: [{ port: 80, targetPort: 8080 }] },
        },
      });
      await until('pod server Ready', async () => {
        const p = await core.readNamespacedPod({ name: 'server', namespace: ns });
        return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
      });
      await core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name: 'client' },
          spec: {
            nodeName: clientNode,
            restartPolicy: 'Never',
            containers: [
              {
                name: 'main',
                image: IMAGE,
                imagePullPolicy: 'Never',
                // As a client would: a timeout per try (busybox's own `wget -T` crashes here), and tries
                // again while the Service's rules reach the nodes (one CI run hung 120 s in one wget).
                command: [
                  'sh',
                  '-c',
                  `for i in 1 2 3 4 5 6 7 8 9 10 11 12; do timeout 10 wget -qO- http://server.${ns}.svc.cluster.local/index.html && exit 0; echo "try $i: no answer" >&2; sleep 2; done; exit 1`,
                ],
              },
            ],
          },
        },
      });
      // A loaded CI machine can take well over 30 s to schedule, start and finish the pod.
      const client = await until(
        'pod client done',
        async () => {
          const p = await core.readNamespacedPod({ name: 'client', namespace: ns });
          return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
        },
        120_000,
      );
      const log = (await core.readNamespacedPodLog({ name: 'client', namespace: ns, container: 'main' }))
        .trim()
        .split('\n');
      if (log.length > 1)
        console.info(`the client tried ${log.length} times: ${log.slice(0, -1).join('; ')}`);
      expect({ phase: client.status?.phase, answer: log.at(-1) }).toEqual({
        phase: 'Succeeded',
        answer: `served by server on ${serverNode}`,
      });
    },
    TIMEOUT,
  );

  it(
    'reports the real exit code of a failing container',
    async () => {
      const name = 'fails';
      await runOnce(name, 'echo about to fail; exit 3');
      const pod = await until(`pod ${name} Failed`, async () => {
        const p = await core.readNamespacedPod({ name, namespace: ns });
        return p.status?.phase === 'Failed' ? p : undefined;
      });
      expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
      const log = await core.readNamespacedPodLog({ name, namespace: ns, container: 'main' });
      expect(log.trim()).toBe('about to fail');
    },
    TIMEOUT,
  );

  it.skipIf(!registry)(
    'pulls image@sha256 from the harness registry (its name on the host, routed from the kind network)',
    async () => {
      const repo = `${registry!.address}/omrs-kind-node/busybox`;
      const tag = `${repo}:${ns}`;
      dockerOn(MAIN_DOCKER, ['tag', IMAGE, tag]);
      dockerOn(MAIN_DOCKER, ['push', '--quiet', tag]);
      dockerOn(MAIN_DOCKER, ['rmi', tag]);
      const head = await fetch(`${registry!.url}/v2/omrs-kind-node/busybox/manifests/${ns}`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      });
      const digest = head.headers.get('docker-content-digest');
      expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      // Every push of the same image gives the same digest: no node may hold it from an earlier run.
      forgetNodeImages(kind!, repo);
      const name = 'pulled';
      await runOnce(name, 'echo pulled', `${repo}@${digest}`, 'IfNotPresent');
      const pod = await until(`pod ${name} done`, async () => {
        const p = await core.readNamespacedPod({ name, namespace: ns });
        return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
      });
      expect(pod.status?.phase).toBe('Succeeded');
      expect(pod.status?.containerStatuses?.[0]?.imageID).toBe(`${repo}@${digest}`);
      const events = await core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: `involvedObject.name=${name}`,
      });
      expect(events.items.map((e) => e.reason)).toContain('Pulled');
      expect(events.items.find((e) => e.reason === 'Pulled')?.message).toMatch(/Successfully pulled image/);
    },
    TIMEOUT,
  );
});
