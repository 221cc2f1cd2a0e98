// Runs kube-score and checkov on rendered manifests and reduces their JSON to findings, which the
// test compares with charts/openmrs/scanner-waivers.json.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Finding {
  scanner: 'kube-score' | 'checkov';
  check: string;
  /** Kind/name */
  resource: string;
  detail: string;
}

export interface Waiver {
  scanner: string;
  check: string;
  resource: string;
  reason: string;
}

export const readWaivers = (file: string): Waiver[] =>
  (JSON.parse(readFileSync(file, 'utf8')) as { waivers: Waiver[] }).waivers;

export const isWaived = (f: Finding, waivers: Waiver[]): boolean =>
  waivers.some(
    (w) => w.scanner === f.scanner && w.check === f.check && new RegExp(w.resource).test(f.resource),
  );

interface KubeScoreObject {
  type_meta: { kind: string };
  object_meta: { name: string };
  checks: {
    check: { id: string };
    grade: number;
    skipped: boolean;
    comments: { summary: string; path: string }[] | null;
  }[];
}

/** Critical kube-score findings (grade 1). kube-score exits non-zero when it finds any. */
export async function kubeScore(binary: string, manifests: string): Promise<Finding[]> {
  const dir = mkdtempSync(join(tmpdir(), 'omrs-scan-'));
  try {
    const file = join(dir, 'manifests.yaml');
    writeFileSync(file, manifests);
    const { stdout } = await run(binary, ['score', '-o', 'json', file], { maxBuffer: 64 << 20 }).catch(
      (e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }),
    );
    const objects = JSON.parse(stdout) as KubeScoreObject[];
    return objects.flatMap((o) =>
      o.checks
        .filter((c) => !c.skipped && c.grade <= 1)
        .map((c) => ({
          scanner: 'kube-score' as const,
          check: c.check.id,
          resource: `${o.type_meta.kind}/${o.object_meta.name}`,
          detail: (c.comments ?? []).map((x) => `${x.path}: ${x.summary}`).join('; '),
        })),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface CheckovReport {
  results: { failed_checks: { check_id: string; check_name: string; resource: string }[] };
}

/** Failed checkov checks (checkov gives no severities without a platform key: every failure counts). */
export async function checkov(binary: string, manifests: string): Promise<Finding[]> {
  const dir = mkdtempSync(join(tmpdir(), 'omrs-scan-'));
  try {
    writeFileSync(join(dir, 'manifests.yaml'), manifests);
    const { stdout } = await run(
      binary,
      ['-d', dir, '--framework', 'kubernetes', '-o', 'json', '--quiet', '--skip-download'],
      { maxBuffer: 64 << 20 },
    ).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
    const parsed = JSON.parse(stdout) as CheckovReport | CheckovReport[] | { passed: number };
    const reports = Array.isArray(parsed) ? parsed : 'results' in parsed ? [parsed] : [];
    return reports.flatMap((r) =>
      r.results.failed_checks.map((c) => {
        // checkov names resources Kind.namespace.name
        const [kind, , ...name] = c.resource.split('.');
        return {
          scanner: 'checkov' as const,
          check: c.check_id,
          resource: `${kind}/${name.join('.')}`,
          detail: c.check_name,
        };
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `helm template` of charts/omrs-monitoring (what `up` installs once per cluster), as `up` names it. */
export async function clusterMonitoringManifests(helm: string): Promise<string> {
  const { stdout } = await run(helm, [
    'template',
    'omrs-monitoring',
    join(import.meta.dirname, '../../../charts/omrs-monitoring'),
    '--namespace',
    'omrs-monitoring',
  ]);
  return stdout;
}
