// `omrs up` with a profile that enables seeding: the env's database gets the seeded patients once,
// and the backend stand-in's REST patient search finds one of them by family name and by OpenMRS ID.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidMod30, mod30CheckChar } from '../../../src/seed/mod30.js';
import { seedStatus, urlTarget, type RunSummary } from '../../../src/seed/index.js';
import { composeEngines, docker, http, objectsOf, omrs, omrsHome, upJson } from './helpers.js';

const { ready } = composeEngines();
const PROFILE = join(import.meta.dirname, '../../fixtures/profiles/good/compose-seeded.yaml');
const ENV = `seeded-${randomBytes(3).toString('hex')}`;
const COUNTS = { patients: 20, visitsPerPatient: 1, encountersPerVisit: 1, obsPerEncounter: 2 };

interface Db {
  host: string;
  user: string;
  password: string;
  database: string;
}

/** The env's database as the backend reaches it: the db container's IP on the env network, the backend's OMRS_DB_* login. */
async function database(): Promise<Db> {
  const backend = await docker.getContainer(`omrs-${ENV}-backend-default`).inspect();
  const env = Object.fromEntries(
    backend.Config.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  );
  const db = await docker.getContainer(`omrs-${ENV}-db`).inspect();
  return {
    host: db.NetworkSettings.Networks[`omrs-${ENV}`]!.IPAddress,
    user: env.OMRS_DB_USERNAME!,
    password: env.OMRS_DB_PASSWORD ?? '',
    database: env.OMRS_DB_NAME!,
  };
}

async function sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
  const conn = await mysql.createConnection(await database());
  try {
    return (await conn.query(query, params))[0] as T[];
  } finally {
    await conn.end();
  }
}

async function ledger(): Promise<RunSummary[]> {
  const db = await database();
  const url = `mysql://${encodeURIComponent(db.user)}:${encodeURIComponent(db.password)}@${db.host}:3306/${db.database}`;
  return (await seedStatus(urlTarget(url))).runs;
}

interface SearchResult {
  results: { uuid: string; display: string; identifier: string }[];
}

