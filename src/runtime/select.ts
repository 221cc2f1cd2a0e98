// Which runtime a command uses: --runtime, else the profile's `runtime`. compose is Docker
// (src/runtime/compose); kube, kind, minikube and eks are clusters (src/runtime/kube). This is the
// one place that asks: every command and the shell hold the Runtime it answers and call it.
import { ExitCode, OmrsError } from '../errors.js';
import { openProfile, type OpenedProfile, type ProfileDeps } from '../profile/index.js';
import { RUNTIMES } from '../profile/runtimes.js';
import { composeRuntime } from './compose/runtime.js';
import { kubeRuntime } from './kube/runtime.js';
import type { Runtime, RuntimeDeps, RuntimeKind, RuntimeRequest } from './runtime.js';

const isRuntime = (runtime: string): runtime is RuntimeKind =>
  (RUNTIMES as readonly string[]).includes(runtime);

/**
 * --runtime when given, else the profile's runtime. Reads the profile only when needed, and then
 * answers it too, for the command to pass on (ProfileDeps.opened) instead of reading it again.
 */
async function runtimeFor(
  flag: string | undefined,
  profile: string | undefined,
  deps: ProfileDeps,
): Promise<{ runtime: string; opened?: OpenedProfile }> {
  if (flag) return { runtime: flag };
  const opened = await openProfile(profile, deps);
  return { runtime: opened.profile.runtime, opened };
}

/** The Runtime of the environment a request names, bound to the command's dependencies. */
export async function selectRuntime(request: RuntimeRequest, deps: RuntimeDeps): Promise<Runtime> {
  const { runtime, opened } = await runtimeFor(request.runtime, request.profile, deps);
  if (!isRuntime(runtime))
    throw new OmrsError({
      code: 'RUNTIME_UNKNOWN',
      message: `runtime "${runtime}" is not one omrs runs on`,
      exitCode: ExitCode.usage,
      hint: `Use one of: ${RUNTIMES.join(', ')}.`,
    });
  const bound = opened ? { ...deps, opened } : deps;
  return runtime === 'compose' ? composeRuntime(request, bound) : kubeRuntime(request, bound, runtime);
}
