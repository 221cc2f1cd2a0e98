// Render the prod profile with 50 tenants through omrs (the built CLI: profile load, values,
// helm template, parse, print) against a bare `helm template` of the same values file, in the
// same run; several runs each, median. Target (issue 19): at most 1.5x.
// Needs `npm run build`; helm from OMRS_HELM, the harness (npm run engines -- up helm) or PATH.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmtMs, helmPath, log, median, report, root, row, skipped, timeRun } from './lib.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 7);
const tenants = Number(process.env.BENCH_TENANTS ?? 50);
const TARGET = 1.5;
const METRIC = `omrs render, prod with ${tenants} tenants`;
const helm = helmPath();
if (helm) await benchmark();
else report([skipped(METRIC, `≤ ${TARGET}×`, 'helm')]);

async function benchmark() {
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
    const bare = [
      'template',
      'bench',
      join(root, 'charts/openmrs'),
      '-f',
      valuesFile,
      '--namespace',
      'bench',
    ];

    const time = (file, args) => {
      const run = timeRun(file, args, { env });
      if (run.status !== 0) throw new Error(`${file} ${args.join(' ')} failed: ${run.stderr}`);
      return { ms: run.ms, bytes: run.stdout.length };
    };

    time(process.execPath, omrs); // warm the file cache
    time(helm, bare);
    const ours = [];
    const base = [];
    let size = 0;
    for (let i = 0; i < runs; i++) {
      const a = time(process.execPath, omrs);
      ours.push(a.ms);
      base.push(time(helm, bare).ms);
      size = a.bytes;
    }
    const [m1, m2] = [median(ours), median(base)];
    log(
      `render prod profile, ${tenants} tenants, ${runs} runs each (${(size / 1024).toFixed(0)} KiB of manifests)`,
    );
    log(`  omrs render (node bin/omrs.js): median ${m1.toFixed(0)} ms`);
    log(`  bare helm template:             median ${m2.toFixed(0)} ms`);
    report([
      row({
        metric: METRIC,
        omrs: fmtMs(m1),
        baseline: `${fmtMs(m2)} (helm template)`,
        ratio: m1 / m2,
        target: `≤ ${TARGET}×`,
        ok: m1 / m2 <= TARGET,
      }),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