describe.skipIf(!ready)('omrs up seeds the database when the profile says so (compose runtime)', () => {
  let port = 0;
  let firstRuns: RunSummary[] = [];

  beforeAll(async () => {
    await omrs(['down', '--env', ENV, '--volumes']);
  });
  afterAll(async () => {
    await omrs(['down', '--env', ENV, '--volumes']);
    expect(await objectsOf(ENV)).toEqual({ containers: [], networks: [], volumes: [] });
  });

  it('reaches healthy and seeds the patients of the profile', async () => {
    const run = await omrs(['up', '--profile', PROFILE, '--env', ENV, '--json']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    port = upJson(run).gatewayPort;
    expect(port).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/default: seeded \d+ rows \(seed 7, small\)/);
    expect((await http(`http://127.0.0.1:${port}/openmrs/health/started`)).status).toBe(200);

    firstRuns = await ledger();
    expect(firstRuns).toHaveLength(1);
    expect(firstRuns[0]).toMatchObject({
      status: 'done',
      seed: 7,
      counts: expect.objectContaining(COUNTS) as unknown,
    });
    const [count] = await sql<{ n: number }>(
      `SELECT COUNT(*) AS n FROM patient_identifier pi JOIN patient_identifier_type t ON t.patient_identifier_type_id = pi.identifier_type
       WHERE t.name = 'OpenMRS ID' AND pi.voided = 0`,
    );
    expect(Number(count?.n)).toBeGreaterThanOrEqual(COUNTS.patients);
  });

  it('finds a seeded patient through the REST patient search by family name and by OpenMRS ID', async () => {
    const [patient] = await sql<{ uuid: string; given: string; family: string; identifier: string }>(
      `SELECT p.uuid, n.given_name AS given, n.family_name AS family, pi.identifier
       FROM patient pt
       JOIN person p ON p.person_id = pt.patient_id
       JOIN person_name n ON n.person_id = pt.patient_id AND n.voided = 0
       JOIN patient_identifier pi ON pi.patient_id = pt.patient_id AND pi.voided = 0
       JOIN patient_identifier_type t ON t.patient_identifier_type_id = pi.identifier_type AND t.name = 'OpenMRS ID'
       WHERE pt.voided = 0
       ORDER BY pt.patient_id LIMIT 1`,
    );
    expect(patient, 'a seeded patient with an OpenMRS ID').toBeDefined();
    const { uuid, given, family, identifier } = patient!;
    expect(given).toMatch(/\S/);
    expect(family).toMatch(/\S/);
    expect(identifier).toMatch(/^[0-9]+[0-9A-Z]$/);
    expect(identifier.slice(-1)).toBe(mod30CheckChar(identifier.slice(0, -1)));
    expect(isValidMod30(identifier)).toBe(true);

    const search = async (q: string): Promise<SearchResult> => {
      const response = await http(
        `http://127.0.0.1:${port}/openmrs/ws/rest/v1/patient?q=${encodeURIComponent(q)}`,
        { auth: 'admin:Admin123' },
      );
      expect(response.status, response.body).toBe(200);
      return JSON.parse(response.body) as SearchResult;
    };
    const byName = await search(family);
    expect(byName.results.map((r) => r.uuid)).toContain(uuid);
    const byId = await search(identifier);
    expect(byId.results.map((r) => r.uuid)).toContain(uuid);
    expect(byId.results.find((r) => r.uuid === uuid)).toMatchObject({ identifier });
    // Not logged in: no patients.
    expect(
      (await http(`http://127.0.0.1:${port}/openmrs/ws/rest/v1/patient?q=${encodeURIComponent(family)}`))
        .status,
    ).toBe(401);
  });

  it('does not seed again on a second up', async () => {
    const run = await omrs(['up', '--profile', PROFILE, '--env', ENV, '--json']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const result = upJson(run);
    expect(result.noop).toBe(true);
    expect(run.stderr).toMatch(/Nothing to change/);
    expect(run.stderr).toMatch(/default: already seeded/);
    expect(run.stderr).not.toMatch(/seeded \d+ rows/);
    expect(await ledger()).toEqual(firstRuns);
  });

  it('omrs seed --env adds a run to the running environment, found through its containers; --status lists it', async () => {
    const patientsBefore = (await sql<{ n: number }>('SELECT COUNT(*) AS n FROM patient'))[0]!.n;
    const extra = [
      '--patients',
      '5',
      '--visits-per-patient',
      '1',
      '--encounters-per-visit',
      '1',
      '--obs-per-encounter',
      '1',
    ];
    const run = await omrs(['seed', '--env', ENV, '--seed', '7', ...extra, '--json']);
    expect(run.code, run.stderr.slice(-2000) + run.stdout).toBe(0);
    const result = JSON.parse(run.stdout) as { status: string; runId: string; target: string };
    expect(result.status).toBe('seeded');
    expect(result.target).not.toContain((await database()).password);
    expect((await sql<{ n: number }>('SELECT COUNT(*) AS n FROM patient'))[0]!.n).toBe(patientsBefore + 5);

    const status = await omrs(['seed', '--env', ENV, '--status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const runs = (JSON.parse(status.stdout) as { runs: RunSummary[] }).runs;
    expect(runs.map((r) => r.runId).sort()).toEqual([...firstRuns.map((r) => r.runId), result.runId].sort());

    const wrongTenant = await omrs(['seed', '--env', ENV, '--tenant', 'nowhere', '--status']);
    expect(wrongTenant.code).toBe(2);
    expect(wrongTenant.stderr).toMatch(/has no tenant nowhere[\s\S]*--tenant with one of: default/);
    const noEnv = await omrs(['seed', '--env', 'no-such-env', '--status']);
    expect(noEnv.code).toBe(2);
    expect(noEnv.stderr).toMatch(/no environment no-such-env/);
  });

  it('omrs db snapshot --env, then restore --env, brings the tenant database back', async () => {
    const count = async () => (await sql<{ n: number }>('SELECT COUNT(*) AS n FROM patient'))[0]!.n;
    const before = await count();
    const snap = await omrs(['db', 'snapshot', 'e2e-before', '--env', ENV, '--json'], { cwd: omrsHome });
    expect(snap.code, snap.stderr).toBe(0);
    const purge = await omrs(['seed', '--env', ENV, '--purge', '--json']);
    expect(purge.code, purge.stderr).toBe(0);
    expect(await count()).toBeLessThan(before);
    const restore = await omrs(['db', 'restore', 'e2e-before', '--env', ENV, '--json'], { cwd: omrsHome });
    expect(restore.code, restore.stderr).toBe(0);
    expect(await count()).toBe(before);
  });
});
