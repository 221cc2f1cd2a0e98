import type { Command } from 'commander';
import { ExitCode, OmrsError } from '../../errors.js';
import { table } from '../../ui/format.js';
import type { Colors } from '../../ui/output-types.js';
import { action, type CliContext } from '../context.js';
import { profileOption } from '../options.js';
import type { DoctorReport, PrerequisiteCheck } from '../../runtime/prerequisites.js';

export function registerDoctorCommand(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description('check that Docker, helm, kubectl, kind, minikube, terraform and AWS credentials are ready')
    .addOption(profileOption())
    .addHelpText(
      'after',
      "\nExits 4 when something the profile's runtime needs is missing, 2 when the profile named with -p cannot be loaded (every check still runs). Credentials are reported as present or absent, never shown.",
    )
    .action(
      action(ctx, async (out, opts: { profile?: string }) => {
        const [{ diagnose }, { openProfile }, { renderError }] = await Promise.all([
          import('../../runtime/prerequisites.js'),
          import('../../profile/index.js'),
          import('../../ui/errors.js'),
        ]);
        const { io } = ctx;
        const report = await diagnose({
          env: io.env,
          cwd: io.cwd,
          signal: io.signal,
          profileNamed: opts.profile !== undefined,
          loadProfile: async () => {
            const resolved = await openProfile(opts.profile, io);
            return { name: resolved.name, file: resolved.file, runtime: resolved.profile.runtime };
          },
        });
        out.result(report, (c) => renderReport(report, c));
        if (report.ok) return ExitCode.ok;
        if (report.profileError && opts.profile !== undefined) {
          // The profile the user named is the problem: bad usage, whatever else is missing.
          if (out.mode !== 'json')
            io.stderr.write(
              '\n' +
                renderError(
                  new OmrsError({
                    code: report.profileError.code,
                    message: `the profile ${opts.profile} could not be loaded: ${report.profileError.message}`,
                    hint: report.hint?.replaceAll('\n', '\n      '),
                    exitCode: ExitCode.usage,
                  }),
                  out.errColors,
                  io.cwd,
                ),
            );
          return ExitCode.usage;
        }
        if (out.mode !== 'json') {
          const error = new OmrsError({
            code: 'PREREQUISITE_MISSING',
            message: `${report.runtime} needs ${report.missing.join(', ')}, which ${report.missing.length === 1 ? 'is' : 'are'} missing`,
            // Continuation lines line up under the first one, after "hint: ".
            hint: report.hint?.replaceAll('\n', '\n      '),
            exitCode: ExitCode.prerequisite,
          });
          io.stderr.write('\n' + renderError(error, out.errColors, io.cwd));
        }
        return ExitCode.prerequisite;
      }),
    );
}

function renderReport(report: DoctorReport, c: Colors): string {
  const rows = report.checks.map((check) => [
    check.required ? c.bold(check.name) + ' *' : check.name,
    statusLabel(check, c),
    [check.version, check.detail].filter(Boolean).join(' — '),
    check.status === 'ok' ? '' : c.dim(check.fix ?? ''),
  ]);
  const heading = report.profile
    ? `Profile ${c.bold(report.profile.name)} runs on ${c.bold(report.profile.runtime)}; ${c.bold('*')} marks what it needs.`
    : `${c.yellow('!')} The profile could not be loaded (${report.profileError?.message ?? 'unknown error'}), so nothing is marked as required.`;
  const summary = report.ok
    ? report.runtime
      ? c.green(`✔ Everything ${report.runtime} needs is here.`)
      : ''
    : report.missing.length > 0
      ? c.red(`✖ Missing for ${report.runtime}: ${report.missing.join(', ')}`)
      : '';
  return [
    heading,
    '',
    table(['CHECK', 'STATUS', 'VERSION / DETAIL', 'FIX'], rows, c.dim),
    ...(summary ? ['', summary] : []),
  ].join('\n');
}

function statusLabel(check: PrerequisiteCheck, c: Colors): string {
  if (check.status === 'ok') return c.green('ok');
  if (check.status === 'warning') return c.yellow('warning');
  return check.required ? c.red('missing') : c.dim('missing');
}
