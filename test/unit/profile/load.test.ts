import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OmrsError } from '../../../src/errors.js';
import { loadProfile } from '../../../src/profile/load.js';
import { maskSecrets, renderProfileYaml } from '../../../src/profile/show.js';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'omrs-load-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
const load = (dir: string, ref: string, env: Record<string, string> = {}) =>
  loadProfile(ref, { config: { profilesDir: dir, defaultProfile: 'dev' }, env, cwd: dir });

describe('loadProfile', () => {
  it('follows extends chains of any depth, in order', () => {
    const files: Record<string, string> = { 'l0.yaml': 'replicas: { backend: 0, gateway: 0 }\n' };
    for (let i = 1; i <= 12; i++) files[`l${i}.yaml`] = `extends: l${i - 1}\nreplicas: { backend: ${i} }\n`;
    const dir = folder(files);
    const resolved = load(dir, 'l12');
    expect(resolved.chain.map((f) => f.split('/').pop())).toEqual(
      Array.from({ length: 13 }, (_, i) => `l${i}.yaml`),
    );
    expect(resolved.profile.replicas).toMatchObject({ backend: 12, gateway: 0 });
  });

  it('merges a list of parents left to right', () => {
    const dir = folder({
      'a.yaml': 'replicas: { backend: 1, gateway: 1 }\n',
      'b.yaml': 'replicas: { backend: 2 }\n',
      'c.yaml': 'extends: [a, b]\n',
    });
    expect(load(dir, 'c').profile.replicas).toMatchObject({ backend: 2, gateway: 1 });
  });

  it('resolves relative paths in extends against the extending file', () => {
    const dir = folder({
      'shared/base.yaml': 'runtime: kind\n',
      'team/dev.yaml': 'extends: ../shared/base.yaml\n',
    });
    expect(load(dir, join(dir, 'team/dev.yaml')).profile.runtime).toBe('kind');
  });

  it('detects a cycle over three files and names it', () => {
    const dir = folder({ 'a.yaml': 'extends: b\n', 'b.yaml': 'extends: c\n', 'c.yaml': 'extends: a\n' });
    try {
      load(dir, 'a');
      expect.unreachable();
    } catch (error) {
      expect((error as OmrsError).code).toBe('PROFILE_EXTENDS_CYCLE');
      expect((error as OmrsError).message).toContain('a.yaml → b.yaml → c.yaml → a.yaml');
      expect((error as OmrsError).problems[0]!.location).toMatchObject({
        file: join(dir, 'c.yaml'),
        line: 1,
        column: 10,
      });
    }
  });

  it('allows a diamond (two parents sharing a grandparent)', () => {
    const dir = folder({
      'base.yaml': 'runtime: compose\n',
      'x.yaml': 'extends: base\n',
      'y.yaml': 'extends: base\n',
      'z.yaml': 'extends: [x, y]\n',
    });
    expect(load(dir, 'z').profile.runtime).toBe('compose');
  });

  it('locates a schema error in the file that set the value, not the one loaded', () => {
    const dir = folder({
      'base.yaml': 'runtime: compose\nports:\n  gateway: http\n',
      'dev.yaml': 'extends: base\n',
    });
    try {
      load(dir, 'dev');
      expect.unreachable();
    } catch (error) {
      expect((error as OmrsError).problems[0]!.location).toMatchObject({
        file: join(dir, 'base.yaml'),
        line: 3,
        column: 12,
      });
    }
  });

  it('lets a child fix a parent value and reports nothing', () => {
    const dir = folder({
      'base.yaml': 'ports: { gateway: http }\n',
      'dev.yaml': 'extends: base\nports: { gateway: 8081 }\n',
    });
    expect(load(dir, 'dev').profile.ports.gateway).toBe(8081);
  });

  it('suggests the closest profile name', () => {
    const dir = folder({ 'prod.yaml': 'runtime: eks\n' });
    expect(() => load(dir, 'prdo')).toThrowError(
      expect.objectContaining({ code: 'PROFILE_NOT_FOUND', hint: 'Did you mean "prod"?' }),
    );
  });

  it('masks values from secret-named variables and schema secrets', () => {
    const dir = folder({
      'dev.yaml': 'admin:\n  password: ${OMRS_ADMIN_PASSWORD}\ningress:\n  host: ${DB_TOKEN}.example.org\n',
    });
    const resolved = load(dir, 'dev', { OMRS_ADMIN_PASSWORD: 'hunter2-secret', DB_TOKEN: 'tok-secret' });
    expect(resolved.profile.admin.password).toBe('hunter2-secret');
    const shown =
      JSON.stringify(maskSecrets(resolved)) + renderProfileYaml(resolved, { origins: true, cwd: dir });
    expect(shown).not.toContain('hunter2-secret');
    expect(shown).not.toContain('tok-secret');
    expect(shown).toContain('***');
  });

  it('masks a literal admin password too', () => {
    const dir = folder({ 'dev.yaml': 'admin:\n  password: Admin123\n' });
    expect(renderProfileYaml(load(dir, 'dev'), { origins: false, cwd: dir })).not.toContain('Admin123');
  });

  it('does not quote a secret field in a schema problem', () => {
    const dir = folder({ 'p.yaml': 'admin: { password: 987654321 }\n' });
    try {
      load(dir, 'p');
      expect.unreachable();
    } catch (error) {
      const problem = (error as OmrsError).problems[0]!;
      expect(problem.message).toBe('`admin.password` must be a string, not a number (a secret, not shown)');
      expect(JSON.stringify(problem)).not.toContain('987654321');
    }
  });

  it('names the variable instead of quoting its value, and guesses nothing from it', () => {
    const dir = folder({ 'p.yaml': 'runtime: ${WHERE}\n' });
    try {
      load(dir, 'p', { WHERE: 'composer' });
      expect.unreachable();
    } catch (error) {
      const problem = (error as OmrsError).problems[0]!;
      expect(problem.message).toBe('`runtime` is a string from ${WHERE} (not shown), which is not allowed');
      expect(problem.hint).toBe(
        'The value comes from ${WHERE} and is not shown: check what that variable is set to.',
      );
      expect(JSON.stringify(problem)).not.toContain('composer');
    }
  });
});
