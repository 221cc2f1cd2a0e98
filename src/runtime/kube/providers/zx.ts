// The cluster CLIs (kind, minikube) run through zx: lazily imported, never throwing (nothrow),
// quiet; a failure becomes an OmrsError with the tool's last line.
import { ExitCode, OmrsError } from '../../../errors.js';

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function tool(
  binary: string,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<ToolResult> {
  const { $ } = await import('zx');
  const out = await $({ nothrow: true, quiet: true, env: env as NodeJS.ProcessEnv })`${binary} ${args}`;
  return { code: out.exitCode, stdout: out.stdout, stderr: out.stderr };
}

export function toolFailure(what: string, r: ToolResult): OmrsError {
  const lines = (r.stderr.trim() || r.stdout.trim()).split('\n').filter(Boolean);
  const last = lines.filter((l) => /error/i.test(l)).pop() ?? lines.pop() ?? `exit code ${String(r.code)}`;
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
