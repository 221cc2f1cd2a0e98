// `omrs env ...`: disposable environments (create with a TTL, list, extend, remove, gc).
import { nonEmpty } from '../arguments.js';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Output } from '../../ui/output.js';
import { action, type CliContext } from '../context.js';
import { contextOption, kubeconfigOption, profileOption, runtimeOption } from '../options.js';
import { runtimeDeps } from './cluster-runtime.js';
import { envCreatedText, envGcText, envListText } from './runtime-text.js';

interface ScopeOpts {
  profile?: string;
  context?: string;
  kubeconfig?: string;
  yes?: boolean;
  runtime?: string;
}

const scopeOptions = (c: Command): Command =>
  c
    .addOption(profileOption())
    .addOption(contextOption())
    .addOption(kubeconfigOption())
    .option('-y, --yes', 'confirm a production context without asking (CI)');

/** ls, extend, rm and gc look at one runtime when told, else at the cluster and (when it answers) Docker. */
const onlyRuntimeOption = (): Option => runtimeOption('the cluster and, when it answers, Docker');

export function registerEnvCommands(program: Command, ctx: CliContext): void {
  const env = program
    .command('env')
    .description('disposable environments: create with a TTL, list, extend, remove, collect expired ones');
  const deps = (out: Output) => runtimeDeps(out, ctx);
  const scope = (o: ScopeOpts) => ({
    ...(o.profile && { profile: o.profile }),
    ...(o.context && { context: o.context }),
    ...(o.kubeconfig && { kubeconfig: o.kubeconfig }),
    ...(o.yes && { yes: true }),
    ...(o.runtime && { runtime: o.runtime }),
  });

  scopeOptions(env.command('create'))
    .description('create a disposable environment from a profile, with a time to live')
    .addOption(
      new Option('--name <name>', 'environment name (default: <profile>-<adjective>-<4 hex>)').argParser(
        nonEmpty('--name', 'leave --name out for a generated one'),
      ),
    )
    .requiredOption('--ttl <duration>', 'time to live: 30m, 4h, 2d (1s to 365d)')
    .addOption(runtimeOption())
    .option(
      '--from-snapshot <name>',
      'load each tenant database from the snapshot <name> (omrs db snapshot) instead of seeding',
    )
    .action(
      action(ctx, async (out, opts: ScopeOpts & { name?: string; ttl: string; fromSnapshot?: string }) => {
        const { createEnvironment } = await import('../../envs/lifecycle.js');
        await out.startProgress(`omrs env create${opts.name ? ` ${opts.name}` : ''}`);
        const result = await createEnvironment(
          {
            ...scope(opts),
            ttl: opts.ttl,
            ...(opts.name && { name: opts.name }),
            ...(opts.fromSnapshot && { fromSnapshot: opts.fromSnapshot }),
          },
          deps(out),
        );
        await out.close();
        out.result(result, (c) => envCreatedText(result, c));
      }),
    );

  scopeOptions(env.command('ls'))
    .addOption(onlyRuntimeOption())
    .description('list disposable environments: name, runtime, URL, age, expiry, state')
    .action(
      action(ctx, async (out, opts: ScopeOpts) => {
        const [{ listEnvironments }, { humanSeconds }] = await Promise.all([
          import('../../envs/lifecycle.js'),
          import('../../envs/names.js'),
        ]);
        const result = await listEnvironments(scope(opts), deps(out));
        out.result(result, (c) => envListText(result, c, humanSeconds));
      }),
    );

  scopeOptions(env.command('extend'))
    .addOption(onlyRuntimeOption())
    .argument('<name>', 'environment name', nonEmpty('<name>', 'name an environment `omrs env ls` lists'))
    .requiredOption('--ttl <duration>', 'time to add: 30m, 2h (at most 365d from now)')
    .description('push the expiry of an environment further out')
    .action(
      action(ctx, async (out, name: string, opts: ScopeOpts & { ttl: string }) => {
        const { extendEnvironment } = await import('../../envs/lifecycle.js');
        const result = await extendEnvironment({ ...scope(opts), name, ttl: opts.ttl }, deps(out));
        out.result(result, (c) => `${c.green('✔')} ${c.bold(name)} now expires ${result.expires}`);
      }),
    );

  scopeOptions(env.command('rm'))
    .addOption(onlyRuntimeOption())
    .argument('<name>', 'environment name', nonEmpty('<name>', 'name an environment `omrs env ls` lists'))
    .description(
      'remove an environment with its volumes and namespace (on Docker: containers, network, volumes)',
    )
    .action(
      action(ctx, async (out, name: string, opts: ScopeOpts) => {
        const { removeEnvironment } = await import('../../envs/lifecycle.js');
        const result = await removeEnvironment({ ...scope(opts), name }, deps(out));
        out.result(result, (c) => `${c.green('✔')} removed ${c.bold(name)} (${result.removed.join(', ')})`);
      }),
    );

  scopeOptions(env.command('gc-cronjob'))
    .description('install in the cluster a CronJob that removes expired environments (kubectl in any image)')
    .option('--schedule <cron>', 'when it runs (default: every 15 minutes, "*/15 * * * *")')
    .option('--image <image>', 'an image with kubectl and sh (default: bitnami/kubectl:1.32)')
    .option('--uninstall', 'remove the CronJob, its ServiceAccount, role and namespace')
    .addHelpText(
      'after',
      '\nIt deletes the namespaces labelled omrs.dev/disposable=true whose omrs.dev/expires is past, as\n`omrs env gc` does, and nothing else. Installing again applies a changed schedule or image in place.',
    )
    .action(
      action(
        ctx,
        async (out, opts: ScopeOpts & { schedule?: string; image?: string; uninstall?: boolean }) => {
          const { gcCronJob } = await import('../../envs/index.js');
          await out.startProgress('omrs env gc-cronjob');
          const result = await gcCronJob(
            {
              ...scope(opts),
              ...(opts.schedule && { schedule: opts.schedule }),
              ...(opts.image && { image: opts.image }),
              ...(opts.uninstall && { uninstall: true }),
            },
            deps(out),
          );
          await out.close();
          out.result(result, (c) =>
            result.deleted
              ? `${c.green('✔')} removed ${result.deleted.length === 0 ? 'nothing (not installed)' : result.deleted.join(', ')} on ${result.context}`
              : `${c.green('✔')} the gc CronJob runs in namespace ${result.namespace} on ${result.context}: ${result.applied!.join(', ')}`,
          );
        },
      ),
    );

  scopeOptions(env.command('gc'))
    .addOption(onlyRuntimeOption())
    .option('--dry-run', 'only list what would be removed')
    .description('remove every expired environment with its volumes and namespace, and nothing else')
    .action(
      action(ctx, async (out, opts: ScopeOpts & { dryRun?: boolean }) => {
        const { gcEnvironments } = await import('../../envs/lifecycle.js');
        const result = await gcEnvironments(
          { ...scope(opts), ...(opts.dryRun && { dryRun: true }) },
          deps(out),
        );
        out.result(result, (c) => envGcText(result, c));
      }),
    );
}
