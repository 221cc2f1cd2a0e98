// Disposable environments on Docker (issue 19): BENCH_ENVS (20) `omrs env create --runtime compose`
// of the compose-test profile (the omrs-test images), BENCH_PARALLEL (1) at a time, each a whole CLI
// process that returns once the environment is healthy; then one `omrs env gc` once they have
// expired. Seconds per environment, against one environment created alone and one `omrs env rm`,
// in the same run.
//
// Then (issue 19) a seeded environment two ways, BENCH_SNAPSHOT_SIZE (medium) data: `env create` +
// `omrs seed`, against `env create --from-snapshot` of a snapshot of the first; target 5x faster.
//
// On a cluster, bench/kind.mjs measures `env create --from-snapshot` on the harness's real nodes.
//
// Needs the docker, images and helm engines and the built CLI (npm run build).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fmtS, helmPath, log, missingEngine, report, root, row, skipped } from './lib.mjs';

const N = Number(process.env.BENCH_ENVS ?? 20);
// One at a time by default: parallel creates on one Docker engine can pick the same free gateway
// port and then fail to bind it ("port is already allocated"), a race in the product's port choice.
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 1);
const PROFILE = join(root, 'test/fixtures/profiles/good/compose-test.yaml');
const TARGET = `runs (s per environment)`;
const METRICS = {
  create: `omrs env create, compose: ${N}, ${PARALLEL} at a time`,
  gc: `omrs env gc, compose: ${N} expired`,
  snapshot: `omrs env create --from-snapshot (${process.env.BENCH_SNAPSHOT_SIZE ?? 'medium'}), compose`,
};
const SNAPSHOT_SIZE = process.env.BENCH_SNAPSHOT_SIZE ?? 'medium';
const home = mkdtempSync(join(tmpdir(), 'omrs-bench-envs-'));
const env = {
  ...process.env,
  OMRS_HOME: home,
  OMRS_HELM: helmPath(),
  CI: 'true',
};

const snapshotDir = mkdtempSync(join(tmpdir(), 'omrs-bench-snapshots-'));

/** One CLI process; its JSON result and wall time. */
function omrs(args, cwd = root) {
  const started = performance.now();
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [join(root, 'bin/omrs.js'), ...args, '--json'],
      { cwd, env, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const ms = performance.now() - started;
        if (error) reject(new Error(`omrs ${args.join(' ')} failed (${error.code}):\n${stderr}\n${stdout}`));
        else resolve({ ms, result: JSON.parse(stdout) });
      },
    ),
  );
}

const create = (ttl) => omrs(['env', 'create', '--runtime', 'compose', '-p', PROFILE, '--ttl', ttl]);
const created = [];
/** Created and not yet removed: removed at the end whatever happened. */
const leftover = new Set();

async function benchmark() {
  // Baseline: one environment alone, created then removed.
  const alone = await create('1h');
  created.push(alone.result.name);
  leftover.add(alone.result.name);
  const removeAlone = await omrs(['env', 'rm', '--runtime', 'compose', alone.result.name]);
  leftover.delete(alone.result.name);
  log(`one environment alone: create ${fmtS(alone.ms)}, rm ${fmtS(removeAlone.ms)}`);

  // A TTL of 1 s: each has expired once the batch is done, so one gc collects them all.
  const started = performance.now();
  const queue = Array.from({ length: N }, (_, i) => i);
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (queue.shift() !== undefined) {
        const { result } = await create('1s');
        created.push(result.name);
        leftover.add(result.name);
        log(`  created ${result.name} (${created.length - 1}/${N})`);
      }
    }),
  );
  const createMs = performance.now() - started;
  const batch = created.slice(1);
  const gc = await omrs(['env', 'gc', '--runtime', 'compose']);
  const removed = new Set(gc.result.removed.map((r) => r.name));
  for (const name of removed) leftover.delete(name);
  const collected = batch.filter((name) => removed.has(name)).length;
  log(
    `created ${N} in ${fmtS(createMs)} (${fmtS(createMs / N)} per environment); gc removed ${collected} of them in ${fmtS(gc.ms)}` +
      (removed.size > collected ? ` (and ${removed.size - collected} expired environments of others)` : ''),
  );
  return [
    row({
      metric: METRICS.create,
      omrs: `${fmtS(createMs / N)} per env (${fmtS(createMs)} in all)`,
      baseline: `${fmtS(alone.ms)} (one alone)`,
      ratio: createMs / N / alone.ms,
      target: TARGET,
      ok: batch.length === N,
    }),
    row({
      metric: METRICS.gc,
      omrs: `${fmtS(gc.ms / N)} per env (${fmtS(gc.ms)} in all)`,
      baseline: `${fmtS(removeAlone.ms)} (env rm of one)`,
      ratio: gc.ms / N / removeAlone.ms,
      target: TARGET,
      ok: collected === N,
    }),
    await fromSnapshot(),
  ];
}

/** A seeded environment: created then seeded, against created from a snapshot of that one. */
async function fromSnapshot() {
  const started = performance.now();
  const seeded = await omrs(
    ['env', 'create', '--runtime', 'compose', '-p', PROFILE, '--ttl', '1h'],
    snapshotDir,
  );
  leftover.add(seeded.result.name);
  await omrs(['seed', '--env', seeded.result.name, '--size', SNAPSHOT_SIZE, '--seed', '5'], snapshotDir);
  const seededMs = performance.now() - started;
  await omrs(['db', 'snapshot', 'bench', '--env', seeded.result.name], snapshotDir);
  const restored = await omrs(
    ['env', 'create', '--runtime', 'compose', '-p', PROFILE, '--ttl', '1h', '--from-snapshot', 'bench'],
    snapshotDir,
  );
  leftover.add(restored.result.name);
  log(
    `seeded (${SNAPSHOT_SIZE}) by create + seed ${fmtS(seededMs)}; by --from-snapshot ${fmtS(restored.ms)}`,
  );
  return row({
    metric: METRICS.snapshot,
    omrs: fmtS(restored.ms),
    baseline: `${fmtS(seededMs)} (env create + seed)`,
    ratio: seededMs / restored.ms,
    ratioText: `${(seededMs / restored.ms).toFixed(2)}× faster`,
    target: '≥ 5× faster',
    ok: seededMs / restored.ms >= 5,
  });
}

const down = missingEngine('docker', 'images', 'helm');
try {
  report(
    down
      ? [
          skipped(METRICS.create, TARGET, down),
          skipped(METRICS.gc, TARGET, down),
          skipped(METRICS.snapshot, '≥ 5× faster', down),
        ]
      : await benchmark(),
  );
} finally {
  // Whatever a failed run left behind (gc removed the rest).
  for (const name of leftover) await omrs(['env', 'rm', '--runtime', 'compose', name]).catch(() => undefined);
  rmSync(home, { recursive: true, force: true });
  rmSync(snapshotDir, { recursive: true, force: true });
}
