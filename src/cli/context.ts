// Wraps every command action: builds the output for the chosen mode, runs the use case,
// turns errors into exit codes. Exit codes are decided here and in main.ts only.
import type { Command } from 'commander';
import { ExitCode, InterruptedError, isOmrsError } from '../errors.js';
import { errorToJson, renderError } from '../ui/errors.js';
import type { Io } from '../ui/io.js';
import { Output } from '../ui/output.js';
import type { OutputFlags } from '../ui/output-types.js';

export interface CliContext {
  io: Io;
  exitCode: number;
}

export type Handler<Args extends unknown[]> = (out: Output, ...args: Args) => Promise<number | void>;

/** Adapts a handler to commander: the handler gets the output first, then commander's arguments. */
export function action<Args extends unknown[]>(ctx: CliContext, handler: Handler<Args>) {
  return async (...commanderArgs: unknown[]): Promise<void> => {
    const command = commanderArgs[commanderArgs.length - 1] as Command;
    const flags = command.optsWithGlobals<OutputFlags>();
    const out = new Output(ctx.io, flags);
    try {
      const code = await handler(out, ...(commanderArgs.slice(0, -1) as Args));
      ctx.exitCode = code ?? ExitCode.ok;
    } catch (error) {
      ctx.exitCode = reportError(error, out, flags.debug === true);
    } finally {
      await out.close();
    }
  };
}

/** Ctrl-C that came after a use case's last check still ends the command as interrupted (exit 130). */
export function throwIfInterrupted(ctx: CliContext, what: string): void {
  if (ctx.io.signal.aborted) throw new InterruptedError(what);
}

export function reportError(thrown: unknown, out: Output, debug: boolean): number {
  const { io } = out;
  // What a library throws when its request is aborted (dockerode's "This operation was aborted"):
  // after Ctrl-C it is the interruption, reported as one (with --json too), not as a bug.
  const error = io.signal.aborted && !isOmrsError(thrown) ? new InterruptedError() : thrown;
  if (isOmrsError(error)) {
    if (out.mode === 'json') io.stdout.write(JSON.stringify(errorToJson(error), null, 2) + '\n');
    else io.stderr.write(renderError(error, out.errColors, io.cwd));
    if (debug && error.stack) io.stderr.write(out.errColors.dim(error.stack) + '\n');
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (out.mode === 'json') {
    io.stdout.write(
      JSON.stringify({ error: { code: 'INTERNAL', message, exitCode: ExitCode.failed } }, null, 2) + '\n',
    );
  } else {
    io.stderr.write(`${out.errColors.red(out.errColors.bold('Internal error'))}: ${message}\n`);
    io.stderr.write(
      debug && error instanceof Error && error.stack
        ? out.errColors.dim(error.stack) + '\n'
        : out.errColors.dim(
            'This is a bug in omrs. Run again with --debug for the stack trace, and report it.\n',
          ),
    );
  }
  return ExitCode.failed;
}
