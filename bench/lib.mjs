// What the benchmarks share: timing, the harness engines' state, and one row format.
// Each benchmark runs alone (`node bench/<name>.mjs`, a table on stdout) or under bench/run.mjs
// (`--json`: its rows as JSON on stdout, progress on stderr).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export const root = join(import.meta.dirname, '..');
export const asJson = process.argv.includes('--json');

/** Progress lines: stdout when run alone, stderr under --json (stdout holds the rows). */
export const log = (...parts) => (asJson ? console.error : console.log)(...parts);

export const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Runs a process to its end; wall time in ms. Throws when it cannot start. */
export function timeRun(file, args, options = {}) {
  const started = performance.now();
  const run = spawnSync(file, args, { cwd: root, encoding: 'utf8', maxBuffer: 256 << 20, ...options });
  const ms = performance.now() - started;
  if (run.error) throw run.error;
  return { ms, status: run.status, stdout: run.stdout ?? '', stderr: run.stderr ?? '' };
}

/** The state file an engine's `up` wrote (test/harness/README.md), or undefined when it is down. */
export function harnessState(engine) {
  const file = join(process.env.OMRS_HARNESS_CACHE ?? '/var/cache/omrs-harness', 'state', `${engine}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

/** The first of `engines` that is down, or undefined when all are up. */
export const missingEngine = (...engines) => engines.find((e) => !harnessState(e));

/** helm: OMRS_HELM, else the harness's, else the one on PATH; undefined when there is none. */
export function helmPath() {
  const helm = process.env.OMRS_HELM || harnessState('helm')?.helm;
  if (helm) return helm;
  return spawnSync('helm', ['version', '--short'], { stdio: 'ignore' }).status === 0 ? 'helm' : undefined;
}

export const fmtMs = (ms) => `${Math.round(ms).toLocaleString('en-US')} ms`;
export const fmtS = (ms) => `${(ms / 1000).toFixed(1)} s`;
export const fmtRatio = (r) => `${r.toFixed(2)}×`;

/**
 * One row of the table. `ok` decides the verdict; `ratio` is a number (the one the target is
 * about), `omrs`/`baseline` are the measured values as text with their unit.
 */
export function row({ metric, omrs, baseline, ratio, target, ok, ratioText }) {
  return {
    metric,
    omrs,
    baseline,
    ratio: Number(ratio.toFixed(3)),
    ratioText: ratioText ?? fmtRatio(ratio),
    target,
    verdict: ok ? 'ok' : 'missed',
  };
}

/** A row that could not be measured: engine down, not measurable here, or the benchmark failed. */
export const unmeasured = (metric, target, verdict) => ({
  metric,
  omrs: '-',
  baseline: '-',
  ratio: null,
  ratioText: '-',
  target,
  verdict,
});

export const skipped = (metric, target, engine) =>
  unmeasured(metric, target, `skipped (engine ${engine} down)`);

const COLUMNS = [
  ['metric', 'metric'],
  ['omrs', 'omrs'],
  ['baseline', 'baseline'],
  ['ratio', 'ratioText'],
  ['target', 'target'],
  ['verdict', 'verdict'],
];

export function formatTable(rows) {
  const cells = [
    COLUMNS.map(([title]) => title),
    ...rows.map((r) => COLUMNS.map(([, key]) => String(r[key]))),
  ];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  const line = (c) =>
    c
      .map((text, i) => text.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

/** A row failed its target or could not run: the process then exits 1. */
export const failing = (r) => r.verdict === 'missed' || r.verdict.startsWith('error');

/** Prints the rows (a table, or JSON with --json) and sets the exit code. */
export function report(rows) {
  if (asJson) console.log(JSON.stringify(rows));
  else console.log(`\n${formatTable(rows)}`);
  process.exitCode = rows.some(failing) ? 1 : 0;
}
