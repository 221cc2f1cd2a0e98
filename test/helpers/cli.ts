// Runs the omrs CLI in-process, as vitest runs its own CLI in its tests: real argv parsing, real
// use cases, and an Io whose streams collect what the command writes.
import { PassThrough, Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { InStream, Io, OutStream } from '../../src/ui/io.js';

export interface RunCliOptions {
  /** Working directory the CLI sees; default process.cwd(). */
  cwd?: string;
  /** Merged over process.env; a key set to undefined is removed. FORCE_COLOR is removed unless given. */
  env?: Record<string, string | undefined>;
  /** Whether stdout, stderr and stdin claim to be a terminal; default false (like CI and pipes). */
  isTTY?: boolean;
  /** Terminal width reported to the CLI; default 120. */
  columns?: number;
  /** Text fed to stdin, then stdin ends. */
  stdin?: string;
  /** Abort the run (like Ctrl-C) through this signal. */
  signal?: AbortSignal;
  /** Called with everything written so far to stdout, after each write (to act while a command runs, e.g. `logs -f`). */
  onStdout?: (text: string) => void;
  /** The same for stderr. */
  onStderr?: (text: string) => void;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export class CollectingStream extends Writable {
  readonly chunks: string[] = [];
  isTTY: boolean;
  columns: number;
  rows = 40;

  private readonly onWrite: ((text: string) => void) | undefined;

  constructor(isTTY: boolean, columns: number, onWrite?: (text: string) => void) {
    super({ decodeStrings: false });
    this.isTTY = isTTY;
    this.columns = columns;
    this.onWrite = onWrite;
  }

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    done: (error?: Error | null) => void,
  ): void {
    this.chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    this.onWrite?.(this.text());
    done();
  }

  text(): string {
    return this.chunks.join('');
  }
}

export async function runCli(argv: string[], options: RunCliOptions = {}): Promise<CliRun> {
  const isTTY = options.isTTY ?? false;
  const columns = options.columns ?? 120;
  const stdout = new CollectingStream(isTTY, columns, options.onStdout);
  const stderr = new CollectingStream(isTTY, columns, options.onStderr);
  // A terminal's stdin as Ink uses it: raw mode and ref/unref are no-ops here.
  const stdin: PassThrough & { isTTY: boolean } = Object.assign(
    new PassThrough(),
    { isTTY },
    isTTY && { setRawMode: () => stdin, ref: () => stdin, unref: () => stdin },
  );
  if (options.stdin !== undefined) stdin.end(options.stdin);
  else stdin.end();

  const env: Record<string, string | undefined> = { ...process.env, FORCE_COLOR: undefined };
  for (const [key, value] of Object.entries(options.env ?? {})) env[key] = value;
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];

  const io: Io = {
    stdout: stdout as OutStream,
    stderr: stderr as OutStream,
    stdin: stdin as InStream,
    env,
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal ?? new AbortController().signal,
  };
  const code = await main(argv, io);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
