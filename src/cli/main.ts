// The CLI root: parses argv, dispatches to command modules, returns the exit code.
import { Command, CommanderError } from 'commander';
import { ExitCode, OmrsError, type ErrorCode } from '../errors.js';
import { maskCredentials } from '../mask.js';
import { packageVersion } from '../package-info.js';
import { processIo, type Io } from '../ui/io.js';
import { reportError, type CliContext } from './context.js';
import { jsonOption, plainOption } from './options.js';
import { Output } from '../ui/output.js';
import { registerProfileCommands } from './commands/profile.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerShell } from './commands/shell.js';
import { registerRuntimeCommands } from './commands/up.js';
import { registerSeedCommands } from './commands/seed.js';
import { registerRenderCommands } from './commands/render.js';
import { registerCheckCommands } from './commands/check.js';
import { registerPromoteCommands } from './commands/promote.js';
import { registerEnvCommands } from './commands/env.js';
import { registerDestroyCommand } from './commands/destroy.js';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('omrs');
  program
    .description(
      'Run OpenMRS 3 environments from one profile: locally, as disposable QA environments, and in production.',
    )
    .version(packageVersion(), '-V, --version', 'print the omrs version')
    .addOption(jsonOption())
    .addOption(plainOption())
    .option('-q, --quiet', 'print only results and errors')
    .option('-v, --verbose', 'print more detail, including service log lines')
    .option('--debug', 'print debug events and stack traces')
    .option('--no-color', 'disable colours (NO_COLOR is honoured too)')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      // commander quotes the argument it refused, which may be a URL with a password in it.
      writeErr: (s) => ctx.io.stderr.write(maskCredentials(s)),
      // Parse errors are reported by main() like every other error (text with a hint, or JSON).
      outputError: () => undefined,
    })
    .addHelpText(
      'after',
      `
Examples:
  $ omrs                               open the interactive dashboard (in a terminal)
  $ omrs profile validate dev          check a profile and everything it extends
  $ omrs profile show prod --origins   the resolved profile, with the file and line of every key
  $ omrs doctor                        check that Docker, helm and friends are ready

Exit codes: 0 ok, 1 failed, 2 bad usage or profile, 3 a check gate failed,
4 a prerequisite is missing, 130 interrupted.`,
    );

  registerProfileCommands(program, ctx);
  registerDoctorCommand(program, ctx);
  registerShell(program, ctx);
  registerRuntimeCommands(program, ctx);
  registerSeedCommands(program, ctx);
  registerRenderCommands(program, ctx);
  registerCheckCommands(program, ctx);
  registerPromoteCommands(program, ctx);
  registerEnvCommands(program, ctx);
  registerDestroyCommand(program, ctx);
  return program;
}

export async function main(argv: string[], io?: Io): Promise<number> {
  const controller = new AbortController();
  const detach = io ? () => undefined : trapSignals(controller);
  const ctx: CliContext = { io: io ?? processIo(controller.signal), exitCode: ExitCode.ok };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return ExitCode.ok;
      const flags = { json: argv.includes('--json'), plain: argv.includes('--plain') };
      return reportError(usageError(error, program, argv), new Output(ctx.io, flags), false);
    }
    throw error;
  } finally {
    detach();
  }
}

/** Commander's parse errors by their code; any other (a program.error) is CLI_USAGE. */
const COMMANDER_CODES: Record<string, ErrorCode> = {
  'commander.unknownCommand': 'CLI_UNKNOWN_COMMAND',
  'commander.unknownOption': 'CLI_UNKNOWN_OPTION',
  'commander.excessArguments': 'CLI_EXCESS_ARGUMENTS',
  'commander.missingArgument': 'CLI_MISSING_ARGUMENT',
  'commander.optionMissingArgument': 'CLI_OPTION_MISSING_ARGUMENT',
  'commander.missingMandatoryOptionValue': 'CLI_MISSING_MANDATORY_OPTION_VALUE',
  'commander.conflictingOption': 'CLI_CONFLICTING_OPTION',
  'commander.invalidArgument': 'CLI_INVALID_ARGUMENT',
};

/** A commander parse error as an OmrsError: its sentence, and a hint (its suggestion, or the help to read). */
export function usageError(error: CommanderError, program: Command, argv: string[]): OmrsError {
  const [first = '', ...rest] = error.message.replace(/^error: /, '').split('\n');
  const suggestion = rest
    .join(' ')
    .trim()
    .replace(/^\((.*)\)$/, '$1');
  const help = `Run \`${commandPath(program, argv)} --help\` for the commands and flags it takes.`;
  return new OmrsError({
    code: COMMANDER_CODES[error.code] ?? 'CLI_USAGE',
    message: maskCredentials(first.trim()),
    hint: maskCredentials(suggestion ? `${suggestion} ${help}` : help),
    exitCode: ExitCode.usage,
  });
}

/** `omrs env gc` for argv `env gc --bad`: the deepest command argv names. */
function commandPath(program: Command, argv: string[]): string {
  const names = ['omrs'];
  let command = program;
  for (const word of argv) {
    if (word.startsWith('-')) continue;
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) break;
    names.push(sub.name());
    command = sub;
  }
  return names.join(' ');
}

/** First Ctrl-C aborts the running use case cleanly; a second one ends the process at once. */
function trapSignals(controller: AbortController): () => void {
  const onSignal = (): void => {
    if (controller.signal.aborted) {
      // The user insists: the clean stop is taking too long. Leaving now is what they asked for.
      // eslint-disable-next-line no-restricted-properties
      process.exit(ExitCode.interrupted);
    }
    process.stderr.write('\nStopping… (press Ctrl-C again to force)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    // Once stopping, the process still flushes its output after the use case returns: a second
    // Ctrl-C then must still end it with 130, not by the signal's default (no exit code at all).
    if (controller.signal.aborted) return;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
