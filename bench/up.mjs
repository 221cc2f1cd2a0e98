// `omrs up` from nothing to healthy, against a baseline that starts the same containers with
// `docker run` in dependency order with the same readiness polling, in the same run. The baseline's
// containers come from `omrs compose export` of the same profile (same images, env, users,
// mounts, init containers), so both start identical work. Also times a no-op `omrs up`.
// Targets: omrs at most 10% over the baseline; a no-op up at most 1 s wall, whole process
// (issue 19; its ratio is against `node -e 0`, the floor of any CLI process, in the same run).
//
// Needs the Docker engine and the omrs-test images (npm run engines -- up docker images), helm
// (OMRS_HELM), and the built CLI (npm run build); without dist/ it bundles one into
// node_modules/.cache/omrs-bench with esbuild. BENCH_ROUNDS (default 2) rounds, medians.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';
import {
  fmtMs,
  fmtS,
  helmPath,
  log,
  median,
  missingEngine,
  report,
  row,
  skipped,
  timeRun,
  unmeasured,
} from './lib.mjs';

const root = join(import.meta.dirname, '..');
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const profile = join(root, 'test/fixtures/profiles/good/compose-test.yaml');
const home = mkdtempSync(join(tmpdir(), 'omrs-bench-up-'));
const env = { ...process.env, OMRS_HOME: home, OMRS_HELM: helmPath(), CI: 'true' };
const ENV = 'bench-up';
const BASE = 'omrs-bench-base';

