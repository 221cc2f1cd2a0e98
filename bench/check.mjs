// `omrs check --scope manifests,terraform` on the prod profile with 50 tenants (its rendered
// manifests and terraform/), against checkov and kube-score on the same files, in the same run.
// Several runs each, median. Target (issue 19): omrs at least 10x faster than checkov, warm and
// cold (an empty HCL parse cache in the user's home: what a first run and CI see; the parses of the
// shipped terraform/ that `npm run build` writes to dist/hcl-parsed.json are part of the install).
// Every run of omrs is the built CLI, `node bin/omrs.js check <manifests> terraform --json`, in a
// fresh process, as a user or CI runs it (`npm run build` first, unless --no-build). The manifests
// are rendered once beforehand from a bundle of src/render.
// Scanners: KUBE_SCORE / CHECKOV env, else the harness state (npm run engines -- up scanners).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { fmtMs, harnessState, log, median, report, root, row, skipped, timeRun } from './lib.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const tenants = Number(process.env.BENCH_TENANTS ?? 50);
const TARGET = 10;
const harness = harnessState('scanners') ?? {};
const checkov = process.env.CHECKOV ?? harness.checkov;
const kubeScore = process.env.KUBE_SCORE ?? harness.kubeScore ?? 'kube-score';
const metrics = ['omrs check vs checkov, cold (empty HCL cache)', 'omrs check vs checkov, warm'];
if (!checkov) {
  report(metrics.map((m) => skipped(m, `≥ ${TARGET}× faster`, 'scanners')));
} else {
  await benchmark();
}

async function benchmark() {
  // Inside the project so that the bundle's external packages resolve from node_modules.
  mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
  const dir = mkdtempSync(join(root, 'node_modules', '.cache', 'omrs-bench-check-'));
  try {
    if (!process.argv.includes('--no-build'))
      execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
    await build({
      entryPoints: { render: join(root, 'src/render/index.ts') },
      outdir: dir,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');

    // The prod profile with 50 tenants, rendered once by omrs (helm template) into one manifest file.
    const profile = join(dir, 'prod-50.yaml');
    writeFileSync(
      profile,
      `extends: ${join(root, 'profiles/prod.yaml')}\ntenants:\n${Array.from({ length: tenants }, (_, i) => `  - { name: tenant-${i}, host: t${i}.emr.example.org }`).join('\n')}\n`,
    );
    const manifests = join(dir, 'prod-50.rendered.yaml');
    const renderScript = `import { renderProfile } from ${JSON.stringify(join(dir, 'render.js'))}; import { stringify } from 'yaml';
    const r = await renderProfile({ profile: ${JSON.stringify(profile)}, env: 'bench', namespace: 'bench' }, { cwd: ${JSON.stringify(root)}, env: process.env });
    process.stdout.write(r.objects.map((o) => '---\\n' + stringify(o.raw)).join(''));`;
    writeFileSync(join(dir, 'render-run.mjs'), renderScript);
    writeFileSync(
      manifests,
      execFileSync(process.execPath, [join(dir, 'render-run.mjs')], {
        cwd: root,
        maxBuffer: 256 << 20,
        encoding: 'utf8',
      }),
    );
    const terraform = join(root, 'terraform');

    const cli = join(root, 'bin/omrs.js');
    const checkArgs = [
      cli,
      'check',
      manifests,
      terraform,
      '--scope',
      'manifests,terraform',
      '--level',
      'prod',
      '--json',
    ];
    // Exit 3: the gate failed, as it does on this profile's findings; anything else is a failure of the run.
    const summarise = (run) => {
      if (run.status !== 0 && run.status !== 3)
        throw new Error(`omrs check exited ${run.status}: ${run.stderr}`);
      const report = JSON.parse(run.stdout);
      return JSON.stringify({ findings: report.findings.length, fail: report.counts.fail });
    };

    const time = (file, args, env = process.env) => timeRun(file, args, { env });
    // Cold: an empty parse cache each run (what a first run or CI without a cache sees); warm: reused.
    const cache = join(dir, 'cache');
    const coldEnv = () => {
      rmSync(cache, { recursive: true, force: true });
      return { ...process.env, OMRS_CACHE_DIR: cache };
    };
    const omrs = [],
      omrsCold = [],
      ck = [],
      ks = [];
    let summary = '';
    for (let i = 0; i < runs; i++) {
      const cold = time(process.execPath, checkArgs, coldEnv());
      summarise(cold);
      omrsCold.push(cold.ms);
      const o = time(process.execPath, checkArgs, { ...process.env, OMRS_CACHE_DIR: cache });
      summary = summarise(o);
      omrs.push(o.ms);
      ks.push(time(kubeScore, ['score', manifests]).ms);
      ck.push(
        time(checkov, [
          '-f',
          manifests,
          '-d',
          terraform,
          '--framework',
          'kubernetes',
          'terraform',
          '--quiet',
          '--compact',
          '-o',
          'json',
        ]).ms,
      );
    }
    const objects = (readFileSync(manifests, 'utf8').match(/^---$/gm) ?? []).length;
    log(`prod profile, ${tenants} tenants: ${objects} objects + terraform/ (${runs} runs, median)`);
    log(`  omrs check    ${median(omrs).toFixed(0).padStart(7)} ms   ${summary} (HCL parse cache warm)`);
    log(`  omrs check    ${median(omrsCold).toFixed(0).padStart(7)} ms   (cold: empty HCL parse cache)`);
    log(`  checkov       ${median(ck).toFixed(0).padStart(7)} ms`);
    log(`  kube-score    ${median(ks).toFixed(0).padStart(7)} ms   (manifests only)`);
    const speedUp = (metric, ours) =>
      row({
        metric,
        omrs: fmtMs(ours),
        baseline: `${fmtMs(median(ck))} (checkov)`,
        ratio: median(ck) / ours,
        ratioText: `${(median(ck) / ours).toFixed(1)}× faster`,
        target: `≥ ${TARGET}× faster`,
        ok: median(ck) / ours >= TARGET,
      });
    report([speedUp(metrics[0], median(omrsCold)), speedUp(metrics[1], median(omrs))]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
