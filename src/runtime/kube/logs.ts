// logs [-f] on a cluster, through the API server's pods/log subresource: the node's kubelet
// answers (on the harness cluster, kwok's kubelet endpoint). A pod whose log cannot be read is
// reported with the API server's reason, not thrown.
import type { V1Pod } from '@kubernetes/client-node';
import { sinceSeconds } from '../../duration.js';
import { api } from './client.js';
import { connect, type KubeDeps, type KubeRequest, type Target } from './connect.js';
import { streamPodLog } from './pod-log.js';

export interface KubeLogLine {
  service: string;
  /** A sidecar's name (an exporter beside the gateway); absent for the pod's main container. */
  container?: string;
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
  /** How many container logs were asked for: each pod's containers, sidecars included. */
  streams: number;
  /** Pods (or a pod's sidecar) whose logs could not be read, with the API server's reason. */
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
    streams: 0,
    unavailable: [],
  };
  // Every container of each pod, its sidecars too (as compose shows them); not the init
  // containers, which have finished.
  const streams = selected.flatMap((pod) =>
    (pod.spec?.containers ?? []).map((c, i) => ({ pod, container: c.name, sidecar: i > 0 })),
  );
  result.streams = streams.length;
  await Promise.all(
    streams.map(async ({ pod, container, sidecar }) => {
      const name = pod.metadata?.name ?? '';
      const podServiceName = podService(pod);
      try {
        await streamPodLog(
          client.config,
          namespace,
          name,
          {
            container,
            follow: request.follow === true,
            ...(request.tail !== undefined && { tailLines: request.tail }),
            ...(sinceTime && { sinceTime }),
          },
          deps.signal,
          (line) => deps.onLine({ service: podServiceName, ...(sidecar && { container }), line }),
        );
      } catch (error) {
        result.unavailable.push({
          pod: sidecar ? `${name} (container ${container})` : name,
          reason: reasonOf(error),
        });
      }
    }),
  );
  return result;
}
