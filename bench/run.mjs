// `npm run bench`: every benchmark, one after the other, each ratio measured in this run, and one
// table: metric, omrs, baseline, ratio, target, verdict. A benchmark whose engine is down shows as
// "skipped (engine X down)"; one that crashes shows as "error: …"; neither stops the others.
//
// Usage: node bench/run.mjs [--json] [benchmark...]   (default: all of them, in the order below)
// Exit code: 0 when every row that ran met its target, 1 otherwise. Progress goes to stderr.
import { spawn, spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { asJson, failing, formatTable, root, unmeasured } from './lib.mjs';

const BENCHMARKS = ['cli-startup', 'render', 'check', 'up', 'seed', 'envs', 'kind'];
/** Extra arguments: the CLI is built once here, so seed need not build it again. */
const ARGS = { seed: ['--no-build'], check: ['--no-build'] };

const asked = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const unknown = asked.filter((a) => !BENCHMARKS.includes(a));
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark ${unknown.join(', ')} (known: ${BENCHMARKS.join(', ')})`);
  process.exitCode = 2;
} else {
  await main(asked.length > 0 ? asked : BENCHMARKS);
}

/** Runs one benchmark with --json; its rows, or one error row when it gave none. */
function runOne(name) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(root, 'bench', `${name}.mjs`), '--json', ...(ARGS[name] ?? [])],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      process.stderr.write(d);
      stderr = (stderr + d).slice(-64 * 1024);
    });
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        const rows = JSON.parse(last);
        if (Array.isArray(rows) && rows.length > 0) return resolve(rows);
      } catch {
        // no rows: reported below
      }
      resolve([unmeasured(`bench/${name}.mjs`, '-', `error: exit ${code}${cause(stderr)}`)]);
    });
  });
}

/** The message of the error that ended a benchmark (its last `…Error: …` line), for its row. */
function cause(stderr) {
  const error = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[A-Za-z]*Error: /.test(l))
    .pop();
  return error ? `: ${error.slice(0, 160)}` : '';
}

async function main(names) {
  const started = new Date();
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  console.error(`bench: ${names.join(', ')}; ${cpus().length} CPUs, load average ${load()}`);
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  const rows = [];
  if (build.status !== 0) {
    rows.push(unmeasured('npm run build', '-', `error: exit ${build.status}`));
  } else {
    for (const name of names) {
      console.error(`\n==> bench/${name}.mjs`);
      rows.push(...(await runOne(name)));
    }
  }
  const finished = new Date();
  if (asJson) {
    console.log(
      JSON.stringify({ started, finished, cpus: cpus().length, loadAverageAfter: load(), rows }, null, 2),
    );
  } else {
    const minutes = ((finished - started) / 60_000).toFixed(1);
    console.log(
      `\nomrs benchmarks, ${started.toISOString()}, ${minutes} min, ${cpus().length} CPUs, load average ${load()} at the end\n`,
    );
    console.log(formatTable(rows));
  }
  process.exitCode = rows.some(failing) ? 1 : 0;
}
