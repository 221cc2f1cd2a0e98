// Finding and running external binaries (docker, helm, kubectl, kind, terraform...), with a
// timeout and an abort signal. One helper for `omrs doctor` and the runtime providers.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export type Env = Record<string, string | undefined>;

export interface FindOptions {
  /** Folders searched after PATH, e.g. where omrs keeps the binaries it provides. */
  extraDirs?: string[];
}

/** The absolute path of an executable named `name` on PATH (then in extraDirs), or undefined. */
export async function findBinary(
  name: string,
  env: Env,
  options: FindOptions = {},
): Promise<string | undefined> {
  const dirs = [...(env.PATH ?? '').split(delimiter), ...(options.extraDirs ?? [])].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

export interface RunOptions {
  env: Env;
  cwd?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Output beyond this kills the process (default 4 MiB; a 50-tenant helm render is larger). */
  maxOutputBytes?: number;
}

export interface RunResult {
  /** Exit code; undefined when the process could not start, timed out or was killed. */
  code: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Why it could not start or was killed (ENOENT, aborted...). */
  error?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

/** Runs a binary without a shell and never rejects: failures are described in the result. */
export function run(file: string, args: string[], options: RunOptions): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        env: definedOnly(options.env),
        cwd: options.cwd,
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: options.maxOutputBytes ?? MAX_OUTPUT_BYTES,
        signal: options.signal,
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        if (!error) return resolve({ code: 0, stdout, stderr, timedOut: false });
        const failure = error as NodeJS.ErrnoException & {
          code?: number | string;
          killed?: boolean;
          signal?: string;
        };
        const timedOut = failure.killed === true && failure.signal === 'SIGKILL' && !options.signal?.aborted;
        const code = typeof failure.code === 'number' ? failure.code : undefined;
        const reason = timedOut
          ? `did not finish within ${formatSeconds(timeoutMs)}`
          : options.signal?.aborted
            ? 'aborted'
            : typeof failure.code === 'string'
              ? failure.code
              : undefined;
        resolve({ code, stdout, stderr, timedOut, ...(reason && { error: reason }) });
      },
    );
  });
}

export interface VersionResult {
  ok: boolean;
  /** e.g. "v3.17.0"; undefined when no version could be read. */
  version?: string;
  /** The first line of output, or why it failed. */
  output: string;
}

/**
 * Runs `<binary> <args>` and pulls a version out of its output: `parse` when given, otherwise the
 * first thing that looks like a version number.
 */
export async function runVersion(
  binary: string,
  args: string[],
  options: RunOptions & { parse?: (stdout: string) => string | undefined },
): Promise<VersionResult> {
  const result = await run(binary, args, options);
  const firstLine = (result.stdout.trim() || result.stderr.trim()).split('\n')[0]?.trim() ?? '';
  if (result.code !== 0) {
    const why = result.error ?? `exit code ${result.code}`;
    return { ok: false, output: firstLine ? `${why}: ${firstLine}` : why };
  }
  let version: string | undefined;
  try {
    version = options.parse ? options.parse(result.stdout) : undefined;
  } catch {
    version = undefined;
  }
  version ??= findVersion(result.stdout) ?? findVersion(result.stderr);
  return { ok: true, output: firstLine, ...(version && { version }) };
}

export function findVersion(text: string): string | undefined {
  return /\bv?\d+\.\d+(\.\d+)?([-+][\w.+-]*)?/.exec(text)?.[0];
}

const formatSeconds = (ms: number): string => `${Math.round(ms / 100) / 10}s`;

function definedOnly(env: Env): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