async function cli() {
  if (existsSync(join(root, 'dist/cli/main.js'))) return join(root, 'bin/omrs.js');
  const { build } = await import('esbuild');
  const outdir = join(root, 'node_modules/.cache/omrs-bench');
  await build({
    entryPoints: [join(root, 'src/cli/main.ts')],
    outdir,
    outbase: join(root, 'src'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: [
      'ink',
      'ink-*',
      'react',
      'react/*',
      '@kubernetes/client-node',
      'dockerode',
      'cosmiconfig',
      'zx',
      'mysql2',
      'mysql2/*',
      '@aws-sdk/*',
      '@faker-js/*',
      '@cdktf/*',
    ],
    banner: {
      js: "import { createRequire as __omrsCreateRequire } from 'node:module'; const require = __omrsCreateRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  const runner = join(outdir, 'run.mjs');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    runner,
    "import { main } from './cli/main.js';\nprocess.exitCode = await main(process.argv.slice(2));\n",
  );
  return runner;
}

function omrs(entry, args) {
  const started = performance.now();
  const run = spawnSync(process.execPath, [entry, ...args], { cwd: root, env, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (run.status !== 0)
    throw new Error(`omrs ${args.join(' ')} failed (${run.status}):\n${run.stderr}\n${run.stdout}`);
  return { ms, stdout: run.stdout };
}

const docker = (...args) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const quiet = (...args) => spawnSync('docker', args, { stdio: 'ignore' });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The same polling as omrs: 100 ms growing to 1 s. */
async function poll(check, what, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`baseline: ${what} not ready`);
    await sleep(Math.min(1000, 100 * 1.4 ** attempt));
  }
}
const httpOk = (url) =>
  new Promise((resolve) => {
    const req = request(
      url,
      { timeout: 5000 },
      (res) => (res.resume(), resolve(res.statusCode >= 200 && res.statusCode < 400)),
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
const ipOf = (name) =>
  docker('inspect', '-f', `{{ (index .NetworkSettings.Networks "${BASE}").IPAddress }}`, name);

function cleanBaseline() {
  const ids = docker('ps', '-aq', '--filter', `label=omrs-bench=${BASE}`);
  if (ids) quiet('rm', '-f', ...ids.split('\n'));
  quiet('network', 'rm', BASE);
  quiet('volume', 'rm', `${BASE}-db-data`);
}

/** `docker run` arguments for one exported compose service. */
function runArgs(name, s, dir) {
  const args = ['run', '-d', '--name', `${BASE}-${name}`, '--label', `omrs-bench=${BASE}`, '--network', BASE];
  for (const alias of s.networks?.omrs?.aliases ?? []) args.push('--network-alias', alias);
  for (const f of s.env_file ?? []) args.push('--env-file', join(dir, f));
  if (s.user) args.push('--user', s.user);
  for (const g of s.group_add ?? []) args.push('--group-add', g);
  if (s.read_only) args.push('--read-only');
  for (const c of s.cap_add ?? []) args.push('--cap-add', c);
  for (const c of s.cap_drop ?? []) args.push('--cap-drop', c);
  for (const o of s.security_opt ?? []) args.push('--security-opt', o);
  if (s.mem_limit) args.push('--memory', String(s.mem_limit));
  if (s.cpus) args.push('--cpus', String(s.cpus));
  for (const v of s.volumes ?? []) {
    if (v.type === 'volume')
      args.push('--mount', `type=volume,source=${BASE}-${v.source},target=${v.target}`);
    else if (v.type === 'bind')
      args.push(
        '--mount',
        `type=bind,source=${join(dir, v.source)},target=${v.target}${v.read_only ? ',readonly' : ''}`,
      );
    else args.push('--mount', `type=tmpfs,target=${v.target}`);
  }
  for (const p of s.ports ?? []) args.push('-p', p.replace(/^127\.0\.0\.1:\d+:/, '127.0.0.1::'));
  if (s.entrypoint) args.push('--entrypoint', s.entrypoint[0]);
  args.push(s.restart === 'no' ? '--rm=false' : '--restart=unless-stopped');
  args.push(s.image, ...(s.entrypoint ? s.entrypoint.slice(1) : []), ...(s.command ?? []));
  return args;
}

async function baseline(compose, dir) {
  cleanBaseline();
  const started = performance.now();
  docker('network', 'create', BASE);
  docker('volume', 'create', `${BASE}-db-data`);
  const s = compose.services;
  const start = (name) => docker(...runArgs(name, s[name], dir));
  const waitExit = async (name) => {
    await poll(
      async () => docker('inspect', '-f', '{{.State.Status}}', `${BASE}-${name}`) === 'exited',
      name,
    );
    const code = docker('inspect', '-f', '{{.State.ExitCode}}', `${BASE}-${name}`);
    if (code !== '0') throw new Error(`baseline: ${name} exited ${code}`);
  };
  start('db');
  await poll(
    async () =>
      spawnSync('docker', ['exec', `${BASE}-db`, ...s.db.healthcheck.test.slice(1)], { stdio: 'ignore' })
        .status === 0,
    'db',
  );
  start('init-default');
  await waitExit('init-default');
  start('backend-default-init-wait-for-database');
  await waitExit('backend-default-init-wait-for-database');
  start('backend-default');
  await poll(
    () => httpOk(`http://${ipOf(`${BASE}-backend-default`)}:8080/openmrs/health/started`),
    'backend',
  );
  start('frontend');
  await poll(() => httpOk(`http://${ipOf(`${BASE}-frontend`)}:80/`), 'frontend');
  start('gateway');
  await poll(() => httpOk(`http://${ipOf(`${BASE}-gateway`)}:8080/omrs-gateway/healthz`), 'gateway');
  const ms = performance.now() - started;
  cleanBaseline();
  return ms;
}

const METRICS = {
  fresh: ['omrs up, fresh → healthy (compose)', '≤ 1.10×'],
  noop: ['omrs up, no-op (compose, whole process)', '≤ 1,000 ms'],
};
const down = missingEngine('docker', 'images', 'helm');
if (down) {
  report(Object.values(METRICS).map(([metric, target]) => skipped(metric, target, down)));
  rmSync(home, { recursive: true, force: true });
} else {
  await benchmark();
}

async function benchmark() {
  const entry = await cli();
  const dir = join(home, 'export');
  try {
    omrs(entry, ['compose', 'export', '--profile', profile, '--env', ENV, '-o', join(dir, 'compose.yaml')]);
    const compose = parse(readFileSync(join(dir, 'compose.yaml'), 'utf8'));
    const ours = [];
    const base = [];
    const noop = [];
    const node = [];
    for (let round = 0; round < rounds; round++) {
      omrs(entry, ['down', '--env', ENV, '--volumes']);
      ours.push(omrs(entry, ['up', '--profile', profile, '--env', ENV, '--json']).ms);
      noop.push(omrs(entry, ['up', '--profile', profile, '--env', ENV, '--json']).ms);
      node.push(timeRun(process.execPath, ['-e', '0']).ms);
      omrs(entry, ['down', '--env', ENV, '--volumes']);
      // A baseline that fails (its containers never get ready) leaves the no-op row measured.
      base.push(await baseline(compose, dir).catch((error) => error));
    }
    const baselineError = base.find((b) => b instanceof Error);
    const [o, b, n, nodeMs] = [median(ours), median(base), median(noop), median(node)];
    const runsOf = (xs) => xs.map((x) => (x / 1000).toFixed(2)).join(', ');
    log(`omrs up (fresh → healthy): ${fmtS(o)}  (runs: ${runsOf(ours)})`);
    if (baselineError) log(`baseline docker run failed: ${baselineError.message}`);
    else log(`baseline docker run:       ${fmtS(b)}  (runs: ${runsOf(base)})`);
    log(`no-op omrs up (process):   ${fmtMs(n)}  (runs: ${runsOf(noop)}); node -e 0: ${fmtMs(nodeMs)}`);
    report([
      baselineError
        ? unmeasured(METRICS.fresh[0], METRICS.fresh[1], `error: ${baselineError.message}`)
        : row({
            metric: METRICS.fresh[0],
            omrs: fmtS(o),
            baseline: `${fmtS(b)} (docker run)`,
            ratio: o / b,
            target: METRICS.fresh[1],
            ok: o / b <= 1.1,
          }),
      row({
        metric: METRICS.noop[0],
        omrs: fmtMs(n),
        baseline: `${fmtMs(nodeMs)} (node -e 0)`,
        ratio: n / nodeMs,
        target: METRICS.noop[1],
        ok: n <= 1000,
      }),
    ]);
  } finally {
    spawnSync(process.execPath, [entry, 'down', '--env', ENV, '--volumes'], {
      cwd: root,
      env,
      stdio: 'ignore',
    });
    cleanBaseline();
    rmSync(home, { recursive: true, force: true });
  }
}
