import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/helpers/cli.js';
import { stripAnsi } from '../../../test/helpers/ink.js';
import { makeProfilesProject, type ProfilesProject } from '../../../test/helpers/profiles.js';
import { canOpenShell } from './shell.js';

let project: ProfilesProject;
beforeAll(() => {
  project = makeProfilesProject();
});
afterAll(() => project.remove());

describe('omrs without a command', () => {
  it('prints the help and exits 0 without a terminal', async () => {
    const { code, stdout } = await runCli([], { cwd: project.root });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: omrs \[options\] \[command\]/);
    expect(stdout).toContain('doctor');
  });

  it('opens the interactive shell in a terminal, and q quits it with 0', async () => {
    const { code, stdout } = await runCli([], {
      cwd: project.root,
      isTTY: true,
      env: { CI: undefined },
      stdin: 'q',
    });
    expect(code).toBe(0);
    expect(stripAnsi(stdout)).toContain('Profiles');
    expect(stdout).not.toContain('Usage:');
    // The whole shell in this process: about a second alone, past vitest's 5 s beside CI's other lanes.
  }, 30_000);

  it('reports a mistyped command as unknown, with a suggestion, and exits 2', async () => {
    const { code, stderr } = await runCli(['doctr'], { cwd: project.root });
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'doctr'");
    expect(stderr).toContain('Did you mean doctor?');
  });
});

describe('canOpenShell', () => {
  const terminal = { stdout: { isTTY: true }, stdin: { isTTY: true }, env: {} } as Parameters<
    typeof canOpenShell
  >[1];
  it('needs a terminal on stdin and stdout, and no CI, --json or --plain', () => {
    expect(canOpenShell({}, terminal)).toBe(true);
    expect(canOpenShell({}, { ...terminal, env: { CI: 'true' } })).toBe(false);
    expect(canOpenShell({ json: true }, terminal)).toBe(false);
    expect(canOpenShell({ plain: true }, terminal)).toBe(false);
    expect(canOpenShell({}, { ...terminal, stdin: { isTTY: false } } as typeof terminal)).toBe(false);
    expect(canOpenShell({}, { ...terminal, stdout: { isTTY: undefined } } as typeof terminal)).toBe(false);
  });
});
