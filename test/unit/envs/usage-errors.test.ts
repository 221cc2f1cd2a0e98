// Usage errors found before any engine is asked: an empty --env (or OMRS_ENV) and empty names,
// and absurd durations on every flag and key that takes one (issue 21).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { ProfileSchema } from '../../../src/profile/schema.js';
import { sinceSeconds } from '../../../src/duration.js';
import { runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'omrs-usage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// No engine may be reached: a Docker host and a kubeconfig that do not exist.
const cli = (argv: string[], env: Record<string, string> = {}) =>
  runCli(argv, {
    cwd: dir,
    env: {
      OMRS_HOME: join(dir, 'home'),
      DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}`,
      KUBECONFIG: join(dir, 'no-kubeconfig'),
      CI: 'true',
      ...env,
    },
  });
const clean = (stderr: string) => expect(stderr).not.toMatch(/Internal error|\n\s+at /);

describe('an empty environment name is a usage error, never the default environment', () => {
  it.each([
    ['up', '--env', ''],
    ['down', '--env', ''],
    ['status', '--env', ''],
    ['logs', '--env', ''],
    ['open', '--env', ''],
    ['render', '--env', ''],
    ['seed', '--env', ''],
    ['db', 'snapshot', 'x', '--env', ''],
    ['up', '--env', '  '],
  ])('omrs %s %s "%s"', async (...argv) => {
    const run = await cli(argv);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toMatch(/--env must not be empty/);
    clean(run.stderr);
  });
  it('OMRS_ENV="" too', async () => {
    // commander reads an option's environment twin from process.env itself.
    const saved = process.env.OMRS_ENV;
    process.env.OMRS_ENV = '';
    try {
      const run = await cli(['status']);
      expect(run.code).toBe(ExitCode.usage);
      expect(run.stderr).toMatch(/OMRS_ENV.*--env must not be empty/s);
    } finally {
      if (saved === undefined) delete process.env.OMRS_ENV;
      else process.env.OMRS_ENV = saved;
    }
  });
  it.each([
    ['env', 'create', '--ttl', '1h', '--name', ''],
    ['env', 'rm', ''],
    ['env', 'extend', '', '--ttl', '1h'],
  ])('omrs %s %s …', async (...argv) => {
    const run = await cli(argv);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toMatch(/must not be empty/);
    clean(run.stderr);
  });
});

describe('absurd durations are refused before anything starts', () => {
  it.each([
    [
      ['env', 'create', '--runtime', 'compose', '--ttl', '99999999999d'],
      /--ttl "99999999999d" is out of range/,
    ],
    [['env', 'create', '--ttl', '0s'], /--ttl "0s" is out of range/],
    [['env', 'create', '--runtime', 'compose', '--ttl', '4 hours'], /--ttl "4 hours" is not a duration/],
    [['env', 'extend', 'x', '--runtime', 'compose', '--ttl', '400d'], /--ttl "400d" is out of range/],
    [['promote', '--ready-timeout', '99999999999d'], /--ready-timeout "99999999999d" is out of range/],
    [['promote', '--smoke-timeout', 'abc'], /--smoke-timeout "abc" is not a duration/],
    [
      ['env', 'gc-cronjob', '--schedule', '*/15 * * *'],
      /--schedule "\*\/15 \* \* \*" is not a cron schedule/,
    ],
  ])('omrs %j', async (argv, message) => {
    const run = await cli(argv);
    expect(run.code, run.stderr).toBe(ExitCode.usage);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/hint: /);
    clean(run.stderr);
  });

  it('logs --since: a look-back beyond ten years (it used to make an impossible date on clusters)', () => {
    expect(() => sinceSeconds('99999999999d')).toThrow(/--since "99999999999d" is out of range/);
    expect(sinceSeconds('10m', 1_000_000_000)).toBe(1_000_000 - 600);
    expect(sinceSeconds('2026-01-31T10:00:00Z')).toBe(Date.parse('2026-01-31T10:00:00Z') / 1000);
  });

  it('profile timeouts are bounded like the flags, with a located error', async () => {
    const parsed = ProfileSchema.safeParse({ timeouts: { backend: '99999999h' } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message)).toEqual(['must be a duration between 1s and 1d']);
    expect(ProfileSchema.safeParse({ timeouts: { backend: '15m' } }).success).toBe(true);
    writeFileSync(join(dir, 'slow.yaml'), 'timeouts:\n  backend: 99999999h\n');
    const run = await cli(['profile', 'validate', './slow.yaml']);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toMatch(/slow.yaml:2:12/);
    expect(run.stderr).toMatch(/timeouts.backend.*between 1s and 1d/);
    clean(run.stderr);
  });
});
