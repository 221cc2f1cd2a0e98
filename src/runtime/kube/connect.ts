// Profile → guarded context → API client. The guard runs on the kubeconfig file alone; only after
// it approved a context does any request leave this process.
import type { EventSink } from '../../events/types.js';
import { appDigest } from '../../profile/digest.js';
import { openProfile, type ProfileDeps, type ResolvedProfile } from '../../profile/index.js';
import { checkEnvName, envNameOf, namespaceFor } from '../../render/env-name.js';
import type { RuntimeRequest } from '../runtime.js';
import { clientFor, loadKubeConfig, type KubeClient } from './client.js';
import { guardContext, type GuardDecision } from './context-guard.js';

/** The runtime is kube | kind | minikube | eks; default the profile's (compose means kube here). */
export type KubeRequest = RuntimeRequest;

export interface KubeDeps extends ProfileDeps {
  events: EventSink;
  signal: AbortSignal;
  /** Whether a person can be asked (a TTY); with `confirm` to ask them. */
  interactive?: boolean;
  confirm?: (question: string) => Promise<string>;
}

export interface Target {
  resolved: ResolvedProfile;
  env: string;
  namespace: string;
  digest: string;
  runtime: string;
  decision: GuardDecision;
  client: KubeClient;
}

export const clusterRuntimeOf = (flag: string | undefined, profileRuntime: string): string =>
  flag ?? (profileRuntime === 'compose' ? 'kube' : profileRuntime);

export async function connect(request: KubeRequest, deps: KubeDeps, action: string): Promise<Target> {
  const resolved = await openProfile(request.profile, deps);
  const env = checkEnvName(request.env ?? envNameOf(resolved.name));
  const namespace = resolved.profile.cluster.namespace ?? namespaceFor(env);
  const runtime = clusterRuntimeOf(request.runtime, resolved.profile.runtime);
  const { config, path } = await loadKubeConfig(deps.env, request.kubeconfig);
  const decision = await guardContext({
    profile: resolved.profile,
    runtime,
    ...(request.context !== undefined && { flag: request.context }),
    contexts: config.getContexts().map((c) => c.name),
    ...(config.getCurrentContext() && { current: config.getCurrentContext() }),
    ...(request.yes !== undefined && { yes: request.yes }),
    ...(deps.interactive !== undefined && { interactive: deps.interactive }),
    ...(deps.confirm && { confirm: deps.confirm }),
    action: `${action} ${env}`,
  });
  const client = await clientFor(config, decision.context, path);
  return { resolved, env, namespace, digest: appDigest(resolved.profile), runtime, decision, client };
}
