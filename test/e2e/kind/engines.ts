// The two Docker engines of the kind tests: the main one, where the images engine builds, and the
// kind engine, where the kind nodes run (test/harness/README.md). A user has one engine for both;
// the tests copy the images over first.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { HelmEngine, KindEngine } from '../../helpers/engines.js';
import { expect } from 'vitest';
import { until } from '../../helpers/poll.js';
import { runCli, type CliRun } from '../../helpers/cli.js';

export const MAIN_DOCKER = 'unix:///var/run/docker.sock';

/** What omrs needs to run against the harness kind cluster: its kubeconfig, engine, kind and helm. */
export const kindCliEnv = (kind: KindEngine, helm: HelmEngine): Record<string, string> => ({
  KUBECONFIG: kind.kubeconfig,
  DOCKER_HOST: kind.dockerHost,
  OMRS_KIND: kind.kind,
  OMRS_HELM: helm.helm,
});

/** The harness kind cluster's kubeconfig, on its context. */
export function kindKubeConfig(kind: KindEngine): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kind.kubeconfig);
  kc.setCurrentContext(kind.context);
  return kc;
}

/** docker against one of the two engines. */
export const dockerOn = (host: string, args: string[], input?: Buffer): Buffer =>
  execFileSync('docker', args, {
    env: { ...process.env, DOCKER_HOST: host },
    ...(input && { input }),
    maxBuffer: 2 ** 31 - 1,
    stdio: ['pipe', 'pipe', 'pipe'],
  });

export const imageId = (host: string, image: string): string | undefined => {
  try {
    return dockerOn(host, ['image', 'inspect', '-f', '{{.Id}}', image]).toString().trim();
  } catch {
    return undefined;
  }
};

/** The kind cluster's node containers, in the kind Docker engine. */
export const kindNodes = (kind: KindEngine): string[] =>
  dockerOn(kind.dockerHost, [
    'ps',
    '--filter',
    `label=io.x-k8s.kind.cluster=${kind.cluster}`,
    '--format',
    '{{.Names}}',
  ])
    .toString()
    .split('\n')
    .filter(Boolean);

/** Image references containerd has on a node (kind loads into the k8s.io namespace, the kubelet pulls there). */
export const kindNodeImages = (kind: KindEngine, node: string): string[] =>
  dockerOn(kind.dockerHost, ['exec', node, 'ctr', '-n', 'k8s.io', 'images', 'ls', '-q'])
    .toString()
    .split('\n')
    .filter(Boolean);

/** Removes from every node's containerd the images whose reference starts with `prefix`: the next pod pulls them. */
export function forgetNodeImages(kind: KindEngine, prefix: string): void {
  for (const node of kindNodes(kind)) {
    const held = kindNodeImages(kind, node).filter((ref) => ref.startsWith(prefix));
    if (held.length > 0)
      dockerOn(kind.dockerHost, ['exec', node, 'ctr', '-n', 'k8s.io', 'images', 'rm', ...held]);
  }
}

/** Copies images from the main engine into the kind engine, unless the kind engine has them already. */
export function copyToKindEngine(kindHost: string, images: string[], main: string = MAIN_DOCKER): void {
  for (const image of images) {
    const id = imageId(main, image);
    if (!id) throw new Error(`image ${image} is not in the main Docker engine: npm run engines -- up images`);
    if (imageId(kindHost, image) !== id) dockerOn(kindHost, ['load', '-q'], dockerOn(main, ['save', image]));
  }
}

/**
 * A profile of the omrs-test images on the harness kind cluster, for the kind tests' own profiles
 * to extend: the images are loaded into the nodes (never pulled), timeouts fit 2 cores.
 */
const kindStackProfile = (
  tags: Record<'gateway' | 'frontend' | 'backend' | 'mariadb', string>,
  cluster: string,
): string => `extends: dev
runtime: kind
openmrs:
  images:
    gateway: ${tags.gateway}
    frontend: ${tags.frontend}
    backend: ${tags.backend}
    db: ${tags.mariadb}
images:
  pullPolicy: Never
database:
  storage: 1Gi
cluster:
  kind:
    name: ${cluster}
timeouts:
  database: 4m
  init: 4m
  backend: 4m
  frontend: 2m
  gateway: 2m
`;

/** `<root>/profiles` with the shipped base and dev profiles and kind-stack.yaml (above). */
export function writeKindProfiles(
  root: string,
  tags: Parameters<typeof kindStackProfile>[0],
  cluster: string,
): void {
  const repo = join(import.meta.dirname, '../../..');
  mkdirSync(join(root, 'profiles'), { recursive: true });
  for (const f of ['base.yaml', 'dev.yaml'])
    writeFileSync(join(root, 'profiles', f), readFileSync(join(repo, 'profiles', f), 'utf8'));
  writeFileSync(join(root, 'profiles', 'kind-stack.yaml'), kindStackProfile(tags, cluster));
}

