// `omrs destroy` on Docker (issue 17): refused without the environment's name typed, a final
// snapshot of the running database, then every object with the environment's label gone and
// nothing else touched; a stopped database is refused unless --skip-snapshot.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeEngines, docker, objectsOf, omrs, PROFILE, type EnvObjects } from './helpers.js';

const { ready } = composeEngines();
const ENV = `destroy-${randomBytes(3).toString('hex')}`;
const OTHER = `${ENV}-other`;

interface DestroyJson {
  env: string;
  nothing: boolean;
  snapshots: { tenant: string; name: string; file: string; bytes: number }[];
  removed: string[];
}

describe.skipIf(!ready)('omrs destroy (compose runtime)', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'omrs-destroy-'));
  const run = (args: string[], stdin?: string) =>
    omrs(['destroy', '--profile', PROFILE, '--env', ENV, ...args], {
      cwd,
      ...(stdin !== undefined && { stdin }),
    });
  // Two volumes destroy must leave: one of another environment, one named like ours without the label.
  const strays = [`omrs-${OTHER}-data`, `omrs-${ENV}-unlabelled`];
  let before: EnvObjects;

  beforeAll(async () => {
    await omrs(['down', '--env', ENV, '--volumes']);
    await docker.createVolume({ Name: strays[0], Labels: { 'omrs.dev/env': OTHER } });
    await docker.createVolume({ Name: strays[1] });
    const up = await omrs(['up', '--profile', PROFILE, '--env', ENV, '--json']);
    expect(up.code, up.stderr).toBe(0);
    before = await objectsOf(ENV);
    expect(before.volumes.length).toBeGreaterThan(0);
  });
  afterAll(async () => {
    await omrs(['down', '--env', ENV, '--volumes']);
    for (const name of strays)
      await docker
        .getVolume(name)
        .remove()
        .catch(() => undefined);
    rmSync(cwd, { recursive: true, force: true });
  });

  it('refuses without the typed name, with a wrong one, and --infrastructure without cluster.eks: nothing removed', async () => {
    const none = await run([]);
    expect(none.code, none.stderr).toBe(2);
    expect(none.stderr).toContain('DESTROY_NOT_CONFIRMED');
    // The refusal lists what a confirmed run would remove (the hint wraps at the terminal's width).
    const said = none.stderr.replace(/\s+/g, ' ');
    expect(said).toContain(`--confirm ${ENV}`);
    expect(said).toContain(`volume omrs-${ENV}-db-data`);
    expect(said).not.toContain(strays[0]);

    const wrong = await run(['--confirm', OTHER], '');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`"${OTHER}" is not the environment's name`);

    // Typed at the prompt, but wrong: a person gets the same refusal.
    const typed = await omrs(['destroy', '--profile', PROFILE, '--env', ENV], {
      cwd,
      isTTY: true,
      stdin: 'dev\n',
    });
    expect(typed.code).toBe(2);
    expect(typed.stderr).toContain(`Type ${ENV} to destroy it`);

    const infra = await run(['--confirm', ENV, '--infrastructure']);
    expect(infra.code).toBe(2);
    expect(infra.stderr).toContain('DESTROY_NO_INFRASTRUCTURE');

    expect(await objectsOf(ENV)).toEqual(before);
  });

  it('keeps a final snapshot of the running database, then removes only what carries the label', async () => {
    const destroyed = await run(['--confirm', ENV, '--json']);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    const result = JSON.parse(destroyed.stdout) as DestroyJson;
    expect(result.snapshots.map((s) => s.tenant)).toEqual(['default']);
    const [dump] = result.snapshots;
    expect(dump!.file.startsWith(join(cwd, '.omrs', 'snapshots'))).toBe(true);
    expect(statSync(dump!.file).mode & 0o777).toBe(0o600);
    // The dump is the real OpenMRS schema with its admin user: what a restore needs.
    const sql = execFileSync('gzip', ['-dc', dump!.file], { maxBuffer: 512 * 1024 * 1024 }).toString();
    expect(/CREATE TABLE `users`/.test(sql)).toBe(true);
    expect(/INSERT INTO `users` VALUES\s*\(1,'admin'/.test(sql)).toBe(true);

    expect(await objectsOf(ENV)).toEqual({ containers: [], networks: [], volumes: [] });
    const left = ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name);
    expect(left).toEqual(expect.arrayContaining(strays));

    const again = await run(['--confirm', ENV, '--json']);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as DestroyJson).nothing).toBe(true);
  });

  it('refuses a database that no longer runs unless --skip-snapshot, which removes the kept volumes', async () => {
    expect((await omrs(['up', '--profile', PROFILE, '--env', ENV, '--json'])).code).toBe(0);
    expect((await omrs(['down', '--env', ENV])).code).toBe(0);
    const kept = await objectsOf(ENV);
    expect(kept.volumes.length).toBeGreaterThan(0);

    const refused = await run(['--confirm', ENV]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('DESTROY_DATABASE_STOPPED');
    expect(await objectsOf(ENV)).toEqual(kept);

    const skipped = await run(['--confirm', ENV, '--skip-snapshot', '--json']);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect((JSON.parse(skipped.stdout) as DestroyJson).snapshots).toEqual([]);
    expect(await objectsOf(ENV)).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
