#!/usr/bin/env node
// Seeding throughput against a baseline measured in the same run, on the same server:
//   seeder:   `omrs seed --size large` (100,000 patients, 1,000,000 obs) into a fresh clone of the
//             OpenMRS 2.8 template, as a child process (peak RSS from process.resourceUsage()).
//   baseline: the very same rows, exported to files beforehand (SELECT … INTO OUTFILE), loaded with
//             server-side LOAD DATA INFILE into another fresh clone, foreign key checks on.
// Targets: seeder ≥ 95% of baseline rows/s (issue 19; issue 8 asked 70%), ≤ 60 s in total on
// 2 cores, peak RSS < 512 MB (issue 8).
//
// Usage: node bench/seed.mjs [--size large|medium|small] [--writers insert,load-data] [--no-build] [--json]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { fmtS, harnessState, log, report, root, row, skipped } from './lib.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const size = flag('--size', 'large');
const writers = flag('--writers', 'insert').split(',');
// --cli <launcher>: another build of omrs (default: bin/omrs.js, built by npm run build).
const cli = flag('--cli', join(root, 'bin/omrs.js'));
const TARGET_RATIO = 0.95;
const TARGET_SECONDS = 60;
const TARGET_RSS_MB = 512;

const engine = harnessState('mariadb');
const metric = (writer) => `omrs seed --size ${size} (${writer}) vs LOAD DATA INFILE, rows/s`;

const connect = (database) =>
  mysql.createConnection({
    host: engine.host,
    port: engine.port,
    user: engine.user,
    password: engine.password,
    database,
    multipleStatements: true,
    charset: 'utf8mb4',
  });

async function cloneTemplate(name) {
  const conn = await connect();
  try {
    const [tables] = await conn.query(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'",
      [engine.templateDatabase],
    );
    const ddl = [];
    for (const { t } of tables)
      ddl.push([
        t,
        (await conn.query(`SHOW CREATE TABLE \`${engine.templateDatabase}\`.\`${t}\``))[0][0]['Create Table'],
      ]);
    await conn.query(
      [
        'SET FOREIGN_KEY_CHECKS=0',
        `DROP DATABASE IF EXISTS \`${name}\``,
        `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
        `USE \`${name}\``,
        ...ddl.map(([, sql]) => sql),
        ...ddl.map(
          ([t]) => `INSERT INTO \`${name}\`.\`${t}\` SELECT * FROM \`${engine.templateDatabase}\`.\`${t}\``,
        ),
        'SET FOREIGN_KEY_CHECKS=1',
      ].join(';\n'),
    );
  } finally {
    await conn.end();
  }
}

async function drop(name) {
  const conn = await connect();
  await conn.query(`DROP DATABASE IF EXISTS \`${name}\``).finally(() => conn.end());
}

/** Runs the built CLI; returns its JSON result, wall time and peak RSS. */
function runSeeder(db, writer) {
  const ruFile = join(tmpdir(), `omrs-bench-ru-${process.pid}-${writer}.json`);
  const hook = `data:text/javascript,${encodeURIComponent(
    "import fs from 'node:fs'; process.on('exit', () => fs.writeFileSync(process.env.OMRS_BENCH_RU, JSON.stringify(process.resourceUsage())));",
  )}`;
  const url = `mysql://${engine.user}:${encodeURIComponent(engine.password)}@${engine.host}:${engine.port}/${db}`;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        hook,
        cli,
        'seed',
        '--db',
        url,
        '--size',
        size,
        '--seed',
        '42',
        '--writer',
        writer,
        '--user-password-env',
        'OMRS_BENCH_PW',
        '--json',
      ],
      {
        cwd: root,
        env: { ...process.env, OMRS_BENCH_RU: ruFile, OMRS_BENCH_PW: 'Bench-Pass1' },
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`omrs seed exited ${code}: ${out}`));
      const ru = JSON.parse(readFileSync(ruFile, 'utf8'));
      rmSync(ruFile, { force: true });
      resolve({
        result: JSON.parse(out),
        wallMs,
        maxRssMb: ru.maxRSS / 1024,
        cpuS: (ru.userCPUTime + ru.systemCPUTime) / 1e6,
      });
    });
  });
}

// The insert order and key columns the seeder uses (src/seed/tables.ts), bundled as bench/check does.
const { INSERT_ORDER: order, TABLES } = await loadTables();
async function loadTables() {
  const { build } = await import('esbuild');
  const out = join(root, 'node_modules', '.cache', 'omrs-bench-seed', 'tables.mjs');
  await build({
    entryPoints: [join(root, 'src/seed/tables.ts')],
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    logLevel: 'warning',
  });
  return import(out);
}

/** Exports the rows a run wrote (by its ledger) to one file per table, server-side. */
async function exportSeeded(db, dir) {
  const conn = await connect(db);
  try {
    const [ranges] = await conn.query(
      'SELECT table_name AS t, MIN(first_id) AS lo, MAX(last_id) AS hi, GROUP_CONCAT(key_values) AS kv, SUM(row_count) AS n FROM omrs_seed_ledger WHERE chunk IS NOT NULL GROUP BY table_name',
    );
    const files = [];
    for (const table of order) {
      const r = ranges.find((x) => x.t === table);
      if (!r) continue;
      const file = join(dir, `${table}.tsv`);
      const where =
        table === 'role'
          ? `role IN (${JSON.parse(
              `[${String(r.kv)
                .replace(/\]\s*,\s*\[/g, ',')
                .replace(/^\[|\]$/g, '')}]`,
            )
              .map((v) => conn.escape(v))
              .join(',')})`
          : `\`${TABLES[table].key}\` BETWEEN ${r.lo} AND ${r.hi}`;
      await conn.query(`SELECT * FROM \`${table}\` WHERE ${where} INTO OUTFILE ${conn.escape(file)}`);
      files.push({ table, file, rows: Number(r.n) });
    }
    return files;
  } finally {
    await conn.end();
  }
}

