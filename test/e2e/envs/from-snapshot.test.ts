// env create --from-snapshot on Docker (issue 19): a seeded environment's snapshot loads into a
// new disposable environment's database instead of seeding, table for table; a missing snapshot
// is refused before anything is created.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { objectsOf, sqlInDb } from '../compose/helpers.js';
import { removeDockerEnv } from './planted.js';

const dockerEngine = requireEngine('docker');
const images = requireEngine('images');
const helm = requireEngine('helm');
const PROFILE = join(import.meta.dirname, '../../fixtures/profiles/good/compose-test.yaml');
const SOURCE = `snap-src-${process.pid}`;
const SNAPSHOT = `qa-start-${process.pid}`;
const TABLES = ['patient', 'person', 'person_name', 'visit', 'encounter', 'obs', 'omrs_seed_ledger'];

describe.skipIf(!dockerEngine || !images || !helm)('env create --from-snapshot (compose runtime)', () => {
  const home = mkdtempSync(join(tmpdir(), 'omrs-e2e-from-snapshot-'));
  const cwd = mkdtempSync(join(tmpdir(), 'omrs-e2e-from-snapshot-cwd-'));
  const docker = new Docker({ socketPath: dockerEngine?.socketPath ?? '/var/run/docker.sock' });
  const env = {
    OMRS_HOME: home,
    OMRS_HELM: helm?.helm,
    CI: 'true',
    ...(dockerEngine && { DOCKER_HOST: `unix://${dockerEngine.socketPath}` }),
  };
  const cli = (argv: string[]) => runCli(argv, { cwd, env });
  const created: string[] = [];

  /** CHECKSUM TABLE of the seeded tables, inside the environment's database container. */
  const checksums = async (name: string): Promise<string> =>
    (await sqlInDb(name, `CHECKSUM TABLE ${TABLES.join(', ')}`, docker)).trim();
  const create = (snapshot: string, ...extra: string[]) =>
    cli([
      'env',
      'create',
      '--runtime',
      'compose',
      '-p',
      PROFILE,
      '--ttl',
      '10m',
      '--from-snapshot',
      snapshot,
      ...extra,
    ]);

  beforeAll(async () => {
    const up = await cli(['up', '--profile', PROFILE, '--env', SOURCE, '--json']);
    expect(up.code, up.stderr).toBe(0);
    const seeded = await cli(['seed', '--env', SOURCE, '--size', 'small', '--seed', '11', '--json']);
    expect(seeded.code, seeded.stderr).toBe(0);
    const snap = await cli(['db', 'snapshot', SNAPSHOT, '--env', SOURCE, '--json']);
    expect(snap.code, snap.stderr).toBe(0);
  });

  afterAll(async () => {
    for (const name of created) {
      await cli(['env', 'rm', '--runtime', 'compose', name]).catch(() => undefined);
      await removeDockerEnv(docker, name);
    }
    await cli(['down', '--env', SOURCE, '--volumes']);
    rmSync(home, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  });

  it('refuses a snapshot that does not exist before creating anything', async () => {
    const disposable = async () =>
      (await docker.listNetworks({ filters: { label: ['omrs.dev/disposable=true'] } })).length;
    const before = await disposable();
    const run = await create('nope');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SNAPSHOT_NOT_FOUND');
    expect(run.stderr).toContain(`omrs db snapshot nope --env`);
    expect(await disposable()).toBe(before);
  });

  it('loads the snapshot into the new environment: the same seeded tables, a healthy backend', async () => {
    const run = await create(SNAPSHOT, '--json');
    expect(run.code, run.stderr).toBe(0);
    const made = JSON.parse(run.stdout) as { name: string; seeded: boolean; seedNote: string; url?: string };
    created.push(made.name);
    expect(made.seeded).toBe(true);
    expect(made.seedNote).toBe(`restored from snapshot ${SNAPSHOT} (default)`);

    const want = await checksums(SOURCE);
    expect(want.split('\n')).toHaveLength(TABLES.length);
    expect(await checksums(made.name)).toBe(want);
    // The seed ledger came with the data: seed --status of the new environment names the source's run.
    const status = await cli(['seed', '--env', made.name, '--status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { runs: { seed: number }[] }).runs.map((r) => r.seed)).toEqual([11]);
    const health = await fetch(`${made.url!.replace(/\/openmrs\/spa\/?$/, '')}/openmrs/health/started`);
    expect(health.status).toBe(200);
    expect((await objectsOf(made.name)).containers.length).toBeGreaterThan(0);
  });
});