/**
 * From a pod in a namespace of its own (no policy of the chart selects it), which components'
 * Services in `namespace` accept a TCP connection: "<component> open|closed", sorted. kube-router
 * enforces the NetworkPolicies on the nodes. `image` has bash (the probe uses /dev/tcp).
 */
export async function probeFromAnotherNamespace(
  core: k8s.CoreV1Api,
  namespace: string,
  image: string,
  components: string[],
  /** The probe pod's labels: whom a NetworkPolicy sees connecting (none by default). */
  labels: Record<string, string> = {},
  /**
   * Seconds each target gets to open: a policy that admits the probe by its labels admits it once
   * the node has the new pod's address in its rules, a moment after the pod starts (0: one try).
   */
  openWithin = 0,
): Promise<string[]> {
  const services = (await core.listNamespacedService({ namespace })).items;
  // "name" or "name/port": the Service named <release>-name (else the first of that component) and
  // its first port, or the port given (a headless Service's name reaches every port of its pods).
  const target = (spec: string) => {
    const [name, port] = spec.split('/') as [string, string | undefined];
    const svc =
      services.find((x) => x.metadata?.name?.endsWith(`-${name}`)) ??
      services.find((x) => x.metadata?.labels?.['app.kubernetes.io/component'] === name)!;
    return `${spec}=${svc.metadata!.name}.${namespace}.svc.cluster.local/${port ?? svc.spec!.ports![0]!.port}`;
  };
  const targets = components.map(target);
  const other = `omrs-np-${process.pid}-${components.length}${Date.now() % 1000}`;
  await core.createNamespace({ body: { metadata: { name: other, labels: { 'omrs.dev/test': 'netpol' } } } });
  try {
    await until(
      'the default ServiceAccount',
      async () =>
        (
          await core
            .readNamespacedServiceAccount({ name: 'default', namespace: other })
            .catch(() => undefined)
        )?.metadata?.name,
    );
    // bash's /dev/tcp connects and returns: open, or refused/dropped (timeout) as closed; all at once.
    const attempt = `timeout 5 bash -c "exec 3<>/dev/tcp/\${addr%/*}/\${addr##*/}" 2>/dev/null`;
    const tryUntil = `end=$((SECONDS + ${openWithin})); until ${attempt}; do [ $SECONDS -lt $end ] || exit 1; sleep 1; done`;
    const script = `for t in ${targets.join(' ')}; do name=\${t%%=*}; addr=\${t#*=}; if (${tryUntil}); then echo "$name open"; else echo "$name closed"; fi & done; wait`;
    await core.createNamespacedPod({
      namespace: other,
      body: {
        metadata: { name: 'probe', labels },
        spec: {
          restartPolicy: 'Never',
          securityContext: { runAsNonRoot: true, runAsUser: 65532 },
          containers: [
            {
              name: 'probe',
              image,
              imagePullPolicy: 'Never',
              command: ['bash', '-c', script],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    });
    const phase = await until(
      'the probe pod to finish',
      async () => {
        const p = (await core.readNamespacedPod({ name: 'probe', namespace: other })).status?.phase;
        return p === 'Succeeded' || p === 'Failed' ? p : undefined;
      },
      90_000,
    );
    const log = await core.readNamespacedPodLog({ name: 'probe', namespace: other });
    expect(phase, log).toBe('Succeeded');
    return log.trim().split('\n').sort();
  } finally {
    await core.deleteNamespace({ name: other }).catch(() => undefined);
  }
}

/** Runs the CLI in the background (`open`); `stop()` aborts it like Ctrl-C. */
export function background(argv: string[], cwd: string, cliEnv: Record<string, string>) {
  const controller = new AbortController();
  let stdout = '';
  let ended: CliRun | undefined;
  const run = runCli(argv, { cwd, env: cliEnv, signal: controller.signal, onStdout: (t) => (stdout = t) });
  void run.then((r) => (ended = r));
  return {
    until: <T>(what: string, probe: (text: string) => T | undefined) =>
      until(what, async () => {
        if (ended) throw new Error(`omrs ${argv.join(' ')} ended (${ended.code}): ${ended.stderr}`);
        return probe(stdout);
      }),
    stop: async () => {
      controller.abort();
      return run;
    },
  };
}

/** Removes what `omrs up` installs once per cluster for monitoring (charts/omrs-monitoring), as `helm uninstall` would. */
export async function uninstallClusterMonitoring(kc: k8s.KubeConfig): Promise<void> {
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const name = 'omrs-monitoring-log-shipper';
  await rbac.deleteClusterRoleBinding({ name }).catch(() => undefined);
  await rbac.deleteClusterRole({ name }).catch(() => undefined);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.deleteNamespace({ name: 'omrs-monitoring' }).catch(() => undefined);
  // Gone before the next file's up or promote installs it again (a terminating namespace refuses it).
  await until(
    'namespace omrs-monitoring deleted',
    async () =>
      (await core.readNamespace({ name: 'omrs-monitoring' }).catch(() => undefined)) ? undefined : true,
    180_000,
  );
}
