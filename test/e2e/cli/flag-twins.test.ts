// The shared flags' environment variable twins, through the built CLI as a user runs it (commander
// reads the twins from the process environment): the twin is used when the flag is absent, and the
// flag (or the positional profile) wins over it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPrivateCli, type BuiltCli } from '../../helpers/built-cli.js';

const root = join(import.meta.dirname, '../../..');
let cli: BuiltCli | undefined;

beforeAll(() => {
  cli = buildPrivateCli('flag-twins');
});
afterAll(() => cli?.remove());

function omrs(args: string[], env: Record<string, string> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OMRS_')));
  const run = spawnSync(process.execPath, [cli!.bin, ...args], {
    cwd: root,
    env: { ...base, CI: 'true', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const shownName = (stdout: string): string => (JSON.parse(stdout) as { name: string }).name;

describe('environment variable twins of the shared flags', () => {
  it('OMRS_PROFILE names the profile of `profile show` when no flag does', () => {
    const run = omrs(['profile', 'show', '--json'], { OMRS_PROFILE: 'qa' });
    expect(run.code).toBe(0);
    expect(shownName(run.stdout)).toBe('qa');
  });

  it('--profile and the positional profile win over OMRS_PROFILE', () => {
    const flag = omrs(['profile', 'show', '--json', '--profile', 'prod'], { OMRS_PROFILE: 'qa' });
    const positional = omrs(['profile', 'show', 'dev', '--json'], { OMRS_PROFILE: 'qa' });
    expect([flag.code, shownName(flag.stdout)]).toEqual([0, 'prod']);
    expect([positional.code, shownName(positional.stdout)]).toEqual([0, 'dev']);
  });

  it('OMRS_JSON asks for JSON like --json', () => {
    const run = omrs(['profile', 'validate', 'dev'], { OMRS_JSON: '1' });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ name: 'dev', runtime: 'compose' });
  });

  it('a bad OMRS_RUNTIME is a usage error that names the variable, before any work', () => {
    const run = omrs(['status'], { OMRS_RUNTIME: 'dockerz' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('OMRS_RUNTIME');
    expect(run.stderr).toMatch(/compose, kind, minikube, kube, eks|"compose", "kind"/);
  });

  it('help shows each twin', () => {
    const help = omrs(['up', '--help']).stdout.replace(/\s+/g, ' ');
    for (const twin of [
      'OMRS_PROFILE',
      'OMRS_ENV',
      'OMRS_RUNTIME',
      'OMRS_CONTEXT',
      'OMRS_JSON',
      'OMRS_PLAIN',
    ])
      expect(help).toContain(`env: ${twin}`);
  });
});
