// logs [-f] and open on a cluster. Both need a kubelet behind the pods: on a kwok cluster (no
// kubelet) the API server answers with an error, which is reported per pod, not thrown.
import { createServer, type Server } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { ExitCode, OmrsError } from '../../errors.js';
import { api } from './client.js';
import { connect, type KubeDeps, type KubeRequest, type Target } from './connect.js';

export interface KubeLogLine {
  service: string;
  line: string;
}

export interface KubeLogsRequest extends KubeRequest {
  service?: string;
  follow?: boolean;
  tail?: number;
}

export interface KubeLogsResult {
  pods: string[];
  /** Pods whose logs could not be read, with the API server's reason. */
  unavailable: { pod: string; reason: string }[];
}

const reasonOf = (error: unknown): string => {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  return error instanceof Error ? error.message : String(error);
};

export async function kubeLogs(
  request: KubeLogsRequest,
  deps: KubeDeps & { onLine: (l: KubeLogLine) => void },
  target?: Target,
): Promise<KubeLogsResult> {
  const t = target ?? (await connect(request, deps, 'read logs of'));
  const { client, namespace, env } = t;
  const pods = await api('list pods', client.context, () =>
    client.core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/instance=${env}` }),
  );
  const selected = pods.items.filter((p) => {
    if (!request.service) return true;
    const name = p.metadata?.name ?? '';
    const c = p.metadata?.labels?.['omrs.dev/component'];
    return c === request.service || name.startsWith(`${env}-${request.service}`);
  });
  const result: KubeLogsResult = { pods: selected.map((p) => p.metadata?.name ?? ''), unavailable: [] };
  const log = new client.k8s.Log(client.config);
  const controllers: AbortController[] = [];
  await Promise.all(
    selected.map(async (pod) => {
      const name = pod.metadata?.name ?? '';
      const container = pod.spec?.containers[0]?.name ?? '';
      const service = pod.metadata?.labels?.['omrs.dev/component'] ?? name;
      let rest = '';
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          const text = rest + chunk.toString('utf8');
          const lines = text.split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) deps.onLine({ service, line });
          done();
        },
      });
      try {
        const finished = new Promise<void>((resolve) => sink.on('finish', resolve));
        controllers.push(
          await log.log(namespace, name, container, sink, {
            follow: request.follow === true,
            ...(request.tail !== undefined && { tailLines: request.tail }),
          }),
        );
        if (request.follow)
          await Promise.race([
            finished,
            new Promise((r) => deps.signal.addEventListener('abort', r, { once: true })),
          ]);
        else await finished;
        if (rest) deps.onLine({ service, line: rest });
      } catch (error) {
        result.unavailable.push({ pod: name, reason: reasonOf(error) });
      }
    }),
  );
  for (const c of controllers) c.abort();
  return result;
}

export interface OpenHandle {
  url: string;
  port: number;
  pod: string;
  close: () => Promise<void>;
}

/** Port-forwards 127.0.0.1:<port> to a pod of the gateway Service through the client library (no kubectl). */
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
  const selector = Object.entries(service.spec.selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = await api('list gateway pods', client.context, () =>
    client.core.listNamespacedPod({ namespace, labelSelector: selector }),
  );
  const pod = pods.items.find((p) =>
    p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
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
  const forward = new client.k8s.PortForward(client.config);
  const podName = pod.metadata.name;
  const server: Server = createServer((socket) => {
    const errors = new PassThrough();
    errors.on('data', (d: Buffer) =>
      deps.events.emit({
        type: 'warning',
        message: `port-forward to ${podName}: ${d.toString('utf8').trim()}`,
      }),
    );
    forward
      .portForward(namespace, podName, [containerPort], socket, errors, socket)
      .catch((error: unknown) => {
        deps.events.emit({
          type: 'warning',
          message: `port-forward to ${podName} failed: ${reasonOf(error)}`,
        });
        socket.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(request.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/openmrs/spa`,
    port,
    pod: podName,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
