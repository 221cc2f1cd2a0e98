// `omrs env ...`: disposable environments (create with a TTL, list, extend, remove, gc).
import { nonEmpty } from '../arguments.js';
import type { Command } from 'commander';
import { Option } from 'commander';
import { OmrsError } from '../../errors.js';
import { table } from '../../ui/format.js';
import type { Colors, Output } from '../../ui/output.js';
import { action, type CliContext } from '../context.js';
import { clusterDeps } from './cluster-runtime.js';

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
    .addOption(
      new Option(
        '--context <name>',
        'Kubernetes context; must match the profile when it names one',
      ).argParser(nonEmpty('--context', "leave --context out for the profile's context")),
    )
    .addOption(
      new Option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, else ~/.kube/config)'),
    )
    .option('-y, --yes', 'confirm a production context without asking (CI)');

const runtimeOption = (): Option =>
  new Option(
    '--runtime <runtime>',
    'only this runtime (compose = Docker); default: the cluster and, when it answers, Docker',
  ).choices(['kube', 'kind', 'minikube', 'compose']);

/** Cluster errors that only mean "there is no cluster here" (not a refused or mismatched context). */
const NO_CLUSTER = new Set(['KUBE_CONFIG_MISSING', 'KUBE_UNREACHABLE']);

/**
 * Runs the cluster side and the Docker side of ls/gc: --runtime compose is Docker only (it must
 * answer), another --runtime the cluster only; without one, both, where an absent cluster (no
 * kubeconfig, no answer; unless --context/--kubeconfig named one) or an absent Docker engine is a
 * note instead of a failure, as long as the other side answered.
 */
async function bothSides<K, D>(
  ctx: CliContext,
  o: ScopeOpts,
  cluster: () => Promise<K>,
  docker: (client: import('../../runtime/docker.js').Docker) => Promise<D>,
): Promise<{ cluster?: K; docker?: D; notes: string[] }> {
  const { reachableDocker, dockerUnreachable } = await import('../../envs/compose.js');
  const notes: string[] = [];
  if (o.runtime === 'compose') {
    const r = await reachableDocker(ctx.io.env);
    if ('note' in r) throw dockerUnreachable(r.note);
    return { docker: await docker(r.docker), notes };
  }
  if (o.runtime) return { cluster: await cluster(), notes };
  let k: K | undefined;
  let clusterError: unknown;
  try {
    k = await cluster();
  } catch (error) {
    if (!(error instanceof OmrsError && NO_CLUSTER.has(error.code)) || o.context || o.kubeconfig) throw error;
    clusterError = error;
  }
  const r = await reachableDocker(ctx.io.env);
  if ('note' in r) {
    if (clusterError) throw clusterError;
    notes.push(r.note);
    return { cluster: k!, notes };
  }
  if (clusterError)
    notes.push(
      `no cluster (${(clusterError as OmrsError).message.split('\n')[0]}): cluster environments are not included`,
    );
  return { ...(k !== undefined && { cluster: k }), docker: await docker(r.docker), notes };
}

/** One line per environment whose bookkeeping is broken: what is wrong and what to do about it. */
function problemLines(envs: { name: string; problem?: string }[], c: Colors, prefix = ''): string[] {
  return envs.flatMap((e) =>
    e.problem === undefined
      ? []
      : [
          c.yellow(
            `warning: ${prefix}${e.name}: ${e.problem}; \`omrs env gc\` leaves it alone, \`omrs env extend ${e.name} --ttl 4h\` sets a new expiry, \`omrs env rm ${e.name}\` removes it`,
          ),
        ],
  );
}

