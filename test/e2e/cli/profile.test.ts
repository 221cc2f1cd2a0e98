// The profile commands through the real CLI, on the project's real profiles.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const root = join(import.meta.dirname, '../../..');

describe('omrs profile', () => {
  it('validates every built-in profile', async () => {
    for (const name of ['base', 'dev', 'qa', 'prod']) {
      const { code, stdout, stderr } = await runCli(['profile', 'validate', name], { cwd: root });
      expect({ name, code, stderr }).toEqual({ name, code: 0, stderr: '' });
      expect(stdout).toMatch(/app digest: sha256:[0-9a-f]{64}/);
    }
  });

  it('validates the default profile (dev) when none is named, with --json', async () => {
    const { code, stdout } = await runCli(['profile', 'validate', '--json'], { cwd: root });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      name: 'dev',
      runtime: 'compose',
      appDigest: expect.stringMatching(/^sha256:/),
    });
  });

  it('shows prod with the file and line that set each key', async () => {
    const { code, stdout } = await runCli(['profile', 'show', 'prod', '--origins'], { cwd: root });
    expect(code).toBe(0);
    expect(stdout).toMatch(/runtime: eks # profiles\/prod\.yaml:\d+/);
    expect(stdout).toMatch(
      /backend: openmrs\/openmrs-reference-application-3-backend:3\.4\.0 # profiles\/base\.yaml:\d+/,
    );
    expect(stdout).toMatch(/backend: 3 # profiles\/prod\.yaml:\d+/);
  });

  it('never prints the admin password', async () => {
    const { stdout } = await runCli(['profile', 'show', 'dev'], {
      cwd: root,
      env: { OMRS_ADMIN_PASSWORD: 'very-secret-value' },
    });
    expect(stdout).not.toContain('very-secret-value');
    expect(stdout).toContain('password: "***"');
  });

  it('exports a JSON Schema with app/env scopes', async () => {
    const { code, stdout } = await runCli(['profile', 'schema'], { cwd: root });
    expect(code).toBe(0);
    const schema = JSON.parse(stdout) as {
      properties: Record<string, { scope?: string }>;
      additionalProperties: boolean;
    };
    expect(schema.properties.openmrs?.scope).toBe('app');
    expect(schema.properties.replicas?.scope).toBe('env');
    expect(schema.properties.extends).toBeDefined();
    expect(schema.additionalProperties).toBe(false);
  });

  it('diffs qa and prod: identical app keys, different env keys, exit 0', async () => {
    const { code, stdout } = await runCli(['profile', 'diff', 'qa', 'prod'], { cwd: root });
    expect(code).toBe(0);
    expect(stdout).toMatch(/app keys identical/);
    expect(stdout).toMatch(/~ replicas.backend: 1 → 3/);
  });

  it('exits 1 when app keys differ, listing them', async () => {
    const { code, stdout } = await runCli(
      ['profile', 'diff', 'dev', join(root, 'test/fixtures/profiles/good/dev-other-backend.yaml'), '--json'],
      { cwd: root },
    );
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { identicalApp: boolean; app: { path: string }[] };
    expect(report.identicalApp).toBe(false);
    expect(report.app.map((c) => c.path)).toEqual(['openmrs.images.backend']);
  });

  it('treats an unknown command and a missing argument as usage errors (exit 2)', async () => {
    expect((await runCli(['profile', 'frobnicate'], { cwd: root })).code).toBe(2);
    expect((await runCli(['profile', 'diff', 'dev'], { cwd: root })).code).toBe(2);
  });

  it('prints help that teaches, exit 0', async () => {
    const { code, stdout } = await runCli(['--help'], { cwd: root });
    expect(code).toBe(0);
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('Exit codes');
  });
});