async function loadBaseline(db, files) {
  const conn = await connect(db);
  try {
    await conn.query('SET SESSION foreign_key_checks = 1, SESSION unique_checks = 1');
    const started = performance.now();
    for (const f of files)
      await conn.query(`LOAD DATA INFILE ${conn.escape(f.file)} INTO TABLE \`${f.table}\``);
    return performance.now() - started;
  } finally {
    await conn.end();
  }
}

async function checksums(db, tables) {
  const conn = await connect(db);
  try {
    const [rows] = await conn.query(`CHECKSUM TABLE ${tables.map((t) => `\`${t}\``).join(', ')}`);
    return Object.fromEntries(rows.map((r) => [r.Table.split('.').pop(), String(r.Checksum)]));
  } finally {
    await conn.end();
  }
}

function load() {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

async function benchmark() {
  log(`omrs seed benchmark: size ${size}, ${cpus().length} CPUs, load average ${load()}`);
  if (!args.includes('--no-build')) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });

  const tag = `${process.pid}`;
  const dir = join('/tmp', `omrs-bench-seed-${tag}`);
  const dbs = [];
  const results = { size, cpus: cpus().length, loadAverageBefore: load(), writers: {}, baseline: undefined };
  try {
    let files;
    let rows = 0;
    let firstDb;
    for (const writer of writers) {
      const db = `omrs_bench_seed_${writer.replace('-', '_')}_${tag}`;
      dbs.push(db);
      await cloneTemplate(db);
      const run = await runSeeder(db, writer);
      rows = Object.values(run.result.tables).reduce((a, b) => a + b, 0);
      const seconds = run.result.durationMs / 1000;
      results.writers[writer] = {
        rows,
        seconds,
        wallSeconds: run.wallMs / 1000,
        rowsPerSecond: Math.round(rows / seconds),
        maxRssMb: Math.round(run.maxRssMb),
        cpuSeconds: Number(run.cpuS.toFixed(1)),
        loadAverage: load(),
      };
      log(
        `  ${writer.padEnd(9)} ${rows.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s (wall ${(run.wallMs / 1000).toFixed(1)} s incl. start) = ${results.writers[writer].rowsPerSecond.toLocaleString('en-US')} rows/s, peak RSS ${Math.round(run.maxRssMb)} MB, CPU ${run.cpuS.toFixed(1)} s; load ${load()}`,
      );
      firstDb ??= db;
    }

    // Baseline: the same rows, from files written beforehand, with LOAD DATA INFILE.
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    files = await exportSeeded(firstDb, dir);
    const baseDb = `omrs_bench_seed_baseline_${tag}`;
    dbs.push(baseDb);
    await cloneTemplate(baseDb);
    const ms = await loadBaseline(baseDb, files);
    const baseRows = files.reduce((a, f) => a + f.rows, 0);
    results.baseline = {
      rows: baseRows,
      seconds: ms / 1000,
      rowsPerSecond: Math.round((baseRows * 1000) / ms),
      loadAverage: load(),
    };
    log(
      `  baseline  ${baseRows.toLocaleString('en-US')} rows in ${(ms / 1000).toFixed(1)} s = ${results.baseline.rowsPerSecond.toLocaleString('en-US')} rows/s (LOAD DATA INFILE, same server); load ${load()}`,
    );
    const tables = files.map((f) => f.table);
    const [a, b] = [await checksums(firstDb, tables), await checksums(baseDb, tables)];
    results.sameRows = JSON.stringify(a) === JSON.stringify(b);
    log(`  baseline rows identical to the seeder's (CHECKSUM TABLE): ${results.sameRows}`);

    for (const [writer, r] of Object.entries(results.writers)) {
      r.ratio = Number((r.rowsPerSecond / results.baseline.rowsPerSecond).toFixed(2));
      const ok = (cond) => (cond ? 'ok' : 'MISSED');
      log(
        `  ${writer}: ratio ${r.ratio} (target ≥ ${TARGET_RATIO}: ${ok(r.ratio >= TARGET_RATIO)}), ${r.wallSeconds.toFixed(1)} s total (target ≤ ${TARGET_SECONDS} s: ${ok(r.wallSeconds <= TARGET_SECONDS)}), RSS ${r.maxRssMb} MB (target < ${TARGET_RSS_MB} MB: ${ok(r.maxRssMb < TARGET_RSS_MB)})`,
      );
    }
    results.loadAverageAfter = load();
    log(JSON.stringify(results));
    return Object.entries(results.writers).map(([writer, r]) =>
      row({
        metric: metric(writer),
        omrs: `${fmtS(r.seconds * 1000)} (${r.rowsPerSecond.toLocaleString('en-US')} rows/s)`,
        baseline: `${fmtS(results.baseline.seconds * 1000)} (${results.baseline.rowsPerSecond.toLocaleString('en-US')} rows/s)`,
        ratio: r.ratio,
        target: `≥ ${TARGET_RATIO}×`,
        ok: r.ratio >= TARGET_RATIO && results.sameRows,
      }),
    );
  } finally {
    for (const db of dbs) await drop(db).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!engine) {
  log('SKIPPED: no MariaDB engine; start it with: npm run engines -- up mariadb');
  report(writers.map((w) => skipped(metric(w), `≥ ${TARGET_RATIO}×`, 'mariadb')));
} else {
  report(await benchmark());
}
