// `omrs compose export [--check]`: parses nothing more than up.ts declared; writes the export, or
// compares it with the files on disk and exits 1 when they differ.
import { ExitCode } from '../../errors.js';
import type { Output } from '../../ui/output.js';
import type { Colors } from '../../ui/output-types.js';
import type { CliContext } from '../context.js';

export interface ComposeExportOpts {
  profile?: string;
  env?: string;
  output?: string;
  check?: boolean;
}

export async function composeExportCommand(
  out: Output,
  ctx: CliContext,
  opts: ComposeExportOpts,
): Promise<number> {
  const { checkComposeExport, exportCompose } = await import('../../runtime/compose/export.js');
  const request = {
    ...(opts.profile && { profile: opts.profile }),
    ...(opts.env && { env: opts.env }),
    ...(opts.output && { output: opts.output }),
  };
  const deps = { env: ctx.io.env, cwd: ctx.io.cwd, signal: ctx.io.signal, events: out.events };
  if (opts.check) {
    const result = await checkComposeExport(request, deps);
    out.result(result, (c) => renderCheck(result, c));
    return result.upToDate ? ExitCode.ok : ExitCode.failed;
  }
  const result = await exportCompose(request, deps);
  const env = result.envFile;
  const envLine =
    env.state === 'kept'
      ? `${env.path} kept as it is (it sets ${env.variables.length} variables)`
      : `${env.path} ${env.state === 'created' ? 'written' : 'completed'} (0600: the secrets; never commit it)`;
  out.result(
    result,
    (c) =>
      `${c.green('✔')} wrote ${result.file} (${result.services} services) and ${result.files} files under ${result.configDir}; ${envLine}\n  ${c.dim(`docker compose -f ${result.file} up -d`)}`,
  );
  return ExitCode.ok;
}

function renderCheck(
  result: Awaited<ReturnType<typeof import('../../runtime/compose/export.js').checkComposeExport>>,
  c: Colors,
): string {
  if (result.upToDate)
    return `${c.green('✔')} ${result.file} is the export of profile ${result.profile}: nothing differs`;
  const lines = [
    `${c.red('✘')} ${result.file} differs from the export of profile ${result.profile} (${result.differences.length} file${result.differences.length === 1 ? '' : 's'}):`,
  ];
  for (const d of result.differences) {
    if (d.kind === 'missing') lines.push(`${c.bold(d.file)}: missing (the export writes it)`);
    else if (d.kind === 'extra') lines.push(`${c.bold(d.file)}: not part of the export`);
    else
      lines.push(
        `${c.bold(d.file)}: changed`,
        ...d
          .diff!.trimEnd()
          .split('\n')
          .map((l) => (l.startsWith('+') ? c.green(l) : l.startsWith('-') ? c.red(l) : l)),
      );
  }
  lines.push(
    c.dim(
      `Run \`omrs compose export${result.profile ? ` --profile ${result.profile}` : ''}\` and commit the result.`,
    ),
  );
  return lines.join('\n');
}
