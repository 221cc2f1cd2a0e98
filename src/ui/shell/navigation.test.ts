import { describe, expect, it } from 'vitest';
import { initialNav, navigate, type NavAction, type NavState } from './navigation.js';

const profiles = ['base', 'dev', 'prod'];
const run = (actions: NavAction[], from: NavState = initialNav) => actions.reduce(navigate, from);
const down: NavAction = { type: 'move', by: 1, profiles, envCount: 2 };
const up: NavAction = { type: 'move', by: -1, profiles, envCount: 2 };

describe('shell navigation', () => {
  it('starts on the default profile and keeps the cursor inside the list', () => {
    const started = run([{ type: 'start', profile: 'dev', profiles }]);
    expect(started).toMatchObject({ selected: 'dev', profileCursor: 1 });
    expect(run([down, down, down], started).profileCursor).toBe(2);
    expect(run([up, up, up], started).profileCursor).toBe(0);
  });

  it('applies keys in order even when they arrive before a render', () => {
    const state = run([
      { type: 'start', profile: 'base', profiles },
      { type: 'switchPanel' },
      down,
      { type: 'switchPanel' },
      down,
      { type: 'select', profiles },
    ]);
    expect(state).toMatchObject({ focus: 'profiles', envCursor: 1, profileCursor: 1, selected: 'dev' });
  });

  it('selects only in the profiles panel, and toggles the help', () => {
    const state = run([{ type: 'switchPanel' }, { type: 'select', profiles }, { type: 'toggleHelp' }]);
    expect(state.selected).toBeUndefined();
    expect(state.showHelp).toBe(true);
    expect(run([{ type: 'closeHelp' }], state).showHelp).toBe(false);
  });

  it('keeps the cursor on its environment when another one comes or goes above it', () => {
    const listed = (envNames: string[]): NavAction => ({ type: 'envsListed', envNames });
    const moveDown: NavAction = { type: 'move', by: 1, profiles, envCount: 2, envNames: ['a', 'b'] };
    const onB = run([listed(['a', 'b']), { type: 'switchPanel' }, moveDown]);
    expect(onB).toMatchObject({ envCursor: 1, envName: 'b' });
    // Another process created "0-new", listed first: the cursor moves with b (s would stop b, not a).
    expect(run([listed(['0-new', 'a', 'b'])], onB)).toMatchObject({ envCursor: 2, envName: 'b' });
    // b went away: the cursor stays on its row, clamped, on what is there now.
    expect(run([listed(['a'])], onB)).toMatchObject({ envCursor: 0, envName: 'a' });
  });
});
