import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stripAnsi, eventually } from '../../../test/helpers/ink.js';
import { ShellApp } from './app.js';
import { statusAt } from './environments-panel.js';
import type { EnvironmentSummary, ShellProps } from './types.js';

const START = Date.parse('2025-06-01T12:00:00Z');
const HOUR = 3_600_000;

const disposable: EnvironmentSummary = {
  name: 'qa-amber-fox',
  profile: 'qa',
  runtime: 'kube',
  status: 'ready',
  namespace: 'omrs-qa-amber-fox',
  expiresAt: START + 4 * HOUR - 1000,
};

afterEach(() => {
  vi.useRealTimers();
});

describe('the environments panel', () => {
  it('counts a disposable environment down each second without loading the list again, then shows it expired', async () => {
    vi.useFakeTimers({ now: START, toFake: ['Date', 'setInterval', 'clearInterval'] });
    const listEnvironments = vi.fn(async () => [
      disposable,
      { name: 'dev', profile: 'dev', runtime: 'compose', status: 'running' },
    ]);
    const props: ShellProps = {
      version: '9.9.9',
      listProfiles: async () => ({ folder: '/profiles', names: [] }),
      inspectProfile: async (name) => ({ ok: false, name, error: 'unused', problems: [] }),
      listEnvironments,
    };
    const shell = render(<ShellApp {...props} />);
    const row = (name: string) =>
      stripAnsi(shell.lastFrame())
        .split('\n')
        .find((line) => line.includes(name))
        ?.replace(/[│╭╮╰╯─]/g, '')
        .trim();
    await eventually(() =>
      expect(row('qa-amber-fox')).toMatch(/qa-amber-fox ready · 3h 59m left qa · kube$/),
    );
    // React starts the countdown's timer after the frame is drawn: moving the clock before that
    // would tick nothing (the flake of issue 13). Only the fake clock decides the time from here.
    await eventually(() => expect(vi.getTimerCount()).toBe(1));

    vi.advanceTimersByTime(61_000);
    await eventually(() => expect(row('qa-amber-fox')).toMatch(/ready · 3h 58m left qa · kube$/));

    vi.setSystemTime(disposable.expiresAt! - 30_000);
    vi.advanceTimersByTime(1000);
    await eventually(() => expect(row('qa-amber-fox')).toMatch(/ready · 29s left qa · kube$/));

    vi.advanceTimersByTime(30_000);
    await eventually(() => expect(row('qa-amber-fox')).toMatch(/qa-amber-fox expired qa · kube$/));
    expect(row('dev')).toMatch(/dev running dev · compose$/);
    expect(listEnvironments).toHaveBeenCalledTimes(1);
    shell.unmount();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('lists two environments of the same name and runtime (a release in two namespaces) without a React key clash', async () => {
    // React reports a clash on the console, which the full-screen shell does not own: it garbles the screen.
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const twins: EnvironmentSummary[] = [
      { name: 'promote-test', profile: 'prod', runtime: 'kube', status: 'deployed', namespace: 'omrs-blue' },
      { name: 'promote-test', profile: 'prod', runtime: 'kube', status: 'deployed', namespace: 'omrs-green' },
    ];
    const shell = render(
      <ShellApp
        version="9.9.9"
        listProfiles={async () => ({ folder: '/profiles', names: [] })}
        inspectProfile={async (name) => ({ ok: false, name, error: 'unused', problems: [] })}
        listEnvironments={async () => twins}
      />,
    );
    await eventually(() =>
      expect(stripAnsi(shell.lastFrame()).match(/promote-test deployed/g)).toHaveLength(2),
    );
    shell.unmount();
    expect(errors.mock.calls.map((c) => String(c[0]))).not.toContainEqual(expect.stringMatching(/same key/));
    errors.mockRestore();
  });

  it('shows the status alone for environments without an expiry', () => {
    expect(statusAt({ ...disposable, expiresAt: undefined }, START)).toBe('ready');
    expect(statusAt(disposable, disposable.expiresAt!)).toBe('expired');
    expect(statusAt(disposable, disposable.expiresAt! - 1000)).toBe('ready · 1s left');
  });
});
