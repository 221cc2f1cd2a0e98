// `omrs compose export`: files that can be committed (no secret, the same bytes for every password
// seed), secrets only in `.env` (0600), accepted by Debian's docker-compose (v1 1.29), and
// `--check`, which keeps the committed compose/ current: exit 0 on this clone, exit 1 naming the
// difference when a chart template changes. The export running under compose: compose-cli.test.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findBinary } from '../../../src/platform/exec.js';
import { readEngine, requireEngine } from '../../helpers/engines.js';
import { PROFILE, omrs } from './helpers.js';

/** The services of the test profile's export: the chart's pods, the wait init container, and `prepare`. */
const EXPORTED_SERVICES = [
  'backend-default',
  'backend-default-init-wait-for-database',
  'db',
  'frontend',
  'gateway',
  'init-default',
  'prepare',
];

const helm = requireEngine('helm');
const compose = await findBinary('docker-compose', process.env);
if (!compose)
  console.warn('\n  SKIPPED part: docker-compose is not installed (apt-get install docker-compose)\n');
const root = join(import.meta.dirname, '../../..');

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
/** Every file of an export folder by relative path, with its content. */
const snapshot = (dir: string): Record<string, string> =>
  Object.fromEntries(walk(dir).map((f) => [relative(dir, f), readFileSync(f, 'utf8')]));
const dotenv = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split('\n')
      .flatMap((l) =>
        /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(l)
          ? [[/^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(l)![1]!, /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(l)![2]!]]
          : [],
      ),
  );

