// helm against a cluster: upgrade --install (never --wait: omrs watches readiness itself),
// rollback, uninstall, history. Always with --kube-context (the guarded context) and --kubeconfig.
import { ExitCode, OmrsError } from '../../errors.js';
import { chartDir, withValuesFile } from '../../render/helm.js';
import { run, type Env } from '../../platform/exec.js';

export interface HelmTarget {
  helm: string;
  release: string;
  namespace: string;
  context: string;
  kubeconfig: string | undefined;
  env: Env;
  signal?: AbortSignal;
}

const targetArgs = (t: HelmTarget): string[] => [
  '--namespace',
  t.namespace,
  '--kube-context',
  t.context,
  ...(t.kubeconfig ? ['--kubeconfig', t.kubeconfig] : []),
];

/** helm's "Error: ..." line, without the noise, for the user. */
export function helmReason(stderr: string, fallback: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const last = lines.findLastIndex((l) => l.startsWith('Error:'));
  if (last < 0) return lines.pop() ?? fallback;
  // "Error: 2 errors occurred:" is followed by one "* <error>" line per error: those are the reason.
  const bullets = [];
  for (const l of lines.slice(last + 1)) {
    if (!l.startsWith('* ')) break;
    bullets.push(l.slice(2));
  }
  const head = lines[last]!.replace(/^Error:\s*/, '');
  return bullets.length > 0 ? bullets.join('; ') : head;
}

async function helm(t: HelmTarget, args: string[], what: string, timeoutMs = 300_000): Promise<string> {
  const result = await run(t.helm, [...args, ...targetArgs(t)], {
    env: t.env,
    timeoutMs,
    ...(t.signal && { signal: t.signal }),
  });
  if (t.signal?.aborted)
    throw new OmrsError({
      code: 'INTERRUPTED',
      message: `${what} interrupted`,
      exitCode: ExitCode.interrupted,
      hint: 'Run the same command again: it converges.',
    });
  if (result.code !== 0) {
    const reason = helmReason(result.stderr, result.error ?? `exit code ${String(result.code)}`);
    throw new OmrsError({
      code: /forbidden/i.test(reason)
        ? 'KUBE_FORBIDDEN'
        : /exceeded quota/i.test(reason)
          ? 'KUBE_QUOTA_EXCEEDED'
          : 'HELM_FAILED',
      message: `${what} failed: ${reason}`,
      exitCode: ExitCode.failed,
      ...(/exceeded quota/i.test(reason) && {
        hint: 'A ResourceQuota in the namespace forbids this: raise the quota or lower replicas/resources in the profile.',
      }),
      ...(/forbidden/i.test(reason) &&
        !/exceeded quota/i.test(reason) && {
          hint: `The credentials of context ${t.context} lack a permission helm needs.`,
        }),
    });
  }
  return result.stdout;
}

export async function helmUpgrade(t: HelmTarget, values: unknown, chart = chartDir()): Promise<void> {
  await withValuesFile(values, (file) =>
    helm(
      t,
      ['upgrade', '--install', t.release, chart, '-f', file, '--history-max', '10'],
      `helm upgrade --install ${t.release}`,
    ),
  );
}

/** The objects a revision of the release applied, as helm printed them. */
export function helmManifest(t: HelmTarget, revision: number): Promise<string> {
  return helm(
    t,
    ['get', 'manifest', t.release, '--revision', String(revision)],
    `helm get manifest ${t.release} --revision ${revision}`,
    60_000,
  );
}

export async function helmRollback(t: HelmTarget, revision: number): Promise<void> {
  await helm(t, ['rollback', t.release, String(revision)], `helm rollback ${t.release} ${revision}`);
}

export async function helmUninstall(t: HelmTarget): Promise<boolean> {
  try {
    await helm(t, ['uninstall', t.release], `helm uninstall ${t.release}`);
    return true;
  } catch (error) {
    if (error instanceof OmrsError && /not found/i.test(error.message)) return false;
    throw error;
  }
}

export interface HelmRevision {
  revision: number;
  status: string;
  description: string;
  updated: string;
}

export async function helmHistory(t: HelmTarget): Promise<HelmRevision[]> {
  try {
    return JSON.parse(
      await helm(t, ['history', t.release, '-o', 'json'], `helm history ${t.release}`, 60_000),
    ) as HelmRevision[];
  } catch (error) {
    if (error instanceof OmrsError && /not found/i.test(error.message)) return [];
    throw error;
  }
}
