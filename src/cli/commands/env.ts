// `omrs env ...`: disposable environments (create with a TTL, list, extend, remove, gc).
import type { Command } from 'commander';
import { Option } from 'commander';
import { ExitCode, OmrsError } from '../../errors.js';
import { table } from '../../ui/format.js';
import { action, type CliContext } from '../context.js';

interface ScopeOpts {
  profile?: string;
  context?: string;
  kubeconfig?: string;
  yes?: boolean;
  runtime?: string;
}

const scopeOptions = (c: Command): Command =>
  c
    .addOption(
      new Option(
        '-p, --profile <profile>',
        'profile (decides the cluster context); default: the project default',
      ),
    )
    .addOption(new Option('--context <name>', 'Kubernetes context; must match the profile when it names one'))
    .addOption(
      new Option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, else ~/.kube/config)'),
    )
    .option('-y, --yes', 'confirm a production context without asking (CI)');

/** Reads one line from stdin: the typed confirmation of a production context. */
export function askLine(ctx: CliContext, question: string): Promise<string> {
  ctx.io.stderr.write(question);
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer | string): void => {
      text += chunk.toString();
      if (text.includes('\n')) finish();
    };
    const finish = (): void => {
      ctx.io.stdin.off('data', onData);
      ctx.io.stdin.off('end', finish);
      resolve(text.split('\n')[0] ?? '');
    };
    ctx.io.stdin.on('data', onData);
    ctx.io.stdin.on('end', finish);
  });
}

function kubeRuntime(runtime: string | undefined): void {
  if (runtime === 'compose')
    throw new OmrsError({
      code: 'ENV_RUNTIME_UNSUPPORTED',
      message: 'disposable environments on Docker (compose) are not available yet',
      exitCode: ExitCode.usage,
      hint: "Use --runtime kube (a namespace per environment on the current or the profile's cluster).",
    });
}

export function registerEnvCommands(program: Command, ctx: CliContext): void {
  const env = program
    .command('env')
    .description('disposable environments: create with a TTL, list, extend, remove, collect expired ones');
  const deps = (out: { events: import('../../events/types.js').EventSink }) => ({
    cwd: ctx.io.cwd,
    env: ctx.io.env,
    events: out.events,
    signal: ctx.io.signal,
    interactive: ctx.io.stdin.isTTY === true && ctx.io.stderr.isTTY === true,
    confirm: (q: string) => askLine(ctx, q),
  });
  const scope = (o: ScopeOpts) => ({
    ...(o.profile && { profile: o.profile }),
    ...(o.context && { context: o.context }),
    ...(o.kubeconfig && { kubeconfig: o.kubeconfig }),
    ...(o.yes && { yes: true }),
    ...(o.runtime && o.runtime !== 'compose' && { runtime: o.runtime }),
  });

  scopeOptions(env.command('create'))
    .description('create a disposable environment from a profile, with a time to live')
    .option('--name <name>', 'environment name (default: <profile>-<adjective>-<4 hex>)')
    .requiredOption('--ttl <duration>', 'time to live: 30m, 4h, 2d')
    .addOption(new Option('--runtime <runtime>', 'where').choices(['kube', 'kind', 'minikube', 'compose']))
    .action(
      action(ctx, async (out, opts: ScopeOpts & { name?: string; ttl: string }) => {
        kubeRuntime(opts.runtime);
        const { createEnv } = await import('../../envs/index.js');
        await out.startProgress(`omrs env create${opts.name ? ` ${opts.name}` : ''}`);
        const result = await createEnv(
          { ...scope(opts), ttl: opts.ttl, ...(opts.name && { name: opts.name }) },
          deps(out),
        );
        await out.close();
        out.result(result, (c) =>
          [
            `${c.green('✔')} environment ${c.bold(result.name)} is ${result.up?.noop ? 'up to date' : 'up'} on ${result.context} (namespace ${result.namespace}), expires ${result.expires}`,
            c.dim(`  ${result.seedNote}`),
          ].join('\n'),
        );
      }),
    );

  scopeOptions(env.command('ls'))
    .description('list disposable environments: name, runtime, URL, age, expiry, state')
    .action(
      action(ctx, async (out, opts: ScopeOpts) => {
        const [{ listEnvs }, { humanSeconds }] = await Promise.all([
          import('../../envs/index.js'),
          import('../../envs/names.js'),
        ]);
        const envs = await listEnvs(scope(opts), deps(out));
        out.result({ environments: envs }, (c) =>
          envs.length === 0
            ? 'no disposable environments'
            : table(
                ['NAME', 'RUNTIME', 'URL', 'AGE', 'EXPIRES IN', 'STATE', 'OWNER'],
                envs.map((e) => [
                  c.bold(e.name),
                  e.runtime,
                  e.url,
                  humanSeconds(e.ageSeconds),
                  e.expiresInSeconds <= 0
                    ? c.red(humanSeconds(e.expiresInSeconds))
                    : humanSeconds(e.expiresInSeconds),
                  e.state,
                  c.dim(e.owner),
                ]),
                c.dim,
              ),
        );
      }),
    );

  scopeOptions(env.command('extend'))
    .argument('<name>', 'environment name')
    .requiredOption('--ttl <duration>', 'time to add: 30m, 2h')
    .description('push the expiry of an environment further out')
    .action(
      action(ctx, async (out, name: string, opts: ScopeOpts & { ttl: string }) => {
        const { extendEnv } = await import('../../envs/index.js');
        const result = await extendEnv({ ...scope(opts), name, ttl: opts.ttl }, deps(out));
        out.result(result, (c) => `${c.green('✔')} ${c.bold(name)} now expires ${result.expires}`);
      }),
    );

  scopeOptions(env.command('rm'))
    .argument('<name>', 'environment name')
    .description('remove an environment with its volumes and namespace')
    .action(
      action(ctx, async (out, name: string, opts: ScopeOpts) => {
        const { removeEnv } = await import('../../envs/index.js');
        const result = await removeEnv({ ...scope(opts), name }, deps(out));
        out.result(
          result,
          (c) =>
            `${c.green('✔')} removed ${c.bold(name)} (namespace ${result.namespace}, ${result.deletedPvcs.length} volume claims)`,
        );
      }),
    );

  scopeOptions(env.command('gc'))
    .option('--dry-run', 'only list what would be removed')
    .description('remove every expired environment with its volumes and namespace, and nothing else')
    .action(
      action(ctx, async (out, opts: ScopeOpts & { dryRun?: boolean }) => {
        const { gcEnvs } = await import('../../envs/index.js');
        const result = await gcEnvs({ ...scope(opts), ...(opts.dryRun && { dryRun: true }) }, deps(out));
        out.result(result, (c) =>
          result.removed.length === 0
            ? `nothing expired (${result.kept} environments kept)`
            : `${c.green('✔')} ${result.dryRun ? 'would remove' : 'removed'} ${result.removed.length}: ${result.removed.map((r) => r.name).join(', ')} (${result.kept} kept)`,
        );
      }),
    );
}
