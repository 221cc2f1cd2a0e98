import { render } from 'ink-testing-library';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectingStream } from '../../../test/helpers/cli.js';
import { KEYS, stripAnsi, eventually } from '../../../test/helpers/ink.js';
import { makeProfilesProject, type ProfilesProject } from '../../../test/helpers/profiles.js';
import type { Io } from '../io.js';
import { ShellApp } from './app.js';
import { EMPTY_ENVIRONMENTS } from './environments-panel.js';
import { runShell } from './run.js';
import { noEnvironments, profileSources } from './sources.js';
import type { ShellProps } from './types.js';

let project: ProfilesProject;
let props: ShellProps;

beforeAll(() => {
  project = makeProfilesProject();
  props = {
    version: '9.9.9',
    ...profileSources({ cwd: project.root, env: {} }),
    listEnvironments: noEnvironments,
  };
});
afterAll(() => project.remove());

/** The line of the profile list the cursor is on. */
const cursorLine = (frame: string) => frame.split('\n').find((line) => line.includes('❯'));

async function openShell(overrides: Partial<ShellProps> = {}) {
  const shell = render(<ShellApp {...props} {...overrides} />);
  const screen = () => stripAnsi(shell.lastFrame());
  const press = async (key: string, until: (frame: string) => boolean) => {
    shell.stdin.write(key);
    await eventually(() => expect(until(screen())).toBe(true));
  };
  // The default profile is selected at start, so its details are there without a key press.
  await eventually(() => expect(screen()).toContain('app digest'));
  return { ...shell, screen, press };
}

describe('the interactive shell', () => {
  it('lists the real profiles of the project, the default one selected with its runtime and app digest', async () => {
    const shell = await openShell();
    const frame = shell.screen();
    for (const name of project.names) expect(frame).toContain(name);
    expect(frame).toMatch(/omrs v9\.9\.9/);
    expect(frame).toMatch(/● dev \(default\)/);
    expect(cursorLine(frame)).toContain('dev');
    expect(frame).toMatch(/Profile dev/);
    expect(frame).toMatch(/runtime\s+compose/);
    expect(frame).toMatch(/app digest\s+sha256:[0-9a-f]{8}/);
    shell.unmount();
  });

  it('shows the empty environments state and the keys', async () => {
    const shell = await openShell();
    const frame = shell.screen().replace(/│/g, ' ');
    expect(frame.replace(/\s+/g, ' ')).toContain(EMPTY_ENVIRONMENTS);
    expect(frame).toMatch(
      /↑\/↓ move\s+enter select\s+tab switch\s+u up\s+d diff\s+c check\s+n new\s+\? help\s+q quit/,
    );
    shell.unmount();
  });

  it('moves with the arrow keys and j/k, and loads the profile selected with enter', async () => {
    const shell = await openShell();
    const at = (name: string) => (frame: string) => cursorLine(frame)?.includes(name) === true;
    const devIndex = project.names.indexOf('dev');
    const below = project.names[devIndex + 1]!;
    await shell.press(KEYS.down, at(below));
    await shell.press(KEYS.up, at('dev'));
    await shell.press('j', at(below));
    await shell.press('k', at('dev'));

    const prodSteps = project.names.indexOf('prod') - devIndex;
    for (let i = 0; i < prodSteps; i++) shell.stdin.write(KEYS.down);
    await eventually(() => expect(cursorLine(shell.screen())).toContain('prod'));
    await shell.press(KEYS.enter, (frame) => /runtime\s+eks/.test(frame));
    expect(shell.screen()).toMatch(/● prod/);
    shell.unmount();
  });

  it('shows why a profile is invalid instead of its details', async () => {
    const shell = await openShell();
    for (let i = project.names.indexOf('dev'); i > project.names.indexOf('broken'); i--)
      shell.stdin.write(KEYS.up);
    await eventually(() => expect(cursorLine(shell.screen())).toContain('broken'));
    await shell.press(KEYS.enter, (frame) => frame.includes('not valid'));
    expect(shell.screen()).toMatch(/✖ profile "broken" is not valid/);
    expect(shell.screen()).toMatch(/runtime/);
    shell.unmount();
  });

  it('switches panels with tab, so the arrows move in the environments, and toggles the help with ?', async () => {
    const environments = ['env-a', 'env-b'].map((name) => ({
      name,
      profile: 'dev',
      runtime: 'compose',
      status: 'running',
    }));
    const shell = await openShell({ listEnvironments: async () => environments });
    await eventually(() => expect(shell.screen()).toMatch(/❯ env-a/));
    await shell.press(KEYS.tab, () => true);
    await shell.press(KEYS.down, (frame) => /❯ env-b/.test(frame));
    expect(shell.screen()).toMatch(/❯ ● dev/);
    await shell.press(KEYS.tab, () => true);
    await shell.press(KEYS.down, (frame) => !/❯ ● dev/.test(frame));
    expect(shell.screen()).toMatch(/❯ env-b/);

    await shell.press('?', (frame) => frame.includes('Keys'));
    expect(shell.screen()).toContain('move the focus between profiles and environments');
    await shell.press(KEYS.escape, (frame) => !frame.includes('Keys') && frame.includes('app digest'));
    shell.unmount();
  });

  it('lists the environments a runtime reports', async () => {
    const shell = await openShell({
      listEnvironments: async () => [
        { name: 'qa-123', profile: 'qa', runtime: 'kind', status: 'running', url: 'http://127.0.0.1:8080' },
      ],
    });
    await eventually(() =>
      expect(shell.screen()).toMatch(/qa-123 running qa · kind http:\/\/127\.0\.0\.1:8080/),
    );
    expect(shell.screen()).not.toContain(EMPTY_ENVIRONMENTS);
    shell.unmount();
  });
});

describe('runShell', () => {
  function terminalIo() {
    const stdin = Object.assign(new PassThrough(), {
      isTTY: true,
      setRawMode: () => stdin,
      ref: () => stdin,
      unref: () => stdin,
    });
    const io: Io = {
      stdout: new CollectingStream(true, 100),
      stderr: new CollectingStream(true, 100),
      stdin,
      env: {},
      cwd: project.root,
      signal: new AbortController().signal,
    };
    return { io, stdin, stdout: io.stdout as CollectingStream };
  }

  it.each([
    ['q', 'q'],
    ['Ctrl-C', KEYS.ctrlC],
  ])('quits cleanly on %s with exit code 0, leaving the alternate screen', async (_name, key) => {
    const { io, stdin, stdout } = terminalIo();
    const exited = runShell(io, props);
    // Written at once: the key waits in stdin until the shell reads it. (Under CI=true Ink draws
    // only the final frame, so waiting for a frame first would not work everywhere.)
    stdin.write(key);
    await expect(exited).resolves.toBe(0);
    expect(stripAnsi(stdout.text())).toContain('Profiles');
    expect(stdout.text().startsWith('\x1b[?1049h')).toBe(true);
    expect(stdout.text().endsWith('\x1b[?1049l')).toBe(true);
  });

  it('stops with exit code 130 when the process is interrupted', async () => {
    const { io, stdout } = terminalIo();
    const controller = new AbortController();
    const exited = runShell({ ...io, signal: controller.signal }, props);
    controller.abort();
    await expect(exited).resolves.toBe(130);
    expect(stripAnsi(stdout.text())).toContain('Profiles');
  });
});
