// `omrs seed` through the real CLI (in-process): exit codes, --json, and no password in any output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { cloneTemplate, connect, dropDatabase } from '../../helpers/mariadb.js';
import { dbUrl, uniqueDbName } from './db.js';

const engine = requireEngine('mariadb');
const PASSWORD = 'Pw-Sekr1t-9x';
const USER = `seedcli${process.pid}`;

describe.skipIf(!engine)('omrs seed (CLI)', () => {
  const e = engine!;
  const db = uniqueDbName('omrs_seed_cli');
  const url = () => dbUrl(e, db, USER, PASSWORD);
  const noSecret = (run: { stdout: string; stderr: string }) => {
    expect(run.stdout).not.toContain(PASSWORD);
    expect(run.stderr).not.toContain(PASSWORD);
  };

  beforeAll(async () => {
    await cloneTemplate(e, db);
    const admin = await connect(e);
    try {
      await admin.query(`CREATE OR REPLACE USER '${USER}'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'`);
      await admin.query(`CREATE OR REPLACE USER '${USER}'@'localhost' IDENTIFIED BY '${PASSWORD}'`);
      await admin.query(`GRANT ALL ON \`${db}\`.* TO '${USER}'@'127.0.0.1', '${USER}'@'localhost'`);
    } finally {
      await admin.end();
    }
  });
  afterAll(async () => {
    await dropDatabase(e, db);
    const admin = await connect(e);
    await admin
      .query(`DROP USER IF EXISTS '${USER}'@'127.0.0.1', '${USER}'@'localhost'`)
      .finally(() => admin.end());
  });

  it('seeds with --json: exit 0, the result on stdout, NDJSON progress on stderr', async () => {
    const run = await runCli(['seed', '--db', url(), '--patients', '25', '--seed', '8', '--json']);
    expect(run.code).toBe(0);
    noSecret(run);
    const result = JSON.parse(run.stdout) as {
      status: string;
      target: string;
      tables: Record<string, number>;
      users: { username: string; password?: string }[];
    };
    expect(result).toMatchObject({ status: 'seeded', tables: { patient: 25, obs: 25 * 20 } });
    expect(result.target).toBe(`mysql://${USER}@${e.host}:${e.port}/${db}`);
    expect(result.users.every((u) => typeof u.password === 'string' && u.password.length >= 8)).toBe(true);
    const events = run.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; step?: string; message?: string });
    expect(
      events.some(
        (ev) => ev.type === 'progress' && ev.step === 'seed:obs' && /rows\/s/.test(ev.message ?? ''),
      ),
    ).toBe(true);
  });

  it('says "already seeded" the second time, in plain text', async () => {
    const run = await runCli(['seed', '--db', url(), '--patients', '25', '--seed', '8']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/already seeded: run [0-9a-f-]{36} \(seed 8, small\) — nothing added/);
    noSecret(run);
  });

  it('lists runs with --status and takes the target from OMRS_DB_URL', async () => {
    const run = await runCli(['seed', '--status', '--json'], { env: { OMRS_DB_URL: url() } });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      runs: [{ status: 'done', seed: 8, counts: { patients: 25 } }],
    });
    noSecret(run);
  });

  it('purges with --purge', async () => {
    const run = await runCli(['seed', '--purge', '--db', url()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/purged run [0-9a-f-]{36} \(seed 8, small\): \d+ rows/);
    noSecret(run);
  });

  it('a bad URL is a usage error (exit 2) with a hint, password masked', async () => {
    const run = await runCli(['seed', '--db', `postgres://someone:${PASSWORD}@localhost/openmrs`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('mysql://user:password@host:3306/openmrs');
    expect(run.stderr).toContain('postgres://someone:***@localhost/openmrs');
    noSecret(run);
    const json = await runCli(['seed', '--db', 'not a url', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'SEED_BAD_DB_URL' } });
  });

  it('no target is a usage error; a wrong password is exit 2; an unreachable server is exit 4', async () => {
    const none = await runCli(['seed'], { env: { OMRS_DB_URL: undefined } });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('OMRS_DB_URL');
    const denied = await runCli(['seed', '--db', dbUrl(e, db, USER, `${PASSWORD}-wrong`)]);
    expect(denied.code).toBe(2);
    expect(denied.stderr).toMatch(/cannot log in/);
    expect(denied.stderr).not.toContain(`${PASSWORD}-wrong`);
    const down = await runCli(['seed', '--db', `mysql://${USER}:${PASSWORD}@127.0.0.1:1/${db}`]);
    expect(down.code).toBe(4);
    expect(down.stderr).toMatch(/cannot connect to mysql:\/\/\S+@127\.0\.0\.1:1\//);
    noSecret(down);
  });

  it('rejects a bad size and a bad count before connecting', async () => {
    expect((await runCli(['seed', '--db', url(), '--size', 'huge'])).code).toBe(2);
    expect((await runCli(['seed', '--db', url(), '--patients', 'lots'])).code).toBe(2);
    expect((await runCli(['seed', '--db', url(), '--locale', 'xx_YY'])).code).toBe(2);
  });
});
