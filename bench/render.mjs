// Render the prod profile with 50 tenants through omrs (the built CLI: profile load, values,
// helm template, parse, print) against a bare `helm template` of the same values file, in the
// same run; several runs each, median; prints the ratio (target: at most 1.5x).
// Needs `npm run build`; helm from OMRS_HELM, PATH or ~/.cache/omrs/bin.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = join(import.meta.dirname, '..');
const runs = Number(process.env.BENCH_RUNS ?? 7);
const tenants = Number(process.env.BENCH_TENANTS ?? 50);
const helm = process.env.OMRS_HELM || 'helm';
const dir = mkdtempSync(join(tmpdir(), 'omrs-bench-'));

try {
  const profile = join(dir, 'prod-50.yaml');
  writeFileSync(
    profile,
    `extends: ${join(root, 'profiles/prod.yaml')}\ntenants:\n${Array.from({ length: tenants }, (_, i) => `  - { name: tenant-${i}, host: t${i}.emr.example.org }`).join('\n')}\n`,
  );
  const env = { ...process.env, OMRS_HELM: helm };
  const omrs = ['bin/omrs.js', 'render', '--profile', profile, '--env', 'bench', '--namespace', 'bench'];

  // The exact values omrs passes to helm, for the baseline.
  const values = JSON.parse(
    execFileSync(
      process.execPath,
      ['bin/omrs.js', 'render', '--profile', profile, '--env', 'bench', '--values', '--json'],
      { cwd: root, env, encoding: 'utf8' },
    ),
  );
  const valuesFile = join(dir, 'values.json');
  writeFileSync(valuesFile, JSON.stringify(values));
  const bare = ['template', 'bench', join(root, 'charts/openmrs'), '-f', valuesFile, '--namespace', 'bench'];

  const time = (file, args) => {
    const start = performance.now();
    const r = spawnSync(file, args, { cwd: root, env, maxBuffer: 256 << 20 });
    const ms = performance.now() - start;
    if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed: ${r.stderr}`);
    return { ms, bytes: r.stdout.length };
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

  time(process.execPath, omrs); // warm the file cache
  time(helm, bare);
  const ours = [];
  const base = [];
  let size = 0;
  for (let i = 0; i < runs; i++) {
    const a = time(process.execPath, omrs);
    const b = time(helm, bare);
    ours.push(a.ms);
    base.push(b.ms);
    size = a.bytes;
  }
  const [m1, m2] = [median(ours), median(base)];
  console.log(
    `render prod profile, ${tenants} tenants, ${runs} runs each (${(size / 1024).toFixed(0)} KiB of manifests)`,
  );
  console.log(`  omrs render (node bin/omrs.js): median ${m1.toFixed(0)} ms`);
  console.log(`  bare helm template:             median ${m2.toFixed(0)} ms`);
  console.log(`  ratio: ${(m1 / m2).toFixed(2)}x (target <= 1.5x)`);
  process.exitCode = m1 / m2 <= 1.5 ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
