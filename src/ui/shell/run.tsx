// Mounts the shell full-screen on the terminal and resolves with the exit code when it quits.
import type { Io } from '../io.js';
import { runFullScreen } from '../full-screen.js';
import { ShellApp, type ShellAppProps } from './app.js';

export const runShell = (io: Io, props: ShellAppProps): Promise<number> =>
  runFullScreen(io, <ShellApp {...props} />);
