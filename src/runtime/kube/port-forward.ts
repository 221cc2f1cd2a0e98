// A local port on 127.0.0.1 forwarded to a pod's port through the API server's pods/portforward
// subresource (a websocket per connection, which the API server hands to the node's kubelet), with
// the Kubernetes client library: no kubectl process.
import { createServer, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import { api, type KubeClient } from './client.js';

export interface PodPort {
  namespace: string;
  pod: string;
  port: number;
}

export interface PortForwardHandle {
  port: number;
  /** Stops listening and ends the connections still open. */
  close: () => Promise<void>;
}

/** The part of the client library's websocket this module uses. */
interface Channel {
  close: () => void;
  addEventListener: (type: 'close', listener: () => void) => void;
}

const messageOf = (error: unknown): string =>
  error instanceof Error
    ? error.message
    : typeof error === 'object' && error !== null && 'message' in error
      ? String((error as { message: unknown }).message)
      : String(error);

/**
 * Listens on 127.0.0.1:`localPort` (0: any free port) and forwards each connection to the pod's
 * port. `onProblem` gets what the API server or the kubelet reported for a connection that failed
 * (e.g. nothing listens on the pod's port); that connection is then closed, the others go on.
 */
export async function forwardPort(
  client: KubeClient,
  to: PodPort,
  options: { localPort?: number; onProblem: (message: string) => void },
): Promise<PortForwardHandle> {
  const forward = new client.k8s.PortForward(client.config);
  const open = new Map<Socket, Channel | undefined>();
  const where = `${to.pod}:${to.port}`;

  const server = createServer((socket) => {
    open.set(socket, undefined);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      open.get(socket)?.close();
      open.delete(socket);
    });
    let reason = '';
    const errors = new PassThrough();
    errors.on('data', (d: Buffer) => (reason += d.toString('utf8')));
    forward.portForward(to.namespace, to.pod, [to.port], socket, errors, socket).then(
      (ws) => {
        const channel = ws as unknown as Channel;
        if (!open.has(socket)) return channel.close(); // the client left while we connected
        open.set(socket, channel);
        // The pod side closed (or the kubelet gave up): end our side too, after what it sent.
        channel.addEventListener('close', () => {
          if (reason.trim()) options.onProblem(`port-forward to ${where}: ${reason.trim()}`);
          socket.end();
        });
      },
      (error: unknown) => {
        options.onProblem(`port-forward to ${where} failed: ${messageOf(error)}`);
        socket.destroy();
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.localPort ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const [socket, channel] of open) {
          channel?.close();
          socket.destroy();
        }
      }),
  };
}

/** A Ready pod that a Service's selector picks (what a port-forward to the Service reaches), if any. */
export async function readyPodOf(
  client: KubeClient,
  namespace: string,
  selector: Record<string, string>,
): Promise<V1Pod | undefined> {
  const labelSelector = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = await api(`list pods ${labelSelector}`, client.context, () =>
    client.core.listNamespacedPod({ namespace, labelSelector }),
  );
  return pods.items.find((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
}
