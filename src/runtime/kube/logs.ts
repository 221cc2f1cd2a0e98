// logs [-f] and open on a cluster, through the API server's pods/log and pods/portforward
// subresources: the node's kubelet answers (on the harness cluster, kwok's kubelet endpoint). A pod
// whose log cannot be read is reported with the API server's reason, not thrown.
import type { V1Pod } from '@kubernetes/client-node';
import { ExitCode, OmrsError } from '../../errors.js';
import { sinceSeconds } from '../../duration.js';
import { api } from './client.js';
import { connect, type KubeDeps, type KubeRequest, type Target } from './connect.js';
import { streamPodLog } from './pod-log.js';
import { forwardPort, readyPodOf } from './port-forward.js';

export interface KubeLogLine {
  service: string;
  line: string;
}

export interface KubeLogsRequest extends KubeRequest {
  service?: string;
  follow?: boolean;
  tail?: number;
  /** "10m", "30s", "2h" or a date: only lines since then. */
  since?: string;
}

export interface KubeLogsResult {
  pods: string[];
  /** The services of the environment's pods (what `service` may name). */
  services: string[];
  /** Pods whose logs could not be read, with the API server's reason. */
  unavailable: { pod: string; reason: string }[];
}

/** A pod's service as `omrs status` and compose name it: the component, plus the tenant of per-tenant workloads. */
export function podService(pod: V1Pod): string {
  const labels = pod.metadata?.labels ?? {};
  const component = labels['omrs.dev/component'] ?? pod.metadata?.name ?? '';
  const tenant = labels['omrs.dev/tenant'];
  return tenant ? `${component}-${tenant}` : component;
}

/** `service` names the service (backend-default), its component (backend: every tenant), or the workload (env-backend-default). */
const podMatches = (pod: V1Pod, env: string, service: string): boolean =>
  podService(pod) === service ||
  pod.metadata?.labels?.['omrs.dev/component'] === service ||
  (pod.metadata?.name ?? '').startsWith(`${env}-${service}-`);

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function kubeLogs(
  request: KubeLogsRequest,
  deps: KubeDeps & { onLine: (l: KubeLogLine) => void },
  target?: Target,
): Promise<KubeLogsResult> {
  const t = target ?? (await connect(request, deps, 'read logs of'));
  const { client, namespace, env } = t;
  const sinceTime =
    request.since !== undefined ? new Date(sinceSeconds(request.since) * 1000).toISOString() : undefined;
  const pods = await api('list pods', client.context, () =>
    client.core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/instance=${env}` }),
  );
  const service = request.service;
  const selected = service ? pods.items.filter((p) => podMatches(p, env, service)) : pods.items;
  const result: KubeLogsResult = {
    pods: selected.map((p) => p.metadata?.name ?? ''),
    services: [...new Set(pods.items.map(podService))].sort(),
    unavailable: [],
  };
  await Promise.all(
    selected.map(async (pod) => {
      const name = pod.metadata?.name ?? '';
      const podServiceName = podService(pod);
      try {
        await streamPodLog(
          client.config,
          namespace,
          name,
          {
            container: pod.spec?.containers[0]?.name ?? '',
            follow: request.follow === true,
            ...(request.tail !== undefined && { tailLines: request.tail }),
            ...(sinceTime && { sinceTime }),
          },
          deps.signal,
          (line) => deps.onLine({ service: podServiceName, line }),
        );
      } catch (error) {
        result.unavailable.push({ pod: name, reason: reasonOf(error) });
      }
    }),
  );
  return result;
}

export interface OpenHandle {
  url: string;
  port: number;
  pod: string;
  close: () => Promise<void>;
}

/** Forwards 127.0.0.1:<port> to a ready pod of the gateway Service (pods/portforward; no kubectl). */
export async function kubeOpen(
  request: KubeRequest & { port?: number },
  deps: KubeDeps,
  target?: Target,
): Promise<OpenHandle> {
  const t = target ?? (await connect(request, deps, 'open'));
  const { client, namespace, env } = t;
  const services = await api('list services', client.context, () =>
    client.core.listNamespacedService({
      namespace,
      labelSelector: `app.kubernetes.io/instance=${env},app.kubernetes.io/component=gateway`,
    }),
  );
  const service = services.items[0];
  if (!service?.spec?.selector)
    throw new OmrsError({
      code: 'ENV_NOT_RUNNING',
      message: `environment ${env} has no gateway Service in namespace ${namespace}`,
      exitCode: ExitCode.failed,
      hint: 'Start it with `omrs up --runtime kube`.',
    });
  const pod = await readyPodOf(client, namespace, service.spec.selector);
  if (!pod?.metadata?.name)
    throw new OmrsError({
      code: 'ENV_NOT_READY',
      message: `no ready gateway pod in namespace ${namespace}`,
      exitCode: ExitCode.failed,
      hint: 'Check `omrs status --runtime kube`.',
    });
  const servicePort = service.spec.ports?.[0];
  const containerPort =
    typeof servicePort?.targetPort === 'number'
      ? servicePort.targetPort
      : (pod.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === servicePort?.targetPort)
          ?.containerPort ??
        servicePort?.port ??
        8080);
  const podName = pod.metadata.name;
  const forward = await forwardPort(
    client,
    { namespace, pod: podName, port: containerPort },
    {
      ...(request.port !== undefined && { localPort: request.port }),
      onProblem: (message) => deps.events.emit({ type: 'warning', message }),
    },
  );
  return {
    url: `http://127.0.0.1:${forward.port}/openmrs/spa`,
    port: forward.port,
    pod: podName,
    close: forward.close,
  };
}
