// Which runtime a command uses: --runtime, else the profile's `runtime`. compose stays with
// src/runtime/compose; kube / kind / minikube / eks go to src/runtime/kube (after the provider
// made sure the cluster exists, for kind and minikube). The `up`, `down`, `status`, `logs` and
// `open` commands call this, so `omrs up --runtime kube` is the same command as on Docker.
import type { OpenedProfile, ProfileDeps } from '../profile/index.js';
import type { KubeDeps, KubeRequest, Target } from './kube/connect.js';
import type { KubeUpRequest, KubeUpResult } from './kube/up.js';
import type { KubeDownResult, KubeEnvStatus } from './kube/status.js';
import type { KubeLogLine, KubeLogsResult, OpenHandle } from './kube/logs.js';

export const CLUSTER_RUNTIMES = ['kube', 'kind', 'minikube', 'eks'] as const;
export type ClusterRuntime = (typeof CLUSTER_RUNTIMES)[number];

export const isClusterRuntime = (runtime: string | undefined): runtime is ClusterRuntime =>
  runtime !== undefined && (CLUSTER_RUNTIMES as readonly string[]).includes(runtime);

/**
 * --runtime when given, else the profile's runtime. Reads the profile only when needed, and then
 * answers it too, for the command to pass on (ProfileDeps.opened) instead of reading it again.
 */
export async function runtimeFor(
  flag: string | undefined,
  profile: string | undefined,
  deps: ProfileDeps,
): Promise<{ runtime: string; opened?: OpenedProfile }> {
  if (flag) return { runtime: flag };
  const { openProfile } = await import('../profile/index.js');
  const opened = await openProfile(profile, deps);
  return { runtime: opened.profile.runtime, opened };
}

/** Creates/starts the kind or minikube cluster; returns the profile it opened, if it did. */
async function ensureCluster(request: KubeRequest, deps: KubeDeps): Promise<OpenedProfile | undefined> {
  if (request.runtime !== 'kind' && request.runtime !== 'minikube') return undefined;
  const { openProfile } = await import('../profile/index.js');
  const opened = await openProfile(request.profile, deps);
  const profile = opened.profile;
  if (request.runtime === 'kind') {
    const { kindCreate, kindLoadImages } = await import('./kube/providers/kind.js');
    const name = profile.cluster.kind?.name ?? 'omrs';
    const created = await kindCreate(
      { name, config: profile.cluster.kind?.config ?? 'kind/dev.yaml' },
      deps.env,
      deps.cwd,
    );
    if (created) {
      const { profileImages } = await import('../render/values.js');
      await kindLoadImages(
        name,
        profileImages(profile).map((i) => i.image),
        deps.env,
      );
    }
  } else {
    const { minikubeStart } = await import('./kube/providers/minikube.js');
    await minikubeStart(profile.cluster.minikube?.profile ?? 'omrs', deps.env);
  }
  return opened;
}

/** The guarded target of a cluster command, once kind or minikube made sure the cluster exists. */
export async function clusterTarget(request: KubeRequest, deps: KubeDeps, action: string): Promise<Target> {
  const opened = await ensureCluster(request, deps);
  const { connect } = await import('./kube/connect.js');
  return connect(request, opened ? { ...deps, opened } : deps, action);
}

/** `up` on a cluster; the caller passes the target when it needs it afterwards (the dashboard). */
export async function clusterUp(
  request: KubeUpRequest,
  deps: KubeDeps,
  target?: Target,
): Promise<KubeUpResult> {
  const t = target ?? (await clusterTarget(request, deps, 'upgrade'));
  const { kubeUp } = await import('./kube/up.js');
  return kubeUp(request, deps, t);
}

export async function clusterDown(
  request: KubeRequest & { volumes?: boolean },
  deps: KubeDeps,
): Promise<KubeDownResult> {
  const { kubeDown } = await import('./kube/status.js');
  return kubeDown(request, deps);
}

export async function clusterStatus(request: KubeRequest, deps: KubeDeps): Promise<KubeEnvStatus> {
  const { kubeStatus } = await import('./kube/status.js');
  return kubeStatus(request, deps);
}

export async function clusterLogs(
  request: KubeRequest & { service?: string; follow?: boolean; tail?: number; since?: string },
  deps: KubeDeps & { onLine: (l: KubeLogLine) => void },
): Promise<KubeLogsResult> {
  const { kubeLogs } = await import('./kube/logs.js');
  return kubeLogs(request, deps);
}

export async function clusterOpen(request: KubeRequest, deps: KubeDeps): Promise<OpenHandle> {
  const { kubeOpen } = await import('./kube/logs.js');
  return kubeOpen(request, deps);
}
