#!/usr/bin/env node
// Cold start of the CLI against bare node, measured in the same run (median of many runs).
// Target (issue 3): at most 150 ms above `node -e 0`.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.BENCH_RUNS ?? 25);
const TARGET_MS = 150;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function time(args) {
  const samples = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, CI: 'true' },
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
    if (i >= 2) samples.push(ms); // the first two warm the file system cache
  }
  return median(samples);
}

const cases = [
  ['omrs --version', ['bin/omrs.js', '--version']],
  ['omrs profile validate dev', ['bin/omrs.js', 'profile', 'validate', 'dev']],
];
// Interleave baseline and subject so machine noise hits both alike.
const baseline = time(['-e', '0']);
console.log(`baseline  node -e 0: ${baseline.toFixed(1)} ms (median of ${runs})`);
let failed = false;
for (const [name, args] of cases) {
  const ms = time(args);
  const again = time(['-e', '0']);
  const base = (baseline + again) / 2;
  const over = ms - base;
  const ok = over <= TARGET_MS;
  failed ||= !ok;
  console.log(
    `${name.padEnd(28)} ${ms.toFixed(1)} ms  = ${(ms / base).toFixed(2)}x node, +${over.toFixed(1)} ms (target +${TARGET_MS} ms) ${ok ? 'OK' : 'OVER'}`,
  );
}
process.exitCode = failed ? 1 : 0;
