// One container's log through the API server's pods/log subresource (the API server asks the
// node's kubelet). Read with node:http(s) and the kubeconfig's credentials rather than the client
// library's Log, which loses the API server's reason on a 4xx answer, never reports a stream that
// broke, and drops `tailLines: 0`.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface PodLogOptions {
  container: string;
  follow?: boolean;
  tailLines?: number;
  /** RFC 3339: only lines at or after this time. */
  sinceTime?: string;
}

/** The API server refused the log (the pod is not running yet, no such container, no kubelet…). */
export class PodLogError extends Error {
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.name = 'PodLogError';
    this.status = status;
  }
}

function logUrl(server: string, namespace: string, pod: string, options: PodLogOptions): URL {
  const url = new URL(
    `${server.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
  );
  url.searchParams.set('container', options.container);
  if (options.follow) url.searchParams.set('follow', 'true');
  if (options.tailLines !== undefined) url.searchParams.set('tailLines', String(options.tailLines));
  if (options.sinceTime) url.searchParams.set('sinceTime', options.sinceTime);
  return url;
}

async function refusal(response: IncomingMessage): Promise<PodLogError> {
  let body = '';
  response.setEncoding('utf8');
  for await (const chunk of response) body += chunk as string;
  let message = body.trim();
  try {
    message = (JSON.parse(body) as { message?: string }).message ?? message;
  } catch {
    /* not a Status object: keep the text */
  }
  return new PodLogError(message || `HTTP ${response.statusCode}`, response.statusCode ?? 0);
}

/**
 * Calls `onLine` for each line of the log; resolves when the log ends (at once without `follow`)
 * or when `signal` aborts. Rejects with a PodLogError when the API server refuses, or when the
 * stream breaks before its end.
 */
export async function streamPodLog(
  config: KubeConfig,
  namespace: string,
  pod: string,
  options: PodLogOptions,
  signal: AbortSignal,
  onLine: (line: string) => void,
): Promise<void> {
  const server = config.getCurrentCluster()?.server;
  if (!server) throw new PodLogError('the kubeconfig context has no cluster server', 0);
  if (signal.aborted) return;
  const url = logUrl(server, namespace, pod, options);
  const requestOptions: RequestOptions = { method: 'GET', headers: {} };
  await config.applyToHTTPSOptions(requestOptions);
  const plain = url.protocol === 'http:';
  if (plain) delete requestOptions.agent;
  const send = plain ? httpRequest : httpsRequest;

  await new Promise<void>((resolve, reject) => {
    let rest = '';
    const flush = () => {
      if (rest) onLine(rest);
      rest = '';
    };
    const request = send(url, { ...requestOptions, signal }, (response) => {
      if (response.statusCode !== 200) {
        refusal(response).then(reject, reject);
        return;
      }
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
      });
      response.on('end', () => {
        flush();
        resolve();
      });
      response.on('error', (error) => (signal.aborted ? resolve() : reject(error)));
    });
    request.on('error', (error) => (signal.aborted ? resolve() : reject(error)));
    request.end();
  });
}
