// `omrs up` from nothing to healthy, against a baseline that starts the same containers with the
// Docker Compose CLI (`up -d` on `omrs compose export` of the same profile: same images, env,
// users, mounts, secrets via `prepare` and .env, init containers) plus the same HTTP readiness
// polling, in the same run, so both start identical work. Also times a no-op `omrs up`, and the
// same profile with monitoring on (Prometheus and the exporter: fresh, no-op, their memory).
// Targets: omrs at most 10% over the baseline; a no-op up at most 1 s wall, whole process
// (issue 19; its ratio is against `node -e 0`, the floor of any CLI process, in the same run).
//
// Needs the Docker engine and the omrs-test images (npm run engines -- up docker images), helm
// (OMRS_HELM), the harness's Compose CLI (npm run engines -- up compose), and the built CLI (npm run build); without dist/ it bundles one into
// node_modules/.cache/omrs-bench with esbuild. BENCH_ROUNDS (default 2) rounds, medians.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';
import {
  fmtMs,
  fmtS,
  harnessState,
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
const ipOf = (container) =>
  docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', container);

/** The Docker Compose CLI the harness built (its state file), or undefined when it is down. */
const composeCli = () => harnessState('compose')?.compose;

/** Runs the Compose CLI on the export (project BASE); throws with its stderr when it fails. */
function compose(dir, ...args) {
  const run = spawnSync(
    composeCli(),
    ['-p', BASE, '--project-directory', dir, '-f', join(dir, 'compose.yaml'), ...args],
    { encoding: 'utf8', env: { ...process.env, OMRS_GATEWAY_PORT: '0' } },
  );
  if (run.status !== 0)
    throw new Error(`baseline: compose ${args[0]} failed: ${run.stderr.trim().slice(-300)}`);
}

function cleanBaseline(dir) {
  if (existsSync(join(dir, 'compose.yaml')))
    spawnSync(
      composeCli(),
      [
        '-p',
        BASE,
        '--project-directory',
        dir,
        '-f',
        join(dir, 'compose.yaml'),
        'down',
        '-v',
        '--remove-orphans',
        '-t',
        '1',
      ],
      {
        stdio: 'ignore',
      },
    );
}

/**
 * The same containers started by Docker's own Compose CLI from the export: it runs `prepare` (the
 * secrets from .env), the init jobs and the db healthcheck in dependency order; the HTTP readiness
 * that compose cannot check (no curl in the images) is polled here like omrs does.
 */
async function baseline(exported, dir) {
  cleanBaseline(dir);
  const started = performance.now();
  compose(dir, 'up', '-d');
  const name = (service) => exported.services[service].container_name;
  await poll(() => httpOk(`http://${ipOf(name('backend-default'))}:8080/openmrs/health/started`), 'backend');
  await poll(() => httpOk(`http://${ipOf(name('frontend'))}:80/`), 'frontend');
  await poll(() => httpOk(`http://${ipOf(name('gateway'))}:8080/omrs-gateway/healthz`), 'gateway');
  const ms = performance.now() - started;
  cleanBaseline(dir);
  return ms;
}

const METRICS = {
  fresh: ['omrs up, fresh → healthy (compose)', '≤ 1.10×'],
  noop: ['omrs up, no-op (compose, whole process)', '≤ 1,000 ms'],
  monitoredFresh: ['omrs up, fresh, monitoring on (compose)', '—'],
  monitoredNoop: ['omrs up, no-op, monitoring on (compose)', '≤ 1.10×'],
};
const down = missingEngine('docker', 'images', 'helm', 'compose');
if (down) {
  report(Object.values(METRICS).map(([metric, target]) => skipped(metric, target, down)));
  rmSync(home, { recursive: true, force: true });
} else {
  await benchmark();
}

/**
 * The same profile with monitoring on (issue 20): a fresh up, then no-op ups of it and of the same
 * profile without monitoring, both running, taken in turns (so both see the same machine: a no-op
 * is ~0.4 s and the load of the moment moves it by tens of ms), and what Prometheus, the
 * exporter, the log store and its shipper take of memory (docker stats).
 */
function monitoredRuns(entry) {
  const tags = harnessState('images').tags;
  const file = join(home, 'monitored.yaml');
  writeFileSync(
    file,
    `extends: ${profile}\nmonitoring:\n  enabled: true\n  grafana: { enabled: false }\n  images:\n    prometheus: ${tags.prometheus}\n    dbExporter: ${tags.mysqldExporter}\n    logs: ${tags.victoriaLogs}\n    logShipper: ${tags.vlagent}\n    diskExporter: ${tags.nodeExporter}\n    gatewayExporter: ${tags.nginxExporter}\n`,
  );
  const name = `${ENV}-mon`;
  try {
    omrs(entry, ['down', '--env', name, '--volumes']);
    const fresh = omrs(entry, ['up', '--profile', file, '--env', name, '--json']).ms;
    omrs(entry, ['up', '--profile', profile, '--env', ENV, '--json']);
    const noop = [];
    const plain = [];
    for (let turn = 0; turn < Math.max(2 * rounds + 1, 7); turn++) {
      plain.push(omrs(entry, ['up', '--profile', profile, '--env', ENV, '--json']).ms);
      noop.push(omrs(entry, ['up', '--profile', file, '--env', name, '--json']).ms);
    }
    const memory = docker('stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}')
      .split('\n')
      .filter(
        (l) =>
          /-(prometheus|db-exporter|logs|log-shipper|db-disk-exporter|gateway-exporter) /.test(l) &&
          l.startsWith(`omrs-${name}-`),
      );
    log(
      `monitoring on: fresh up ${fmtS(fresh)}; no-op up ${fmtMs(median(noop))}, without monitoring ${fmtMs(median(plain))} in turns; memory: ${memory.join('; ')}`,
    );
    return { fresh, noop: median(noop), plain: median(plain) };
  } finally {
    spawnSync(process.execPath, [entry, 'down', '--env', name, '--volumes'], {
      cwd: root,
      env,
      stdio: 'ignore',
    });
  }
}

async function benchmark() {
  const entry = await cli();
  const dir = join(home, 'export');
  try {
    omrs(entry, ['compose', 'export', '--profile', profile, '--env', ENV, '-o', join(dir, 'compose.yaml')]);
    const exported = parse(readFileSync(join(dir, 'compose.yaml'), 'utf8'));
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
      base.push(await baseline(exported, dir).catch((error) => error));
    }
    const baselineError = base.find((b) => b instanceof Error);
    const [o, b, n, nodeMs] = [median(ours), median(base), median(noop), median(node)];
    const runsOf = (xs) => xs.map((x) => (x / 1000).toFixed(2)).join(', ');
    log(`omrs up (fresh → healthy): ${fmtS(o)}  (runs: ${runsOf(ours)})`);
    if (baselineError) log(`baseline docker compose failed: ${baselineError.message}`);
    else log(`baseline docker compose:   ${fmtS(b)}  (runs: ${runsOf(base)})`);
    log(`no-op omrs up (process):   ${fmtMs(n)}  (runs: ${runsOf(noop)}); node -e 0: ${fmtMs(nodeMs)}`);
    const monitored = monitoredRuns(entry);
    report([
      baselineError
        ? unmeasured(METRICS.fresh[0], METRICS.fresh[1], `error: ${baselineError.message}`)
        : row({
            metric: METRICS.fresh[0],
            omrs: fmtS(o),
            baseline: `${fmtS(b)} (docker compose up)`,
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
      // Informative: what Prometheus and the exporter add to a fresh up (issue 20 targets the no-op).
      row({
        metric: METRICS.monitoredFresh[0],
        omrs: fmtS(monitored.fresh),
        baseline: `${fmtS(o)} (fresh up without monitoring)`,
        ratio: monitored.fresh / o,
        target: METRICS.monitoredFresh[1],
        ok: true,
      }),
      row({
        metric: METRICS.monitoredNoop[0],
        omrs: fmtMs(monitored.noop),
        baseline: `${fmtMs(monitored.plain)} (no-op up without monitoring, in turns)`,
        ratio: monitored.noop / monitored.plain,
        target: METRICS.monitoredNoop[1],
        ok: monitored.noop / monitored.plain <= 1.1,
      }),
    ]);
  } finally {
    spawnSync(process.execPath, [entry, 'down', '--env', ENV, '--volumes'], {
      cwd: root,
      env,
      stdio: 'ignore',
    });
    cleanBaseline(dir);
    rmSync(home, { recursive: true, force: true });
  }
}
