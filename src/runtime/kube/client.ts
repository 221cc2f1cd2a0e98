// The Kubernetes client, loaded lazily (it is large): a kubeconfig read from disk (no network),
// the typed APIs for the one context the context guard allowed, and API errors as OmrsErrors.
import type * as k8s from '@kubernetes/client-node';
import { ExitCode, OmrsError } from '../../errors.js';
import { maskCredentials } from '../../mask.js';

export type Env = Record<string, string | undefined>;
export type K8s = typeof k8s;

export interface KubeClient {
  k8s: K8s;
  config: k8s.KubeConfig;
  context: string;
  /** The kubeconfig file helm must read (undefined: helm's own default). */
  kubeconfigPath: string | undefined;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  batch: k8s.BatchV1Api;
}

let loaded: Promise<K8s> | undefined;
export const loadK8s = (): Promise<K8s> => (loaded ??= import('@kubernetes/client-node'));

/** KUBECONFIG's first file, else ~/.kube/config (what kubectl and helm read). */
export function kubeconfigPath(env: Env, explicit?: string): string | undefined {
  if (explicit) return explicit;
  const first = env.KUBECONFIG?.split(':').find(Boolean);
  return first;
}

/** Reads the kubeconfig. Pure file I/O: no request reaches any API server here. */
export async function loadKubeConfig(
  env: Env,
  explicit?: string,
): Promise<{ config: k8s.KubeConfig; path: string | undefined }> {
  const lib = await loadK8s();
  const config = new lib.KubeConfig();
  const path = kubeconfigPath(env, explicit);
  try {
    if (path) config.loadFromFile(path);
    else {
      const home = env.HOME;
      if (!home) throw new Error('HOME is not set');
      config.loadFromFile(`${home}/.kube/config`);
    }
  } catch (error) {
    throw new OmrsError({
      code: 'KUBE_CONFIG_MISSING',
      // The parser's first line only: the lines after it quote the file, which holds credentials.
      message: `cannot read the kubeconfig${path ? ` ${path}` : ' (~/.kube/config)'}: ${maskCredentials((error instanceof Error ? error.message : String(error)).split('\n')[0]!)}`,
      exitCode: ExitCode.prerequisite,
      hint: 'Point KUBECONFIG at a kubeconfig file, or create a cluster (`--runtime kind` / `--runtime minikube`).',
    });
  }
  return { config, path };
}

/** The API clients bound to `context` (which the context guard has already approved). */
export async function clientFor(
  config: k8s.KubeConfig,
  context: string,
  path: string | undefined,
): Promise<KubeClient> {
  const lib = await loadK8s();
  config.setCurrentContext(context);
  return {
    k8s: lib,
    config,
    context,
    kubeconfigPath: path,
    core: config.makeApiClient(lib.CoreV1Api),
    apps: config.makeApiClient(lib.AppsV1Api),
    batch: config.makeApiClient(lib.BatchV1Api),
  };
}

interface StatusBody {
  message?: string;
  reason?: string;
  code?: number;
}

function statusOf(error: unknown): { code?: number; body?: StatusBody } {
  if (typeof error !== 'object' || error === null) return {};
  const e = error as { code?: unknown; body?: unknown };
  let body: StatusBody | undefined;
  if (typeof e.body === 'string') {
    try {
      body = JSON.parse(e.body) as StatusBody;
    } catch {
      body = { message: e.body };
    }
  } else if (typeof e.body === 'object' && e.body !== null) body = e.body as StatusBody;
  return { ...(typeof e.code === 'number' && { code: e.code }), ...(body && { body }) };
}

export const httpStatus = (error: unknown): number | undefined => statusOf(error).code;

/** The API server's own message for a failed call (its Status body), else the error's text. */
export const apiMessage = (error: unknown): string =>
  statusOf(error).body?.message ?? (error instanceof Error ? error.message : String(error));
export const isNotFound = (error: unknown): boolean => httpStatus(error) === 404;
export const isConflict = (error: unknown): boolean => httpStatus(error) === 409;

const NETWORK = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|socket hang up|certificate/i;

/** An API failure as the user should read it: what we tried, and the API server's own reason. */
export function apiError(error: unknown, what: string, context?: string): OmrsError {
  if (error instanceof OmrsError) return error;
  const { code, body } = statusOf(error);
  if (code !== undefined) {
    const reason =
      body?.reason ?? (code === 403 ? 'Forbidden' : code === 401 ? 'Unauthorized' : `HTTP ${code}`);
    const message = maskCredentials(apiMessage(error));
    return new OmrsError({
      code:
        code === 403
          ? 'KUBE_FORBIDDEN'
          : code === 401
            ? 'KUBE_UNAUTHORIZED'
            : code === 422
              ? 'KUBE_INVALID'
              : 'KUBE_API_ERROR',
      message: `${what}: the API server refused (${reason}): ${message}`,
      exitCode: ExitCode.failed,
      hint:
        code === 403
          ? `The credentials of context ${context ?? '(current)'} lack this permission: ask for a Role that allows it, or use another context.`
          : code === 401
            ? `The credentials of context ${context ?? '(current)'} were not accepted: log in again.`
            : undefined,
      cause: error,
    });
  }
  // A request error quotes the URL it failed on: the kubeconfig's server may hold credentials.
  const text = maskCredentials(
    error instanceof Error
      ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}`
      : String(error),
  );
  if (NETWORK.test(text))
    return new OmrsError({
      code: 'KUBE_UNREACHABLE',
      message: `${what}: cannot reach the API server of context ${context ?? '(current)'}: ${text}`,
      exitCode: ExitCode.prerequisite,
      hint: 'Is the cluster running? Check the server address of this context in your kubeconfig.',
      cause: error,
    });
  return new OmrsError({
    code: 'KUBE_API_ERROR',
    message: `${what}: ${text}`,
    exitCode: ExitCode.failed,
    cause: error,
  });
}

/** Runs one API call and turns its failure into an OmrsError. */
export async function api<T>(what: string, context: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw apiError(error, what, context);
  }
}
