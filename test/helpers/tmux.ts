// A real terminal for end-to-end tests of the shell: a tmux server of the test's own, a session
// of a given size running a command, its screen as text, keys sent to it. Waits poll the screen
// with a deadline; there are no fixed sleeps.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { enginesRequired } from './engines.js';

/** Whether tmux is here; without it the test is skipped with a loud reason (a failure under OMRS_REQUIRE_ENGINES=1). */
export function tmuxAvailable(what: string): boolean {
  if (spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0) return true;
  const reason = `tmux is not installed (the harness \`tools\` engine installs it): ${what} did not run`;
  if (enginesRequired()) throw new Error(`OMRS_REQUIRE_ENGINES=1 but ${reason}`);
  console.warn(`\n  SKIPPED: ${reason}\n`);
  return false;
}

export interface Terminal {
  /** What the terminal shows now; with `styles`, with the escape sequences of its colours and attributes. */
  screen(options?: { styles?: boolean }): string;
  /** tmux key names (Enter, Down, Escape, C-c) or text. */
  press(...keys: string[]): void;
  /** Polls the screen until `predicate` holds; the error shows the last screen. */
  waitFor(predicate: (text: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  /** Presses `key` until `predicate` holds (moving a cursor to a row), at most `times` times. */
  pressUntil(
    key: string,
    predicate: (text: string) => boolean,
    what: string,
    times?: number,
  ): Promise<string>;
  /** The exit code the command printed when it ended. */
  exitCode(timeoutMs?: number): Promise<number>;
  kill(): void;
}

/**
 * Runs `command` in a fresh terminal of `columns`×`rows` (TERM xterm-256color, CI unset); the
 * terminal stays open after the command ends, with the exit code printed, so the screen can be read.
 */
export function openTerminal(
  name: string,
  command: string,
  { cwd, columns = 80, rows = 24 }: { cwd: string; columns?: number; rows?: number },
): Terminal {
  const socket = `omrs-${name}-${process.pid}`;
  const tmux = (...args: string[]): string =>
    execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  tmux(
    'new-session',
    '-d',
    '-s',
    name,
    '-x',
    String(columns),
    '-y',
    String(rows),
    '-c',
    cwd,
    `unset CI; export TERM=xterm-256color; ${command}; echo ${name}-exit=$?; sleep 600`,
  );
  const screen = ({ styles = false } = {}): string =>
    tmux('capture-pane', '-p', ...(styles ? ['-e'] : []), '-t', name);
  const waitFor = async (predicate: (text: string) => boolean, what: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    let text = '';
    while (Date.now() < deadline) {
      text = screen();
      if (predicate(text)) return text;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the screen shows:\n${text}`);
  };
  const press = (...keys: string[]): void => void tmux('send-keys', '-t', name, ...keys);
  return {
    screen,
    press,
    waitFor,
    async pressUntil(key, predicate, what, times = 30) {
      for (let i = 0; i < times; i++) {
        const text = screen();
        if (predicate(text)) return text;
        press(key);
        // The next key only once this one changed the screen (or a short deadline passed).
        await waitFor((s) => s !== text, `${key} to change the screen`, 3000).catch(() => undefined);
      }
      return waitFor(predicate, what, 1000);
    },
    async exitCode(timeoutMs = 15_000) {
      const text = await waitFor(
        (s) => new RegExp(`${name}-exit=\\d+`).test(s),
        `${name} to exit`,
        timeoutMs,
      );
      return Number(new RegExp(`${name}-exit=(\\d+)`).exec(text)![1]);
    },
    kill: () => void spawnSync('tmux', ['-L', socket, 'kill-server']),
  };
}

/**
 * Keeps a screen as a text capture for the docs (docs/tui.md) when OMRS_TUI_CAPTURES names a
 * folder; does nothing otherwise.
 */
export function keepCapture(name: string, text: string): void {
  const folder = process.env.OMRS_TUI_CAPTURES;
  if (!folder) return;
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, `${name}.txt`), text.replace(/\s+$/gm, '').trimEnd() + '\n');
}
