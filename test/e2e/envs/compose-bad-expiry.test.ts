// One environment with a broken expiry must not stop the commands about the others (issue 21).
// Against the real Docker engine: environments planted the way `omrs env create --runtime compose`
// claims them (a network carrying every label, a labelled volume, the state record), three of
// them with an expiry that is not a time: what an `env create --ttl 99999999999d` used to leave
// behind, a word, and none at all. Only the objects this file creates are judged: other
// environments may live on the shared engine.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { objectsOf as objectsOfEnv } from '../compose/helpers.js';
import { requireEngine } from '../../helpers/engines.js';
import { gcPlanOf, plantedNames, removeDockerEnv, type ListedEnv } from './planted.js';

const dockerEngine = requireEngine('docker');
const REPO = join(import.meta.dirname, '../../..');
const PROFILE = join(import.meta.dirname, '../../fixtures/profiles/good/compose-test.yaml');

describe.skipIf(!dockerEngine)('a broken expiry on one Docker environment', () => {
  const home = mkdtempSync(join(tmpdir(), 'omrs-e2e-bad-expiry-'));
  const docker = new Docker({ socketPath: dockerEngine?.socketPath ?? '/var/run/docker.sock' });
  const tag = randomBytes(2).toString('hex');
  const now = Math.floor(Date.now() / 1000);
  // What the old `--ttl 99999999999d` wrote: created + 99999999999 days in seconds.
  const ABSURD = String(now + 99_999_999_999 * 86_400);
  const names = plantedNames(tag);
  const mine = new Set(Object.values(names));
  /** The name the refused create asks for: cleaned up too, should a regression create it. */
  const refused = `badttl-${tag}-refused`;
  const env = (): Record<string, string> => ({
    OMRS_HOME: home,
    CI: 'true',
    ...(dockerEngine && { DOCKER_HOST: `unix://${dockerEngine.socketPath}` }),
  });
  const cli = (argv: string[]) => runCli(argv, { cwd: REPO, env: env() });

  /** Claims an environment the way `env create --runtime compose` does, with `expires` as given. */
  const plant = async (name: string, expires: string | undefined, record = false): Promise<void> => {
    const labels: Record<string, string> = {
      'omrs.dev/env': name,
      'omrs.dev/profile': 'compose-test',
      'omrs.dev/app-digest': `sha256:${'ab'.repeat(32)}`,
      'omrs.dev/disposable': 'true',
      'omrs.dev/created': String(now - 60),
      'omrs.dev/owner': 'e2e',
      ...(expires !== undefined && { 'omrs.dev/expires': expires }),
    };
    await docker.createNetwork({ Name: `omrs-${name}`, Driver: 'bridge', Labels: labels });
    await docker.createVolume({ Name: `omrs-${name}-db-data`, Labels: { 'omrs.dev/env': name } });
    if (record) {
      mkdirSync(join(home, 'envs', name), { recursive: true, mode: 0o700 });
      writeFileSync(
        join(home, 'envs', name, 'disposable.json'),
        JSON.stringify({
          name,
          runtime: 'compose',
          profile: 'compose-test',
          appDigest: labels['omrs.dev/app-digest'],
          owner: 'e2e',
          created: now - 60,
          expires: Number(expires),
          state: 'ready',
        }),
      );
    }
  };
  /** What is left of an environment once its containers are gone. */
  const objectsOf = async (name: string) => {
    const { networks, volumes } = await objectsOfEnv(name);
    return { networks, volumes };
  };
  const ls = async (): Promise<ListedEnv[]> => {
    const run = await cli(['env', 'ls', '--runtime', 'compose', '--json']);
    expect(run.code, run.stderr).toBe(0);
    return (JSON.parse(run.stdout) as { environments: ListedEnv[] }).environments.filter((e) =>
      mine.has(e.name),
    );
  };
  const byName = (listed: ListedEnv[]) => new Map(listed.map((e) => [e.name, e]));

  beforeAll(async () => {
    await plant(names.absurd, ABSURD, true);
    await plant(names.word, 'soon');
    await plant(names.missing, undefined);
    await plant(names.expired, String(now - 30));
    await plant(names.live, String(now + 3600));
    await plant(names.other, String(now + 7200));
  });
  afterAll(async () => {
    for (const name of [...mine, refused]) await removeDockerEnv(docker, name);
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses an absurd --ttl with a usage error before anything is created', async () => {
    const run = await cli([
      'env',
      'create',
      '--runtime',
      'compose',
      '-p',
      PROFILE,
      '--name',
      refused,
      '--ttl',
      '99999999999d',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--ttl "99999999999d" is out of range: a time to live is between 1s and 365d/);
    expect(run.stderr).toMatch(/30m, 4h or 2d/);
    expect(run.stderr).not.toMatch(/Internal error|Invalid time value|\n\s+at /);
    expect(await objectsOf(refused)).toEqual({ networks: [], volumes: [] });
    expect(existsSync(join(home, 'envs', refused))).toBe(false);
  });

  it('lists every environment, the broken ones with their problem (JSON and text)', async () => {
    const listed = byName(await ls());
    expect([...listed.keys()].sort()).toEqual([...mine].sort());
    for (const broken of [names.absurd, names.word, names.missing]) {
      expect(listed.get(broken), broken).toMatchObject({ expires: null, expiresInSeconds: null });
      expect(listed.get(broken)!.problem, broken).toBeTruthy();
    }
    expect(listed.get(names.absurd)!.problem).toMatch(/the expiry in disposable.json ".*" is more than 365d/);
    expect(listed.get(names.word)!.problem).toMatch(/label omrs.dev\/expires "soon" is not a time/);
    expect(listed.get(names.missing)!.problem).toMatch(/label omrs.dev\/expires is missing/);
    expect(listed.get(names.expired)).toMatchObject({ state: 'expired' });
    expect(listed.get(names.live)!.expiresInSeconds).toBeGreaterThan(3000);
    expect(listed.get(names.live)!.problem).toBeUndefined();

    const text = await cli(['env', 'ls', '--runtime', 'compose']);
    expect(text.code, text.stderr).toBe(0);
    const row = text.stdout.split('\n').find((l) => l.startsWith(names.word));
    expect(row).toMatch(/invalid label value/);
    expect(text.stdout).toMatch(new RegExp(`warning: ${names.absurd}: .*omrs env rm ${names.absurd}`));
    expect(text.stdout).toMatch(new RegExp(`^\\S*${names.live}\\s`, 'm'));
  });

  it('gc removes the expired one, reports and keeps the broken ones', async () => {
    const dry = await cli(['env', 'gc', '--runtime', 'compose', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(gcPlanOf(dry.stdout, mine)).toEqual({
      removed: [names.expired],
      skipped: [names.absurd, names.missing, names.word].sort(),
    });

    const gc = await cli(['env', 'gc', '--runtime', 'compose', '--json']);
    expect(gc.code, gc.stderr).toBe(0);
    const result = JSON.parse(gc.stdout) as {
      removed: { name: string }[];
      skipped: { name: string; problem: string }[];
    };
    expect(result.skipped.map((s) => s.name).filter((n) => mine.has(n)).length).toBe(3);
    expect(await objectsOf(names.expired)).toEqual({ networks: [], volumes: [] });
    for (const kept of [names.absurd, names.word, names.missing, names.live, names.other])
      expect((await objectsOf(kept)).networks, kept).toEqual([`omrs-${kept}`]);

    const text = await cli(['env', 'gc', '--runtime', 'compose', '--dry-run']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`warning: skipped ${names.word}: label omrs.dev/expires "soon"`));
  });

  it('extend and rm work on the others; extend fixes a broken one; rm removes one', async () => {
    const extend = await cli(['env', 'extend', '--runtime', 'compose', names.live, '--ttl', '2h', '--json']);
    expect(extend.code, extend.stderr).toBe(0);
    expect(byName(await ls()).get(names.live)!.expiresInSeconds).toBeGreaterThan(3600 + 7200 - 120);

    const absurdExtend = await cli([
      'env',
      'extend',
      '--runtime',
      'compose',
      names.live,
      '--ttl',
      '99999999999d',
    ]);
    expect(absurdExtend.code).toBe(2);
    expect(absurdExtend.stderr).toMatch(/--ttl "99999999999d" is out of range/);
    const tooFar = await cli(['env', 'extend', '--runtime', 'compose', names.live, '--ttl', '365d']);
    expect(tooFar.code).toBe(2);
    expect(tooFar.stderr).toMatch(/would make it expire in more than 365d/);

    const rmOther = await cli(['env', 'rm', '--runtime', 'compose', names.other, '--json']);
    expect(rmOther.code, rmOther.stderr).toBe(0);
    expect(await objectsOf(names.other)).toEqual({ networks: [], volumes: [] });

    // Extending a broken one gives it a real expiry from now (the record wins over the label).
    const fix = await cli(['env', 'extend', '--runtime', 'compose', names.word, '--ttl', '1h', '--json']);
    expect(fix.code, fix.stderr).toBe(0);
    const fixed = byName(await ls()).get(names.word)!;
    expect(fixed.problem).toBeUndefined();
    expect(fixed.expiresInSeconds).toBeGreaterThan(3500);
    expect(fixed.expiresInSeconds).toBeLessThanOrEqual(3600);
    const record = JSON.parse(readFileSync(join(home, 'envs', names.word, 'disposable.json'), 'utf8')) as {
      expires: number;
    };
    expect(Date.parse(fixed.expires!)).toBe(record.expires * 1000);

    // Without --runtime, found on Docker too; its network, volume and record go.
    const rm = await cli(['env', 'rm', names.absurd, '--json']);
    expect(rm.code, rm.stderr).toBe(0);
    expect(await objectsOf(names.absurd)).toEqual({ networks: [], volumes: [] });
    expect(existsSync(join(home, 'envs', names.absurd))).toBe(false);
    for (const left of [names.missing, names.word])
      expect(await cli(['env', 'rm', '--runtime', 'compose', left])).toMatchObject({ code: 0 });
    expect(await ls()).toEqual([expect.objectContaining({ name: names.live })]);
  });
});
