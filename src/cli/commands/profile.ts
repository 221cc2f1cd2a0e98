import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { action, type CliContext } from '../context.js';
import { profileOption } from '../options.js';
import { formatLocation } from '../../ui/errors.js';

export function registerProfileCommands(program: Command, ctx: CliContext): void {
  const profile = program
    .command('profile')
    .description('validate, show, diff and export the schema of profiles')
    .addHelpText(
      'after',
      '\nProfiles are YAML files in profiles/ that layer with `extends:` (base → dev / qa / prod).',
    );

  profile
    .command('validate')
    .argument('[profile]', 'profile name (in the profiles folder) or path to a YAML file; default: --profile')
    .addOption(profileOption())
    .description('check a profile and every file it extends; prints the app digest')
    .action(
      action(ctx, async (out, ref: string | undefined, opts: { profile?: string }) => {
        const { validateProfile } = await import('../../profile/index.js');
        const report = await validateProfile(ref ?? opts.profile, ctx.io);
        out.result(report, (c) =>
          [
            `${c.green('✔')} profile ${c.bold(report.name)} is valid`,
            `  ${c.dim('files:')}      ${report.chain.map((f) => formatLocation(f, undefined, undefined, ctx.io.cwd)).join(' → ')}`,
            `  ${c.dim('runtime:')}    ${report.runtime}`,
            `  ${c.dim('app digest:')} ${report.appDigest}`,
          ].join('\n'),
        );
      }),
    );

  profile
    .command('show')
    .argument('[profile]', 'profile name or path; default: --profile')
    .addOption(profileOption())
    .option('--origins', 'annotate every key with the file and line that set it')
    .description('print the resolved profile (secrets masked)')
    .action(
      action(ctx, async (out, ref: string | undefined, opts: { origins?: boolean; profile?: string }) => {
        const [{ openProfile }, { renderProfileYaml, maskSecrets }, { appDigest }] = await Promise.all([
          import('../../profile/index.js'),
          import('../../profile/show.js'),
          import('../../profile/digest.js'),
        ]);
        const resolved = await openProfile(ref ?? opts.profile, ctx.io);
        const json = {
          name: resolved.name,
          appDigest: appDigest(resolved.profile),
          profile: maskSecrets(resolved),
          ...(opts.origins && { origins: originsJson(resolved.merged.origins) }),
        };
        out.result(json, () =>
          renderProfileYaml(resolved, { origins: opts.origins === true, cwd: ctx.io.cwd }),
        );
      }),
    );

  profile
    .command('schema')
    .description('print the profile JSON Schema (for editors: yaml-language-server, VS Code)')
    .action(
      action(ctx, async (out) => {
        const { profileJsonSchema } = await import('../../profile/json-schema.js');
        const schema = profileJsonSchema();
        out.result(schema, () => JSON.stringify(schema, null, 2));
      }),
    );

  profile
    .command('diff')
    .argument('<a>', 'first profile')
    .argument('<b>', 'second profile')
    .description('compare two profiles, app keys and env keys apart; exit 1 when app keys differ')
    .action(
      action(ctx, async (out, a: string, b: string) => {
        const { compareProfiles } = await import('../../profile/index.js');
        const report = await compareProfiles(a, b, ctx.io);
        out.result(report, (c) => {
          const show = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));
          const lines = (changes: typeof report.app) =>
            changes.length === 0
              ? [`  ${c.dim('(none)')}`]
              : changes.map((ch) =>
                  ch.kind === 'added'
                    ? `  ${c.green('+')} ${ch.path}: ${show(ch.to)}`
                    : ch.kind === 'removed'
                      ? `  ${c.red('-')} ${ch.path}: ${show(ch.from)}`
                      : `  ${c.yellow('~')} ${ch.path}: ${show(ch.from)} → ${show(ch.to)}`,
                );
          return [
            `${c.bold('app keys')} ${report.identicalApp ? c.green('identical') : c.red('differ')} (${report.a.name} ${report.a.appDigest.slice(0, 19)}…, ${report.b.name} ${report.b.appDigest.slice(0, 19)}…)`,
            ...lines(report.app),
            `${c.bold('env keys')}`,
            ...lines(report.env),
          ].join('\n');
        });
        return report.identicalApp ? ExitCode.ok : ExitCode.failed;
      }),
    );
}

function originsJson(
  origins: Map<string, { key?: { file: string; line?: number }; value: { file: string; line?: number } }>,
) {
  return Object.fromEntries(
    [...origins].map(([path, pos]) => {
      const where = pos.key ?? pos.value;
      return [(JSON.parse(path) as (string | number)[]).join('.'), `${where.file}:${where.line}`];
    }),
  );
}
