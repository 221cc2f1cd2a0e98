// open on a cluster: a port of 127.0.0.1 forwarded to a ready gateway pod through the API
// server's pods/portforward subresource (no kubectl).
import { ExitCode, OmrsError } from '../../errors.js';
import { api } from './client.js';
import { connect, type KubeDeps, type KubeRequest, type Target } from './connect.js';
import { forwardPort, readyPodOf } from './port-forward.js';

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
