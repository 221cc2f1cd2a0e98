// The project config is found with cosmiconfig in its usual places.
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const profiles = join(import.meta.dirname, '../../../profiles');
const project = (files: Record<string, string>, profilesDir = 'environments'): string => {
  const dir = mkdtempSync(join(tmpdir(), 'omrs-project-'));
  cpSync(profiles, join(dir, profilesDir), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
};

describe('project config', () => {
  it.each([
    ['omrs.config.yaml', 'profilesDir: environments\ndefaultProfile: qa\n'],
    ['.omrsrc.json', '{ "profilesDir": "environments", "defaultProfile": "qa" }'],
    ['omrs.config.mjs', 'export default { profilesDir: "environments", defaultProfile: "qa" };'],
    ['package.json', '{ "name": "site", "omrs": { "profilesDir": "environments", "defaultProfile": "qa" } }'],
  ])('reads %s', async (file, text) => {
    const dir = project({ [file]: text });
    const { code, stdout, stderr } = await runCli(['profile', 'validate', '--json'], { cwd: dir });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ name: 'qa', file: join(dir, 'environments/qa.yaml') });
  });

  it('finds the config from a subfolder of the project', async () => {
    const dir = project({
      'package.json': '{ "name": "site" }',
      'omrs.config.yaml': 'profilesDir: environments\n',
    });
    mkdirSync(join(dir, 'sub/deeper'), { recursive: true });
    const { code, stdout } = await runCli(['profile', 'validate', 'prod', '--json'], {
      cwd: join(dir, 'sub/deeper'),
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ name: 'prod' });
  });

  it('rejects an unknown setting with exit 2 and the allowed keys', async () => {
    const dir = project({ 'omrs.config.yaml': 'profileDir: environments\n' });
    const { code, stderr } = await runCli(['profile', 'validate'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toContain('CONFIG_INVALID');
    expect(stderr).toContain('profilesDir');
  });

  it('reports a broken config file as a usage error, not a crash', async () => {
    const dir = project({ '.omrsrc.json': '{ "profilesDir": ' });
    const { code, stderr } = await runCli(['profile', 'validate'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toContain('CONFIG_INVALID');
    expect(stderr).not.toContain('Internal error');
  });

  it('uses ./profiles without a config', async () => {
    const dir = project({}, 'profiles');
    const { code, stdout } = await runCli(['profile', 'validate', '--json'], { cwd: dir });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ name: 'dev', file: join(dir, 'profiles/dev.yaml') });
  });
});
