// `omrs destroy --profile <p>`: shows what carries the environment's label, asks for its name,
// keeps a final snapshot of each bundled database, removes it all (and with --infrastructure,
// the profile's Terraform root after it).
import type { Command } from 'commander';
import { askLine, canAsk } from '../../ui/prompt.js';
import { action, throwIfInterrupted, type CliContext } from '../context.js';
import { envOption, profileOption } from '../options.js';
import { addClusterOptions, runtimeOf, type RuntimeOpts } from './cluster-runtime.js';
import { destroyScopeText, destroyText } from './runtime-text.js';

interface DestroyOpts extends RuntimeOpts {
  confirm?: string;
  skipSnapshot?: boolean;
  infrastructure?: boolean;
}

export function registerDestroyCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('destroy')
    .description(
      'remove everything that carries an environment’s label (containers and volumes, or its namespaces and releases), after a final database snapshot and a typed confirmation',
    )
    .addOption(profileOption())
    .addOption(envOption())
    .option(
      '--confirm <env>',
      'the environment’s name, typed in advance (scripts; --yes does not confirm a destroy)',
    )
    .option(
      '--skip-snapshot',
      'no final snapshot (needed when a bundled database no longer runs): its data is lost',
    )
    .option(
      '--infrastructure',
      'also destroy the profile’s Terraform root (cluster.eks), last; refused while RDS deletion protection is on',
    )
    .addHelpText(
      'after',
      [
        '',
        'Only what carries the label omrs.dev/env=<env> goes: on Docker its containers, network and',
        'volumes; on a cluster the namespaces with that label, and all in them. An external database',
        'is kept.',
        'The final snapshots land in .omrs/snapshots/<database>/final-<time>-<where>.sql.gz;',
        '`omrs db restore <name> --db …` loads one into another database.',
        '',
        'Examples:',
        '  omrs destroy --env qa-pr-42',
        '  omrs destroy --profile prod --confirm prod --json',
      ].join('\n'),
    );
  addClusterOptions(command).action(
    action(ctx, async (out, opts: DestroyOpts) => {
      const { destroyEnvironment } = await import('../../envs/destroy.js');
      const runtime = await runtimeOf(opts, out, ctx);
      await out.startProgress(`omrs destroy ${opts.env ?? opts.profile ?? ''}`.trim());
      const ask = canAsk(ctx.io) && out.mode !== 'json';
      const result = await destroyEnvironment(runtime, {
        ...(opts.confirm !== undefined && { confirmed: opts.confirm }),
        ...(opts.skipSnapshot && { skipSnapshot: true }),
        // What would go is shown before the question, and before a refusal when no one can answer.
        confirm: async (scope, infrastructure) => {
          await out.close();
          out.note(destroyScopeText(scope, infrastructure));
          return ask ? askLine(ctx.io, `Type ${scope.env} to destroy it: `) : undefined;
        },
        ...(opts.infrastructure && {
          infrastructure: async () => {
            const { openProfile } = await import('../../profile/index.js');
            const { planInfrastructureTeardown } = await import('../../promote/infra.js');
            const resolved = await openProfile(opts.profile, ctx.io);
            return planInfrastructureTeardown(
              { cwd: ctx.io.cwd, profile: resolved.profile, name: resolved.name, env: ctx.io.env },
              ctx.io.signal,
            );
          },
        }),
        now: new Date(),
        signal: ctx.io.signal,
      });
      throwIfInterrupted(ctx, 'destroy');
      await out.close();
      out.result(result, (c) => destroyText(result, c));
    }),
  );
}
