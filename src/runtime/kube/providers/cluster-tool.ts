// The cluster CLIs (kind, minikube) run through the platform's process runner, which never
// throws; a failure becomes an OmrsError with the tool's last line. Both load only the images the
// local Docker engine has (localImages).
import { ExitCode, OmrsError } from '../../../errors.js';
import { createDocker } from '../../../platform/docker.js';
import { run, type Env, type RunResult } from '../../../platform/exec.js';

export type ToolResult = RunResult;

/** Creating a cluster pulls a node image and boots it: minutes, not the runner's default seconds. */
const TOOL_TIMEOUT_MS = 15 * 60_000;

export function tool(binary: string, args: string[], env: Env, signal?: AbortSignal): Promise<ToolResult> {
  return run(binary, args, { env, timeoutMs: TOOL_TIMEOUT_MS, ...(signal && { signal }) });
}

export function toolFailure(what: string, r: ToolResult): OmrsError {
  const lines = (r.stderr.trim() || r.stdout.trim()).split('\n').filter(Boolean);
  const last =
    lines.filter((l) => /error/i.test(l)).pop() ?? lines.pop() ?? r.error ?? `exit code ${String(r.code)}`;
  const offline = /pull|registry|no such host|dial tcp/i.test(r.stderr);
  return new OmrsError({
    code: 'CLUSTER_PROVIDER_FAILED',
    message: `${what} failed: ${last.trim()}`,
    exitCode: ExitCode.failed,
    ...(offline && {
      hint: 'The node image could not be pulled: this machine cannot reach the registry. Pre-load the image (docker load) or use an existing cluster (--runtime kube).',
    }),
  });
}

export function missingBinary(name: string, install: string): OmrsError {
  return new OmrsError({
    code: 'CLUSTER_PROVIDER_MISSING',
    message: `${name} is not installed (not on PATH)`,
    exitCode: ExitCode.prerequisite,
    hint: install,
  });
}

/** The images this machine's Docker engine has (kind and minikube can only load those; the nodes pull the others). */
export async function localImages(images: string[], env: Env): Promise<string[]> {
  const docker = await createDocker(env);
  const present = await Promise.all(
    images.map((image) =>
      docker
        .getImage(image)
        .inspect()
        .then(
          () => true,
          () => false,
        ),
    ),
  );
  return images.filter((_, i) => present[i]);
}