export function registerEnvCommands(program: Command, ctx: CliContext): void {
  const env = program
    .command('env')
    .description('disposable environments: create with a TTL, list, extend, remove, collect expired ones');
  const deps = (out: Output) => clusterDeps(out, ctx);
  const scope = (o: ScopeOpts) => ({
    ...(o.profile && { profile: o.profile }),
    ...(o.context && { context: o.context }),
    ...(o.kubeconfig && { kubeconfig: o.kubeconfig }),
    ...(o.yes && { yes: true }),
    ...(o.runtime && o.runtime !== 'compose' && { runtime: o.runtime }),
  });

  scopeOptions(env.command('create'))
    .description('create a disposable environment from a profile, with a time to live')
    .addOption(
      new Option('--name <name>', 'environment name (default: <profile>-<adjective>-<4 hex>)').argParser(
        nonEmpty('--name', 'leave --name out for a generated one'),
      ),
    )
    .requiredOption('--ttl <duration>', 'time to live: 30m, 4h, 2d (1s to 365d)')
    .addOption(
      new Option('--runtime <runtime>', 'where (compose: on this Docker engine)').choices([
        'kube',
        'kind',
        'minikube',
        'compose',
      ]),
    )
    .action(
      action(ctx, async (out, opts: ScopeOpts & { name?: string; ttl: string }) => {
        if (opts.runtime === 'compose') {
          const { createComposeEnv } = await import('../../envs/compose.js');
          await out.startProgress(`omrs env create${opts.name ? ` ${opts.name}` : ''}`);
          const made = await createComposeEnv(
            {
              ttl: opts.ttl,
              ...(opts.profile && { profile: opts.profile }),
              ...(opts.name && { name: opts.name }),
            },
            deps(out),
          );
          await out.close();
          out.result(made, (c) =>
            [
              `${c.green('✔')} environment ${c.bold(made.name)} is up on Docker${made.url ? ` at ${made.url}` : ''} (network ${made.network}), expires ${made.expires}`,
              c.dim(`  ${made.seedNote}`),
            ].join('\n'),
          );
          return;
        }
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
    .addOption(runtimeOption())
    .description('list disposable environments: name, runtime, URL, age, expiry, state')
    .action(
      action(ctx, async (out, opts: ScopeOpts) => {
        const [{ listEnvs }, { listComposeEnvs }, { humanSeconds }] = await Promise.all([
          import('../../envs/index.js'),
          import('../../envs/compose.js'),
          import('../../envs/names.js'),
        ]);
        const sides = await bothSides(
          ctx,
          opts,
          () => listEnvs(scope(opts), deps(out)),
          (docker) => listComposeEnvs({ ...deps(out), docker }),
        );
        const envs = [...(sides.cluster ?? []), ...(sides.docker ?? [])].sort((a, b) =>
          a.name.localeCompare(b.name),
        );
        const notes = sides.notes;
        out.result({ environments: envs, ...(notes.length > 0 && { notes }) }, (c) =>
          [
            ...notes.map((n) => c.dim(`note: ${n}`)),
            envs.length === 0
              ? 'no disposable environments'
              : table(
                  ['NAME', 'RUNTIME', 'URL', 'AGE', 'EXPIRES IN', 'STATE', 'OWNER'],
                  envs.map((e) => [
                    c.bold(e.name),
                    e.runtime,
                    e.url,
                    humanSeconds(e.ageSeconds),
                    e.expiresInSeconds === null
                      ? c.red('invalid label value')
                      : e.expiresInSeconds <= 0
                        ? c.red(humanSeconds(e.expiresInSeconds))
                        : humanSeconds(e.expiresInSeconds),
                    e.state,
                    c.dim(e.owner),
                  ]),
                  c.dim,
                ),
            ...problemLines(envs, c),
          ].join('\n'),
        );
      }),
    );

  const onDocker = async (opts: ScopeOpts, name: string) => {
    if (opts.runtime && opts.runtime !== 'compose') return undefined;
    const { reachableDocker, dockerUnreachable, composeEnvExists } = await import('../../envs/compose.js');
    const r = await reachableDocker(ctx.io.env);
    if ('note' in r) {
      if (opts.runtime === 'compose') throw dockerUnreachable(r.note);
      return undefined;
    }
    const d = { cwd: ctx.io.cwd, env: ctx.io.env, signal: ctx.io.signal, docker: r.docker };
    if (opts.runtime === 'compose') return d;
    return (await composeEnvExists({ ...d, events: { emit: () => undefined } }, name)) ? d : undefined;
  };

  scopeOptions(env.command('extend'))
    .addOption(runtimeOption())
    .argument('<name>', 'environment name', nonEmpty('<name>', 'name an environment `omrs env ls` lists'))
    .requiredOption('--ttl <duration>', 'time to add: 30m, 2h (at most 365d from now)')
    .description('push the expiry of an environment further out')
    .action(
      action(ctx, async (out, name: string, opts: ScopeOpts & { ttl: string }) => {
        // A bad --ttl is a usage error before any engine is asked which runtime holds the env.
        (await import('../../envs/names.js')).ttlSeconds(opts.ttl);
        const docker = await onDocker(opts, name);
        if (docker) {
          const { extendComposeEnv } = await import('../../envs/compose.js');
          const extended = await extendComposeEnv({ name, ttl: opts.ttl }, { ...docker, events: out.events });
          out.result(extended, (c) => `${c.green('✔')} ${c.bold(name)} now expires ${extended.expires}`);
          return;
        }
        const { extendEnv } = await import('../../envs/index.js');
        const result = await extendEnv({ ...scope(opts), name, ttl: opts.ttl }, deps(out));
        out.result(result, (c) => `${c.green('✔')} ${c.bold(name)} now expires ${result.expires}`);
      }),
    );

  scopeOptions(env.command('rm'))
    .addOption(runtimeOption())
    .argument('<name>', 'environment name', nonEmpty('<name>', 'name an environment `omrs env ls` lists'))
    .description(
      'remove an environment with its volumes and namespace (on Docker: containers, network, volumes)',
    )
    .action(
      action(ctx, async (out, name: string, opts: ScopeOpts) => {
        const docker = await onDocker(opts, name);
        if (docker) {
          const { removeComposeEnv } = await import('../../envs/compose.js');
          const removed = await removeComposeEnv({ name }, { ...docker, events: out.events });
          out.result(
            removed,
            (c) =>
              `${c.green('✔')} removed ${c.bold(name)} (${removed.containers.length} containers, network, ${removed.volumes.length} volumes)`,
          );
          return;
        }
        const { removeEnv } = await import('../../envs/index.js');
        const result = await removeEnv({ ...scope(opts), name }, deps(out));
        out.result(
          result,
          (c) =>
            `${c.green('✔')} removed ${c.bold(name)} (namespace ${result.namespace}, ${result.deletedPvcs.length} volume claims)`,
        );
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
    .addOption(runtimeOption())
    .option('--dry-run', 'only list what would be removed')
    .description('remove every expired environment with its volumes and namespace, and nothing else')
    .action(
      action(ctx, async (out, opts: ScopeOpts & { dryRun?: boolean }) => {
        const [{ gcEnvs }, { gcComposeEnvs }] = await Promise.all([
          import('../../envs/index.js'),
          import('../../envs/compose.js'),
        ]);
        const dry = opts.dryRun === true;
        const sides = await bothSides(
          ctx,
          opts,
          () => gcEnvs({ ...scope(opts), ...(dry && { dryRun: true }) }, deps(out)),
          (docker) => gcComposeEnvs({ dryRun: dry }, { ...deps(out), docker }),
        );
        const removed = [...(sides.cluster?.removed ?? []), ...(sides.docker?.removed ?? [])].sort((a, b) =>
          a.name.localeCompare(b.name),
        );
        const kept = (sides.cluster?.kept ?? 0) + (sides.docker?.kept ?? 0);
        const skipped = [...(sides.cluster?.skipped ?? []), ...(sides.docker?.skipped ?? [])];
        const result = {
          ...(sides.cluster && { context: sides.cluster.context }),
          dryRun: dry,
          removed,
          kept,
          skipped,
          ...(sides.notes.length > 0 && { notes: sides.notes }),
        };
        out.result(result, (c) =>
          [
            ...sides.notes.map((n) => c.dim(`note: ${n}`)),
            ...problemLines(skipped, c, 'skipped '),
            removed.length === 0
              ? `nothing expired (${kept} environments kept)`
              : `${c.green('✔')} ${dry ? 'would remove' : 'removed'} ${removed.length}: ${removed.map((r) => r.name).join(', ')} (${kept} kept)`,
          ].join('\n'),
        );
      }),
    );
}
