// Interrupting the built CLI as a user does: SIGINT (Ctrl-C) and SIGTERM while `omrs up` seeds
// stop it with exit 130, and the next `up` resumes the seed run; an output path that cannot be
// made (`compose export -o /proc/x/y.yaml`) ends at once with a clear error instead of spinning.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedStatus, urlTarget, type RunSummary } from '../../../src/seed/index.js';
import { buildPrivateCli, type BuiltCli } from '../../helpers/built-cli.js';
import { composeEngines, docker, objectsOf, omrs, omrsHome } from './helpers.js';

const { engines, ready } = composeEngines();
const ROOT = join(import.meta.dirname, '../../..');
const PROFILE = join(ROOT, 'test/fixtures/profiles/good/compose-seeded-medium.yaml');
const ENV = `intr-${randomBytes(3).toString('hex')}`;
const MEDIUM_PATIENTS = 2000;
let cli: BuiltCli | undefined;
/** 20 patients: one chunk, so the signal lands after the last chunk (in the users step or later). */
const SMALL_PROFILE = join(ROOT, 'test/fixtures/profiles/good/compose-seeded.yaml');

/** The env's tenant database as the backend reaches it (the db container's IP, the backend's login). */
async function ledger(): Promise<RunSummary[]> {
  const backend = await docker.getContainer(`omrs-${ENV}-backend-default`).inspect();
  const env = Object.fromEntries(
    backend.Config.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  );
  const db = await docker.getContainer(`omrs-${ENV}-db`).inspect();
  const host = db.NetworkSettings.Networks[`omrs-${ENV}`]!.IPAddress;
  const url = `mysql://${encodeURIComponent(env.OMRS_DB_USERNAME!)}:${encodeURIComponent(env.OMRS_DB_PASSWORD ?? '')}@${host}:3306/${env.OMRS_DB_NAME!}`;
  return (await seedStatus(urlTarget(url))).runs;
}

/**
 * Runs the built CLI as a child process and sends it `signal` once the first patient chunk of a
 * seed run is written (its progress event on stderr); answers the exit code and whether it was sent.
 */
async function interruptedDuringSeed(
  args: string[],
  signal: NodeJS.Signals,
): Promise<{ code: number | null; sent: boolean; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli!.bin, ...args, '--env', ENV, '--json'], {
    cwd: ROOT,
    env: {
      ...process.env,
      OMRS_HOME: omrsHome,
      OMRS_HELM: engines.helm!.helm,
      CI: 'true',
      DOCKER_HOST: `unix://${engines.docker!.socketPath}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr += text;
    if (!sent && /"type":"progress","step":"seed:patient"/.test(stderr)) {
      sent = true;
      child.kill(signal);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, sent, stdout, stderr };
}

const upInterruptedDuringSeed = (signal: NodeJS.Signals, profile = PROFILE) =>
  interruptedDuringSeed(['up', '--profile', profile], signal);

// A first `up` on a busy shared machine can take minutes; the deadlines are not what is tested.
describe.skipIf(!ready)(
  'interrupting omrs up while it seeds (compose runtime, built CLI)',
  { timeout: 600_000 },
  () => {
    beforeAll(async () => {
      cli = buildPrivateCli('compose-interrupt');
      await omrs(['down', '--env', ENV, '--volumes']);
    }, 300_000);
    afterAll(async () => {
      cli?.remove();
      await omrs(['down', '--env', ENV, '--volumes']);
      expect(await objectsOf(ENV)).toEqual({ containers: [], networks: [], volumes: [] });
    });

    it('SIGINT in the seed step: exit 130, the seed run is left resumable, the next up resumes it', async () => {
      const first = await upInterruptedDuringSeed('SIGINT');
      expect(first.sent, first.stderr.slice(-3000)).toBe(true);
      expect(first.code, first.stderr.slice(-3000)).toBe(130);
      expect(first.stderr).toMatch(/seeding interrupted/);
      expect(first.stderr).not.toMatch(/Internal error|"code":\s*"INTERNAL"/);

      const [interrupted] = await ledger();
      expect(interrupted).toMatchObject({ status: 'running' });
      expect(interrupted!.tables.patient ?? 0).toBeLessThan(MEDIUM_PATIENTS);

      const again = await omrs(['up', '--profile', PROFILE, '--env', ENV, '--json']);
      expect(again.code, again.stderr.slice(-3000)).toBe(0);
      expect(again.stderr).toContain(`resuming interrupted seed run ${interrupted!.runId}`);
      const runs = await ledger();
      expect(runs.map((r) => ({ runId: r.runId, status: r.status, patients: r.tables.patient }))).toEqual([
        { runId: interrupted!.runId, status: 'done', patients: MEDIUM_PATIENTS },
      ]);
    });

    it('SIGINT after the last seed chunk still ends up with exit 130, not "is up"; the next up converges', async () => {
      const before = await ledger();
      const run = await upInterruptedDuringSeed('SIGINT', SMALL_PROFILE);
      expect(run.sent, run.stderr.slice(-3000)).toBe(true);
      expect(run.code, run.stderr.slice(-3000)).toBe(130);
      // --json: the error is the result on stdout.
      expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'INTERRUPTED', exitCode: 130 } });

      const again = await omrs(['up', '--profile', SMALL_PROFILE, '--env', ENV, '--json']);
      expect(again.code, again.stderr.slice(-3000)).toBe(0);
      const added = (await ledger()).filter((r) => !before.some((b) => b.runId === r.runId));
      expect(added.map((r) => ({ status: r.status, seed: r.seed, patients: r.tables.patient }))).toEqual([
        { status: 'done', seed: 7, patients: 20 },
      ]);
    });

    it('SIGTERM is handled like SIGINT: exit 130 during a seed run', async () => {
      // A second seed plan (another seed number) starts a new run on the same, running env.
      const run = await interruptedDuringSeed(['seed', '--size', 'medium', '--seed', '14'], 'SIGTERM');
      expect(run.sent, run.stderr.slice(-3000)).toBe(true);
      expect(run.code, run.stderr.slice(-3000)).toBe(130);
      const runs = await ledger();
      expect(runs.map((r) => r.status)).toEqual(['done', 'done', 'running']);
      const purge = await omrs(['seed', '--env', ENV, '--purge', '--run', runs[2]!.runId, '--json']);
      expect(purge.code, purge.stderr).toBe(0);
    });
  },
);

describe('omrs compose export to a path that cannot be made', () => {
  it('ends at once with a clear usage error (no spinning on /proc, no internal error)', async () => {
    const run = await omrs([
      'compose',
      'export',
      '--profile',
      join(ROOT, 'test/fixtures/profiles/good/compose-test.yaml'),
      '-o',
      '/proc/x/y.yaml',
    ]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/cannot write the file \/proc\/x\/y\.yaml \(-o\)/);
    expect(run.stderr).toMatch(/hint:/);
    expect(run.stderr).not.toMatch(/Internal error|\n\s+at /);
  });
});
