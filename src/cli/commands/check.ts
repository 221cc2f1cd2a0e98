import type { Command } from 'commander';
import { ExitCode, OmrsError } from '../../errors.js';
import { action, type CliContext } from '../context.js';
import { contextOption, kubeconfigOption, profileOption } from '../options.js';

interface CheckFlags {
  profile?: string;
  scope?: string;
  format?: string;
  level?: string;
  db?: string;
  context?: string;
  kubeconfig?: string;
  list?: boolean;
  explain?: string;
}

const FORMATS = ['text', 'json', 'sarif'] as const;
const LEVELS = ['dev', 'qa', 'prod'] as const;

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
  byDefault: string,
): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new OmrsError({
    code: 'CHECK_BAD_FLAG',
    message: `${flag} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value.slice(0, 80))})`,
    exitCode: ExitCode.usage,
    hint: `Write one of them in lower case, or leave ${flag} out for ${byDefault}.`,
  });
}

export function registerCheckCommands(program: Command, ctx: CliContext): void {
  program
    .command('check')
    .argument(
      '[paths...]',
      'manifest files (multi-document YAML), chart folders, Terraform folders; default: the profile render and terraform/',
    )
    .description('hardening and data-cleanup checks; exit 3 when the gate fails')
    .addOption(profileOption())
    .option('--scope <scopes>', 'comma-separated: manifests,terraform,database,cluster')
    .option('--format <format>', 'text | json | sarif (default: text, json with --json)')
    .option(
      '--level <level>',
      'gate level dev | qa | prod (default: checks.level of the profile; prod for paths without --profile)',
    )
    .option(
      '--db <url>',
      'database to check, mysql://user:password@host:3306/openmrs (default: $OMRS_DB_URL)',
    )
    .addOption(contextOption())
    .addOption(kubeconfigOption())
    .option('--list', 'list the rules and exit')
    .option('--explain <id>', 'explain one rule and exit')
    .addHelpText(
      'after',
      `
Examples:
  $ omrs check --profile prod                        the prod render and terraform/ at the prod gate
  $ omrs check deploy/*.yaml --level qa              manifests that omrs did not render
  $ omrs check charts/openmrs terraform/envs/prod --format sarif > omrs.sarif
  $ omrs check --scope database --db mysql://admin:…@db:3306/openmrs
  $ omrs check --list                                all rules with their kube-score / Polaris / checkov ids`,
    )
    .action(
      action(ctx, async (out, paths: string[], flags: CheckFlags) => {
        const json = out.mode === 'json';
        const format =
          oneOf(flags.format, FORMATS, '--format', 'text (json with --json)') ?? (json ? 'json' : 'text');
        const write = (data: unknown): void => void ctx.io.stdout.write(JSON.stringify(data, null, 2) + '\n');
        if (flags.list || flags.explain) {
          const [{ RULES, findRule, ruleMeta }, text] = await Promise.all([
            import('../../checks/rules/index.js'),
            import('../../checks/reporters/text.js'),
          ]);
          if (flags.explain) {
            const rule = findRule(flags.explain);
            if (!rule)
              throw new OmrsError({
                code: 'CHECK_UNKNOWN_RULE',
                message: `no rule ${flags.explain}`,
                exitCode: ExitCode.usage,
                hint: 'List the rules with `omrs check --list`.',
              });
            if (format === 'text') out.result(ruleMeta(rule), (c) => text.renderExplain(rule, c));
            else write(ruleMeta(rule));
            return;
          }
          if (format === 'text') out.result(RULES.map(ruleMeta), (c) => text.renderRuleList(RULES, c));
          else write(RULES.map(ruleMeta));
          return;
        }
        const { runCheck, parseScopes } = await import('../../checks/index.js');
        const scopes = parseScopes(flags.scope);
        const level = oneOf(flags.level, LEVELS, '--level', 'checks.level of the profile');
        if (format === 'text') await out.startProgress('omrs check');
        const report = await runCheck(
          {
            paths,
            events: out.events,
            ...(flags.profile && { profile: flags.profile }),
            ...(scopes && { scopes }),
            ...(level && { level }),
            ...(flags.db && { db: flags.db }),
            ...(flags.context && { context: flags.context }),
            ...(flags.kubeconfig && { kubeconfig: flags.kubeconfig }),
          },
          { cwd: ctx.io.cwd, env: ctx.io.env, signal: ctx.io.signal },
        );
        if (format === 'sarif') {
          const { toSarif } = await import('../../checks/reporters/sarif.js');
          write(toSarif(report));
        } else if (format === 'json') write(report);
        else {
          const { renderText } = await import('../../checks/reporters/text.js');
          out.result(report, (c) => renderText(report, c));
        }
        return report.passed ? ExitCode.ok : ExitCode.gate;
      }),
    );
}
