// Mounts the shell full-screen on the terminal and resolves with the exit code when it quits.
import { render } from 'ink';
import { ExitCode } from '../../errors.js';
import type { Io } from '../io.js';
import { ShellApp, type ShellAppProps } from './app.js';

const ENTER_ALTERNATE_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALTERNATE_SCREEN = '\x1b[?1049l';

export async function runShell(io: Io, props: ShellAppProps): Promise<number> {
  // The alternate screen keeps the user's scrollback as it was, like less and htop do.
  const fullScreen = io.stdout.isTTY === true;
  if (fullScreen) io.stdout.write(ENTER_ALTERNATE_SCREEN);
  const instance = render(<ShellApp {...props} />, {
    stdout: io.stdout as unknown as NodeJS.WriteStream,
    stdin: io.stdin as unknown as NodeJS.ReadStream,
    stderr: io.stderr as unknown as NodeJS.WriteStream,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const exited = instance.waitUntilExit();
  const onAbort = () => instance.unmount();
  if (io.signal.aborted) onAbort();
  else io.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await exited;
  } finally {
    io.signal.removeEventListener('abort', onAbort);
    if (fullScreen) io.stdout.write(LEAVE_ALTERNATE_SCREEN);
  }
  return io.signal.aborted ? ExitCode.interrupted : ExitCode.ok;
}
