// open on a cluster: a port of 127.0.0.1 forwarded to a ready gateway pod through the API
// server's pods/portforward subresource (no kubectl).
import { ExitCode, OmrsError } from '../../errors.js';
import { api, type KubeClient } from './client.js';
import { MONITORING_NAMESPACE, MONITORING_RELEASE } from './cluster-monitoring.js';
import { connect, type KubeDeps, type KubeRequest, type Target } from './connect.js';
import { forwardPort, readyPodOf } from './port-forward.js';
import type { OpenTarget } from '../runtime.js';

export interface OpenHandle {
  url: string;
  port: number;
  pod: string;
  close: () => Promise<void>;
}

/** Forwards 127.0.0.1:<port> to a ready pod of the gateway Service (pods/portforward; no kubectl). */
export async function kubeOpen(
  request: KubeRequest & { port?: number; target?: OpenTarget },
  deps: KubeDeps,
  target?: Target,
): Promise<OpenHandle> {
  const t = target ?? (await connect(request, deps, 'open'));
  const options = {
    ...(request.port !== undefined && { localPort: request.port }),
    onProblem: (message: string) => deps.events.emit({ type: 'warning', message }),
  };
  if (request.target === 'logs')
    return forwardComponent(t.client, MONITORING_NAMESPACE, MONITORING_RELEASE, 'logs', options, {
      noService: `The cluster's log store is in namespace ${MONITORING_NAMESPACE}: \`omrs up\` installs it for a profile with monitoring.enabled and monitoring.logs.enabled.`,
    });
  if (request.target === 'prometheus')
    return forwardComponent(t.client, t.namespace, t.env, 'prometheus', options, {
      noService: 'Set monitoring.enabled: true in its profile and run `omrs up`.',
    });
  if (request.target === 'grafana')
    return forwardComponent(t.client, t.namespace, t.env, 'grafana', options, {
      noService:
        'Set monitoring.enabled: true (monitoring.grafana.enabled is on by default) in its profile and run `omrs up`.',
    });
  const forward = await forwardGateway(t.client, t.namespace, t.env, options);
  return { ...forward, url: `${forward.url}/openmrs/spa` };
}

/**
 * Forwards 127.0.0.1:<port> to a ready pod of release `env`'s gateway Service in `namespace`; the
 * URL is the gateway's root. Also what promote smoke-tests the idle colour through.
 */
export function forwardGateway(
  client: KubeClient,
  namespace: string,
  env: string,
  options: ForwardOptions,
): Promise<OpenHandle> {
  return forwardComponent(client, namespace, env, 'gateway', options, {
    noService:
      'Start it with `omrs up`; with gateway.enabled: false there is none: open the address of your load balancer.',
  });
}

interface ForwardOptions {
  localPort?: number;
  onProblem: (message: string) => void;
}

/** Forwards 127.0.0.1:<port> to a ready pod of the Service of release `env`'s `component`. */
export async function forwardComponent(
  client: KubeClient,
  namespace: string,
  env: string,
  component: string,
  options: ForwardOptions,
  hints: { noService: string } = { noService: 'Start it with `omrs up`.' },
): Promise<OpenHandle> {
  const services = await api('list services', client.context, () =>
    client.core.listNamespacedService({
      namespace,
      labelSelector: `app.kubernetes.io/instance=${env},app.kubernetes.io/component=${component}`,
    }),
  );
  const service = services.items[0];
  if (!service?.spec?.selector)
    throw new OmrsError({
      code: 'ENV_NOT_RUNNING',
      message: `environment ${env} has no ${component} Service in namespace ${namespace}`,
      exitCode: ExitCode.failed,
      hint: hints.noService,
    });
  const pod = await readyPodOf(client, namespace, service.spec.selector);
  if (!pod?.metadata?.name)
    throw new OmrsError({
      code: 'ENV_NOT_READY',
      message: `no ready ${component} pod in namespace ${namespace}`,
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
  const forward = await forwardPort(client, { namespace, pod: podName, port: containerPort }, options);
  return {
    url: `http://127.0.0.1:${forward.port}`,
    port: forward.port,
    pod: podName,
    close: forward.close,
  };
}