describe.skipIf(!helm)('omrs compose export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omrs-export-'));
  const homes = [
    mkdtempSync(join(tmpdir(), 'omrs-export-home-a-')),
    mkdtempSync(join(tmpdir(), 'omrs-export-home-b-')),
  ];
  afterAll(() => {
    for (const d of [dir, ...homes]) rmSync(d, { recursive: true, force: true });
  });

  it('writes compose/<profile>.yaml, env files without secrets, config files, and the secrets in .env (0600)', async () => {
    const run = await omrs(['compose', 'export', '--profile', PROFILE], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const file = join(dir, 'compose', 'compose-test.yaml');
    const doc = parse(readFileSync(file, 'utf8')) as {
      services: Record<
        string,
        { env_file: string[]; ports?: string[]; container_name?: string; labels: Record<string, string> }
      >;
      volumes: Record<string, { name: string }>;
    };
    expect(Object.keys(doc.services).sort()).toEqual(EXPORTED_SERVICES);
    expect(doc.services.gateway!.ports).toEqual(['127.0.0.1:${OMRS_GATEWAY_PORT:-18080}:8080']);
    // Named and labelled like the objects of `omrs up`, so omrs status and omrs down see the environment.
    expect(doc.services.db!.container_name).toBe('omrs-compose-test-db');
    expect(doc.services.db!.labels).toMatchObject({
      'omrs.dev/env': 'compose-test',
      'omrs.dev/service': 'db',
      'omrs.dev/role': 'main',
    });
    expect(doc.volumes['db-data']!.name).toBe('omrs-compose-test-db-data');

    const env = join(dir, 'compose', '.env');
    expect(statSync(env).mode & 0o777).toBe(0o600);
    const secrets = dotenv(readFileSync(env, 'utf8'));
    expect(Object.keys(secrets).sort()).toEqual([
      'COMPOSE_PROJECT_NAME',
      'OMRS_ADMIN_PASSWORD',
      'OMRS_DB_ADMIN_PASSWORD',
      'OMRS_DB_DEFAULT_PASSWORD',
    ]);
    expect(secrets.OMRS_DB_ADMIN_PASSWORD).toMatch(/^[0-9a-f]{32}$/);
    for (const f of walk(join(dir, 'compose')).filter((f) => f !== env)) {
      const text = readFileSync(f, 'utf8');
      for (const name of ['OMRS_DB_ADMIN_PASSWORD', 'OMRS_DB_DEFAULT_PASSWORD'])
        expect(text, f).not.toContain(secrets[name]);
    }
    expect(existsSync(join(dir, 'compose', 'compose-test', 'files', 'init-default', 'db-admin'))).toBe(false);
    expect(readFileSync(join(dir, 'compose', 'compose-test', 'backend-default.env'), 'utf8')).not.toMatch(
      /PASSWORD=/,
    );
    expect(existsSync(join(dir, 'compose', 'compose-test', 'files', 'gateway', 'config', 'nginx.conf'))).toBe(
      true,
    );
  });

  it('is the same for every password seed except .env, and keeps the values of an existing .env', async () => {
    const outs = homes.map((h) => join(h, 'out'));
    for (const [i, home] of homes.entries()) {
      const run = await omrs(
        ['compose', 'export', '--profile', PROFILE, '-o', join(outs[i]!, 'stack.yaml')],
        { env: { OMRS_HOME: home } },
      );
      expect(run.code, run.stderr).toBe(0);
    }
    const [a, b] = outs.map((o) => snapshot(o));
    const without = (s: Record<string, string>) =>
      Object.fromEntries(Object.entries(s).filter(([k]) => k !== '.env'));
    expect(without(a!)).toEqual(without(b!));
    expect(dotenv(a!['.env']!).OMRS_DB_ADMIN_PASSWORD).not.toBe(dotenv(b!['.env']!).OMRS_DB_ADMIN_PASSWORD);

    // The user's .env: their value stays, a missing variable is added.
    writeFileSync(join(outs[0]!, '.env'), 'OMRS_DB_ADMIN_PASSWORD=mine-0123456789\n', { mode: 0o644 });
    const again = await omrs(
      ['compose', 'export', '--profile', PROFILE, '-o', join(outs[0]!, 'stack.yaml')],
      { env: { OMRS_HOME: homes[0]! } },
    );
    expect(again.code, again.stderr).toBe(0);
    const kept = dotenv(readFileSync(join(outs[0]!, '.env'), 'utf8'));
    expect(kept.OMRS_DB_ADMIN_PASSWORD).toBe('mine-0123456789');
    expect(kept.OMRS_DB_DEFAULT_PASSWORD).toBe(dotenv(a!['.env']!).OMRS_DB_DEFAULT_PASSWORD);
    expect(statSync(join(outs[0]!, '.env')).mode & 0o777).toBe(0o600);
  });

  it.skipIf(!compose)('is accepted by docker-compose config', () => {
    const out = execFileSync(
      compose!,
      ['-f', join(dir, 'compose', 'compose-test.yaml'), 'config', '--quiet'],
      { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(out).toBe('');
    const services = execFileSync(
      compose!,
      ['-f', join(dir, 'compose', 'compose-test.yaml'), 'config', '--services'],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(services.trim().split('\n').sort()).toEqual(EXPORTED_SERVICES);
  });

  it('refuses a secret value .env cannot carry: a quote can be set there by hand, a line break cannot', async () => {
    const out = join(dir, 'quoted');
    mkdirSync(out);
    for (const [password, hint] of [
      ["it's-a-secret", /Set OMRS_ADMIN_PASSWORD in .*\.env yourself, quoted for docker compose/],
      ['two\nlines', /Give the setting OMRS_ADMIN_PASSWORD comes from a value on one line/],
    ] as const) {
      const profile = join(out, 'p.yaml');
      writeFileSync(profile, `extends: ${PROFILE}\nadmin:\n  password: ${JSON.stringify(password)}\n`);
      rmSync(join(out, '.env'), { force: true });
      const run = await omrs(
        ['compose', 'export', '--profile', profile, '-o', join(out, 'stack.yaml'), '--json'],
        {
          cwd: dir,
        },
      );
      expect(run.code, run.stderr).toBe(1);
      const { error } = JSON.parse(run.stdout) as { error: { code: string; hint: string } };
      expect(error.code).toBe('COMPOSE_EXPORT_ENV_VALUE');
      expect(error.hint).toMatch(hint);
      expect(run.stdout + run.stderr).not.toContain(password);
    }
  });

  it('exports a profile with monitoring: the exporter’s password in .env, Grafana’s port a variable, its files there', async () => {
    const out = join(dir, 'monitoring');
    mkdirSync(out);
    const profile = join(out, 'monitored.yaml');
    writeFileSync(profile, `extends: ${PROFILE}\nmonitoring:\n  enabled: true\n`);
    const run = await omrs(['compose', 'export', '--profile', profile, '-o', join(out, 'stack.yaml')], {
      cwd: dir,
    });
    expect(run.code, run.stderr).toBe(0);
    const doc = parse(readFileSync(join(out, 'stack.yaml'), 'utf8')) as {
      services: Record<string, { ports?: string[]; env_file?: string[] }>;
    };
    expect(Object.keys(doc.services)).toEqual(
      expect.arrayContaining(['prometheus', 'db-exporter', 'grafana']),
    );
    expect(doc.services.grafana!.ports).toEqual(['127.0.0.1:${OMRS_GRAFANA_PORT:-3000}:3000']);
    const secrets = dotenv(readFileSync(join(out, '.env'), 'utf8'));
    const password = secrets.OMRS_DB_EXPORTER_PASSWORD;
    expect(password).toMatch(/^[0-9a-f]{32}$/);
    for (const f of walk(out).filter((f) => !f.endsWith('/.env')))
      expect(readFileSync(f, 'utf8'), f).not.toContain(password);
    // Grafana's provisioning and the dashboards, as files of its service (no log store: an export
    // has no shipper, so no Logs datasource and no logs dashboard).
    const files = join(out, 'stack', 'files', 'grafana');
    expect(readFileSync(join(files, 'datasources', 'omrs.yaml'), 'utf8')).toContain(
      'url: http://monitored-prometheus:9090',
    );
    expect(readdirSync(join(files, 'dashboards')).sort()).toEqual([
      'openmrs-backups.json',
      'openmrs-database.json',
      'openmrs-http.json',
      'openmrs-jvm.json',
    ]);
    if (compose)
      expect(
        execFileSync(compose, ['-f', join(out, 'stack.yaml'), 'config', '--quiet'], {
          cwd: out,
          encoding: 'utf8',
        }),
      ).toBe('');
  });

  it('--check: the committed compose/ is the export of the dev profile (and --check writes nothing)', async () => {
    const hadEnv = existsSync(join(root, 'compose', '.env'));
    const run = await omrs(['compose', 'export', '--check'], { cwd: root, env: { OMRS_HOME: homes[0]! } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/compose\/dev\.yaml is the export of profile dev: nothing differs/);
    expect(existsSync(join(root, 'compose', '.env'))).toBe(hadEnv);
  });

  it('--check: a changed chart template makes it exit 1 and name the difference; an extra file too', () => {
    // A copy of the built package (the chart is found beside package.json) with one template changed.
    if (!existsSync(join(root, 'dist', 'cli', 'main.js')))
      throw new Error('dist/ is missing: run `npm run build` first');
    const pkg = mkdtempSync(join(tmpdir(), 'omrs-export-pkg-'));
    try {
      for (const part of ['package.json', 'bin', 'dist', 'charts', 'profiles', 'compose'])
        cpSync(join(root, part), join(pkg, part), { recursive: true });
      symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
      const template = join(pkg, 'charts', 'openmrs', 'templates', 'gateway-config.yaml');
      writeFileSync(
        template,
        readFileSync(template, 'utf8').replace('X-Frame-Options "SAMEORIGIN"', 'X-Frame-Options "DENY"'),
      );
      mkdirSync(join(pkg, 'compose', 'dev', 'files', 'old'), { recursive: true });
      writeFileSync(join(pkg, 'compose', 'dev', 'files', 'old', 'password'), 'x');
      const helmBinary = readEngine('helm')?.helm;
      const result = spawnSync(
        process.execPath,
        [join(pkg, 'bin', 'omrs.js'), 'compose', 'export', '--check'],
        {
          cwd: pkg,
          encoding: 'utf8',
          env: {
            ...process.env,
            CI: 'true',
            OMRS_HOME: homes[1]!,
            ...(helmBinary && { OMRS_HELM: helmBinary }),
          },
        },
      );
      expect(result.status, result.stderr).toBe(1);
      expect(result.stdout).toContain('compose/dev/files/gateway/config/security-headers.conf: changed');
      expect(result.stdout).toContain('-add_header X-Frame-Options "SAMEORIGIN" always;');
      expect(result.stdout).toContain('+add_header X-Frame-Options "DENY" always;');
      expect(result.stdout).toContain('compose/dev/files/old/password: not part of the export');
      expect(result.stdout).not.toContain('compose/dev.yaml: changed');
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  });
});
