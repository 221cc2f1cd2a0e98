import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import type { Io } from '../../ui/io.js';
import type { OutputFlags } from '../../ui/output-types.js';
import { action, type CliContext } from '../context.js';

/** `omrs` alone: the interactive shell in a terminal, the help everywhere else. */
export function registerShell(program: Command, ctx: CliContext): void {
  const openShell = action(ctx, async () => {
    if (!canOpenShell(program.opts<OutputFlags>(), ctx.io)) {
      program.outputHelp();
      return ExitCode.ok;
    }
    // Ink's colours (chalk) read FORCE_COLOR when Ink is loaded, and know no NO_COLOR: say it their way.
    const flags = program.opts<OutputFlags>();
    if (flags.color === false || ctx.io.env.NO_COLOR !== undefined) process.env.FORCE_COLOR = '0';
    const [{ runShell }, { profileSources, environmentSources }, { shellActions }] = await Promise.all([
      import('../../ui/shell/run.js'),
      import('../../ui/shell/sources.js'),
      import('../shell-actions.js'),
    ]);
    return runShell(ctx.io, {
      version: program.version() ?? '',
      ...profileSources(ctx.io),
      ...environmentSources(ctx.io),
      actions: shellActions(ctx.io),
    });
  });

  program
    // Takes the first operand so that a mistyped command is reported as unknown, with a
    // suggestion, instead of as an excess argument.
    .argument('[command]')
    .usage('[options] [command]')
    .action(async (mistyped: string | undefined, ...rest: unknown[]) => {
      // Outside action(): the CommanderError must reach main(), which turns it into exit code 2.
      if (mistyped !== undefined) (program as unknown as { unknownCommand(): never }).unknownCommand();
      await openShell(...rest);
    });
}

export function canOpenShell(flags: OutputFlags, io: Pick<Io, 'stdout' | 'stdin' | 'env'>): boolean {
  if (flags.json || flags.plain) return false;
  if (io.env.CI === 'true' || io.env.CI === '1') return false;
  return io.stdout.isTTY === true && io.stdin.isTTY === true;
}
