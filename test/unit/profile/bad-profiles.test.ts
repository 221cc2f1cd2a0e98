// Every malformed profile in the corpus fails with its expected code, at its expected place,
// through the real CLI: exit 2, file:line:column on stderr, never a stack trace.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const corpus = join(import.meta.dirname, '../../fixtures/profiles/bad');
const expected = JSON.parse(readFileSync(join(corpus, 'expected.json'), 'utf8')) as Record<
  string,
  { code: string; file: string; line?: number; column?: number }
>;
const STACK_FRAME = /^\s+at .+\(.+:\d+:\d+\)$/m;

describe('malformed profiles', () => {
  it('has a corpus of at least 40 malformed profiles', () => {
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(40);
  });

  it.each(Object.entries(expected))('%s', async (name, want) => {
    const { code, stdout, stderr } = await runCli(['profile', 'validate', join(corpus, name)], {
      cwd: corpus,
    });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(want.code);
    const location = [want.file, want.line, want.column].filter((p) => p !== undefined).join(':');
    expect(stderr).toContain(location);
    expect(stderr).not.toMatch(STACK_FRAME);
    expect(stderr).not.toContain('Internal error');
  });

  it('reports the same problems as JSON with --json', async () => {
    const { code, stdout } = await runCli(
      ['profile', 'validate', join(corpus, 'unknown-nested-key.yaml'), '--json'],
      { cwd: corpus },
    );
    expect(code).toBe(2);
    const json = JSON.parse(stdout) as {
      error: { code: string; problems: { path: string[]; hint: string; location: { line: number } }[] };
    };
    expect(json.error.code).toBe('PROFILE_UNKNOWN_KEY');
    expect(json.error.problems[0]).toMatchObject({
      path: ['replicas', 'backnd'],
      hint: 'Did you mean `backend`?',
      location: { line: 2, column: 3 },
    });
  });

  describe('a 50 MB file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'omrs-large-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    it('is refused before it is read', async () => {
      const file = join(dir, 'huge.yaml');
      writeFileSync(file, 'description: "' + 'x'.repeat(50 * 1024 * 1024) + '"\n');
      const { code, stderr } = await runCli(['profile', 'validate', file], { cwd: dir });
      expect(code).toBe(2);
      expect(stderr).toContain('PROFILE_TOO_LARGE');
      expect(stderr).toContain('huge.yaml');
      expect(stderr).not.toMatch(STACK_FRAME);
    });
  });

  it('shows the stack only with --debug', async () => {
    const { stderr } = await runCli(['profile', 'validate', join(corpus, 'empty.yaml'), '--debug'], {
      cwd: corpus,
    });
    expect(stderr).toMatch(STACK_FRAME);
  });
});
