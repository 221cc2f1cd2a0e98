// Runs checkov and tfsec over terraform/ and reduces their JSON to failures and suppressions,
// which scanners.test.ts compares with the suppression table of terraform/README.md.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TfFinding {
  scanner: 'checkov' | 'tfsec';
  check: string;
  resource: string;
  file: string;
}

/** Scanners exit non-zero when they find something; the JSON on stdout is what counts. */
async function stdoutOf(binary: string, args: string[]): Promise<string> {
  const { stdout } = await run(binary, args, { maxBuffer: 64 << 20 }).catch(
    (e: { stdout?: string; stderr?: string; message: string }) => {
      if (!e.stdout) throw new Error(`${binary} ${args.join(' ')} printed nothing: ${e.stderr ?? e.message}`);
      return { stdout: e.stdout };
    },
  );
  return stdout;
}

interface CheckovCheck {
  check_id: string;
  resource: string;
  file_path: string;
}
interface CheckovReport {
  check_type: string;
  results: {
    failed_checks?: CheckovCheck[];
    skipped_checks?: CheckovCheck[];
    passed_checks?: CheckovCheck[];
  };
}

export interface CheckovResult {
  failed: TfFinding[];
  skipped: TfFinding[];
  passed: number;
}

export async function checkovTerraform(binary: string, dir: string): Promise<CheckovResult> {
  // Not --quiet: in JSON it drops the passed and skipped checks, which the test looks at.
  const stdout = await stdoutOf(binary, [
    '-d',
    dir,
    '--framework',
    'terraform',
    '-o',
    'json',
    '--skip-download',
  ]);
  const parsed = JSON.parse(stdout) as CheckovReport | CheckovReport[] | { passed: number };
  const reports = Array.isArray(parsed) ? parsed : 'results' in parsed ? [parsed] : [];
  const toFinding = (c: CheckovCheck): TfFinding => ({
    scanner: 'checkov',
    check: c.check_id,
    resource: c.resource,
    file: c.file_path,
  });
  return {
    failed: reports.flatMap((r) => (r.results.failed_checks ?? []).map(toFinding)),
    skipped: reports.flatMap((r) => (r.results.skipped_checks ?? []).map(toFinding)),
    passed: reports.reduce((n, r) => n + (r.results.passed_checks ?? []).length, 0),
  };
}

interface TfsecResult {
  long_id: string;
  rule_id: string;
  resource: string;
  location: { filename: string };
}

/**
 * tfsec on its own picks one root below `dir`; --force-all-dirs makes it read every folder
 * (each module standalone and through every root that calls it).
 */
export async function tfsec(
  binary: string,
  dir: string,
  options: { allDirs: boolean; includeIgnored?: boolean },
): Promise<TfFinding[]> {
  const args = [dir, '--no-color', '--format', 'json', '--soft-fail'];
  if (options.allDirs) args.push('--force-all-dirs');
  if (options.includeIgnored) args.push('--include-ignored');
  const parsed = JSON.parse(await stdoutOf(binary, args)) as { results: TfsecResult[] | null };
  return (parsed.results ?? []).map((r) => ({
    scanner: 'tfsec',
    check: r.long_id,
    resource: r.resource,
    file: r.location.filename,
  }));
}
