// Mounts an Ink app on the terminal's alternate screen (like less and htop: the user's scrollback
// stays as it was) and resolves with the exit code when the app exits or Ctrl-C aborts it.
import { render } from 'ink';
import type { ReactElement } from 'react';
import { ExitCode } from '../errors.js';
import type { Io } from './io.js';

const ENTER_ALTERNATE_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALTERNATE_SCREEN = '\x1b[?1049l';

export async function runFullScreen(io: Io, app: ReactElement): Promise<number> {
  const fullScreen = io.stdout.isTTY === true;
  if (fullScreen) io.stdout.write(ENTER_ALTERNATE_SCREEN);
  const instance = render(app, {
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
