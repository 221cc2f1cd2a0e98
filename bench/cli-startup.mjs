#!/usr/bin/env node
// Cold start of the CLI against bare node, measured in the same run (median of many runs).
// Target (issues 3 and 19): at most 150 ms above `node -e 0`, on every run.
// Needs the built CLI (npm run build).
import { fmtMs, fmtRatio, log, median, report, row, timeRun } from './lib.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 25);
const TARGET_MS = 150;

function time(args) {
  const samples = [];
  for (let i = 0; i < runs + 2; i++) {
    const run = timeRun(process.execPath, args, { stdio: 'ignore', env: { ...process.env, CI: 'true' } });
    if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}`);
    if (i >= 2) samples.push(run.ms); // the first two warm the file system cache
  }
  return median(samples);
}

const cases = [
  ['omrs --version', ['bin/omrs.js', '--version']],
  ['omrs profile validate dev', ['bin/omrs.js', 'profile', 'validate', 'dev']],
];
const rows = [];
// Interleave baseline and subject so machine noise hits both alike.
let before = time(['-e', '0']);
log(`baseline  node -e 0: ${before.toFixed(1)} ms (median of ${runs})`);
for (const [name, args] of cases) {
  const ms = time(args);
  const after = time(['-e', '0']);
  const base = (before + after) / 2;
  const over = ms - base;
  log(`${name.padEnd(28)} ${ms.toFixed(1)} ms = ${(ms / base).toFixed(2)}x node, +${over.toFixed(1)} ms`);
  rows.push(
    row({
      metric: `${name} (start-up over node -e 0)`,
      omrs: fmtMs(ms),
      baseline: `${fmtMs(base)} (node -e 0)`,
      ratio: ms / base,
      ratioText: `${fmtRatio(ms / base)} (+${Math.round(over)} ms)`,
      target: `≤ +${TARGET_MS} ms`,
      ok: over <= TARGET_MS,
    }),
  );
  before = after;
}
report(rows);
