// The runtime commands: up, down, status, logs, open, compose export. Each parses its flags,
// calls one use case of src/runtime/compose with a docker client, and hands the result to the output.
import type { Command } from 'commander';
import { Option } from 'commander';
import { ExitCode, OmrsError } from '../../errors.js';
import { table } from '../../ui/format.js';
import type { Colors } from '../../ui/output.js';
import { envName, wholeNumber } from '../arguments.js';
import { action, type CliContext } from '../context.js';
import { composeExportCommand } from './compose-export.js';
import type { EnvStatus } from '../../runtime/compose/status.js';
import type { UpResult } from '../../runtime/compose/up.js';
import {
  addClusterOptions,
  clusterDownCommand,
  clusterLogsCommand,
  clusterOpenCommand,
  chooseRuntime,
  clusterStatusCommand,
  clusterUpCommand,
  type ClusterOpts,
} from './cluster-runtime.js';

type EnvOpts = ClusterOpts;

const profileOption = (): Option =>
  new Option('-p, --profile <profile>', 'profile name or path (default: the project default)');
const envOption = (): Option =>
  new Option(
    '-e, --env <name>',
    'environment name (default: the profile name); names are prefixed omrs-<env>-',
  )
    .env('OMRS_ENV')
    .argParser(envName('--env', 'leave --env out (and OMRS_ENV unset) for the default environment'));

async function docker(ctx: CliContext) {
  const { connectDocker } = await import('../../runtime/docker.js');
  return connectDocker(ctx.io.env);
}

export function registerRuntimeCommands(program: Command, ctx: CliContext): void {
  const up = program
    .command('up')
    .description(
      'start the environment of a profile (Docker by default, or a Kubernetes cluster), in readiness order; idempotent',
    )
    .addOption(profileOption())
    .addOption(envOption())
    .addOption(
      new Option('--pull <policy>', 'pull images: never, when missing, or always')
        .choices(['never', 'missing', 'always'])
        .default('missing'),
    )
    .option('--no-seed', 'do not seed test data even when the profile enables it')
    .option(
      '-d, --detach',
      'return once healthy instead of staying in the live dashboard (the default without a terminal)',
    )
    .addHelpText(
      'after',
      '\nA second `omrs up` changes nothing; a changed value recreates only the service it belongs to.\nCtrl-C stops cleanly; running `omrs up` again converges.',
    )
    .action(
      action(
        ctx,
        async (
          out,
          opts: EnvOpts & { pull: 'never' | 'missing' | 'always'; seed: boolean; detach?: boolean },
        ) => {
          const { cluster, io } = await chooseRuntime(opts, ctx);
          if (cluster) return clusterUpCommand(out, ctx, { cluster, io }, opts);
          const { up } = await import('../../runtime/compose/up.js');
          const client = await docker(ctx);
          // In a terminal, the live dashboard follows `up` (it records the steps from the start); -d returns.
          const dashboard =
            out.mode === 'ink' && !opts.detach
              ? (await import('../../ui/dashboard/run.js')).recordDashboard(out.events)
              : undefined;
          await out.startProgress(`omrs up ${opts.env ?? opts.profile ?? ''}`.trim());
          const result = await up(
            {
              pull: opts.pull,
              seed: opts.seed,
              ...(opts.profile && { profile: opts.profile }),
              ...(opts.env && { env: opts.env }),
            },
            { ...io, docker: client, events: out.events, signal: ctx.io.signal },
          );
          await out.close();
          out.result(result, (c) => renderUp(result, c));
          if (!dashboard) return;
          const { composeSource } = await import('../../ui/dashboard/compose-source.js');
          const source = composeSource(
            { name: result.env, ...(opts.profile && { profile: opts.profile }) },
            { docker: client, bus: out.events, env: ctx.io.env, cwd: ctx.io.cwd, signal: ctx.io.signal },
          );
          return dashboard.open({ io: ctx.io, source, ...(result.url && { url: result.url }) });
        },
      ),
    );

  const down = program
    .command('down')
    .description(
      'stop and remove the containers and the network of an environment; keeps volumes unless --volumes',
    )
    .addOption(profileOption())
    .addOption(envOption())
    .option('--volumes', 'also remove the volumes: the database is lost')
    .action(
      action(ctx, async (out, opts: EnvOpts & { volumes?: boolean }) => {
        const { cluster, io } = await chooseRuntime(opts, ctx);
        if (cluster) return clusterDownCommand(out, ctx, { cluster, io }, opts);
        const [{ down }, { envNameFor }] = await Promise.all([
          import('../../runtime/compose/status.js'),
          import('../../runtime/compose/up.js'),
        ]);
        const env = await envNameFor(opts, io);
        const client = await docker(ctx);
        await out.startProgress(`omrs down ${env}`);
        const result = await down(
          env,
          { volumes: opts.volumes === true },
          { docker: client, events: out.events, env: ctx.io.env, signal: ctx.io.signal },
        );
        await out.close();
        out.result(result, (c) =>
          [
            result.containers.length + result.networks.length + result.volumes.length === 0
              ? `${c.green('✔')} environment ${c.bold(env)} is down (nothing was running)`
              : `${c.green('✔')} environment ${c.bold(env)} is down: ${result.containers.length} containers, ${result.networks.length} network${result.volumes.length ? `, ${result.volumes.length} volumes` : ''} removed`,
            ...(result.keptVolumes.length > 0
              ? [c.dim(`  kept volumes: ${result.keptVolumes.join(', ')} (remove them with --volumes)`)]
              : []),
          ].join('\n'),
        );
      }),
    );

  const status = program
    .command('status')
    .description('the services of an environment: running, healthy, restarts, ports')
    .addOption(profileOption())
    .addOption(envOption())
    .action(
      action(ctx, async (out, opts: EnvOpts) => {
        const { cluster, io } = await chooseRuntime(opts, ctx);
        if (cluster) return clusterStatusCommand(out, ctx, { cluster, io }, opts);
        const [{ status }, { envNameFor }] = await Promise.all([
          import('../../runtime/compose/status.js'),
          import('../../runtime/compose/up.js'),
        ]);
        const env = await envNameFor(opts, io);
        const result = await status(env, { docker: await docker(ctx) });
        out.result(result, (c) => renderStatus(result, c));
        return result.services.some((s) => s.runtime === 'error') ? ExitCode.failed : ExitCode.ok;
      }),
    );

  const logsCommand = program
    .command('logs')
    .argument('[service]', 'one service (e.g. backend-default, db, gateway); default: all, interleaved')
    .description('print the logs of an environment, with a coloured prefix per service')
    .addOption(profileOption())
    .addOption(envOption())
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('--since <when>', 'only lines since a duration ago (10m, 2h) or a date')
    .option('--tail <lines>', 'only the last lines of each service', wholeNumber('--tail'))
    .action(
      action(
        ctx,
        async (
          out,
          service: string | undefined,
          opts: EnvOpts & { follow?: boolean; since?: string; tail?: number },
        ) => {
          const { cluster, io } = await chooseRuntime(opts, ctx);
          if (cluster) return clusterLogsCommand(out, ctx, { cluster, io }, service, opts);
          const [{ logs }, { envNameFor }] = await Promise.all([
            import('../../runtime/compose/logs.js'),
            import('../../runtime/compose/up.js'),
          ]);
          const env = await envNameFor(opts, io);
          const colours = serviceColours(out.colors);
          const width = { n: 0 };
          await logs(
            {
              env,
              follow: opts.follow === true,
              ...(service && { service }),
              ...(opts.since && { since: opts.since }),
              ...(opts.tail !== undefined && { tail: opts.tail }),
            },
            {
              docker: await docker(ctx),
              signal: ctx.io.signal,
              onLine: ({ service: name, line, stream }) => {
                if (out.mode === 'json')
                  return void ctx.io.stdout.write(JSON.stringify({ service: name, stream, line }) + '\n');
                width.n = Math.max(width.n, name.length);
                const prefix = service ? '' : colours(name)(name.padEnd(width.n)) + ' | ';
                ctx.io.stdout.write(prefix + line + '\n');
              },
            },
          );
        },
      ),
    );

  const open = program
    .command('open')
    .description('print the URL of an environment; opens a browser when run in a terminal')
    .addOption(profileOption())
    .addOption(envOption())
    .action(
      action(ctx, async (out, opts: EnvOpts) => {
        const { cluster, io } = await chooseRuntime(opts, ctx);
        if (cluster) return clusterOpenCommand(out, ctx, { cluster, io }, opts);
        const [{ status }, { envNameFor }, { findBinary, run }] = await Promise.all([
          import('../../runtime/compose/status.js'),
          import('../../runtime/compose/up.js'),
          import('../../runtime/exec.js'),
        ]);
        const env = await envNameFor(opts, io);
        const result = await status(env, { docker: await docker(ctx) });
        if (!result.url)
          throw new OmrsError({
            code: 'ENV_NOT_RUNNING',
            message: `environment ${env} has no published gateway`,
            hint: `Start it with \`omrs up${opts.env ? ` --env ${opts.env}` : ''}\`.`,
          });
        out.result({ env, url: result.url }, () => result.url!);
        if (!ctx.io.stdout.isTTY || out.mode === 'json') return;
        const opener = (await findBinary('xdg-open', ctx.io.env)) ?? (await findBinary('open', ctx.io.env));
        if (opener) await run(opener, [result.url], { env: ctx.io.env, timeoutMs: 5000 });
      }),
    );

  for (const command of [up, down, status, logsCommand, open]) addClusterOptions(command);

  program
    .command('compose')
    .description('plain docker compose files from a profile')
    .command('export')
    .description('write compose/<profile>.yaml (and its config files) for `docker compose`')
    .addOption(profileOption())
    .addOption(envOption())
    .option('-o, --output <file>', 'the compose file to write (default: compose/<profile>.yaml)')
    .option(
      '--check',
      'write nothing: compare the export with the files on disk (exit 1 with the differences)',
    )
    .action(
      action(ctx, (out, opts: EnvOpts & { output?: string; check?: boolean }) =>
        composeExportCommand(out, ctx, opts),
      ),
    );
}

function renderUp(r: UpResult, c: Colors): string {
  const lines = [
    r.noop
      ? `${c.green('✔')} ${c.bold(r.env)} is up to date: nothing changed (${r.durationMs} ms)`
      : `${c.green('✔')} ${c.bold(r.env)} is up (${(r.durationMs / 1000).toFixed(1)} s): ${r.changes.length} change${r.changes.length === 1 ? '' : 's'}`,
  ];
  if (r.url) lines.push(`  ${c.dim('open:')}  ${c.cyan(r.url)}`);
  lines.push(`  ${c.dim('login:')} ${r.admin.user} / ${r.admin.password}`);
  return lines.join('\n');
}

function renderStatus(s: EnvStatus, c: Colors): string {
  if (!s.exists)
    return `environment ${c.bold(s.env)} is not running (no containers). Start it with \`omrs up\`.`;
  const runtime = (v: string): string => (v === 'ok' ? c.green(v) : v === 'error' ? c.red(v) : c.yellow(v));
  const health = (v: string): string =>
    v === 'healthy' ? c.green(v) : v === 'unhealthy' ? c.red(v) : c.dim(v);
  const rows = s.services.map((x) => [
    c.bold(x.name),
    runtime(x.runtime),
    health(x.health),
    String(x.restarts),
    x.exitCode !== undefined && x.runtime !== 'ok' ? String(x.exitCode) : '',
    x.ports.join(', '),
    c.dim(x.detail ?? ''),
  ]);
  return [
    `${c.bold(s.env)}${s.profile ? c.dim(` (profile ${s.profile})`) : ''}${s.url ? `  ${c.cyan(s.url)}` : ''}`,
    table(['SERVICE', 'RUNTIME', 'HEALTH', 'RESTARTS', 'EXIT', 'PORTS', 'DETAIL'], rows, c.dim),
  ].join('\n');
}

function serviceColours(c: Colors): (service: string) => (s: string) => string {
  const palette = [c.cyan, c.magenta, c.yellow, c.green, c.blue, c.red];
  const assigned = new Map<string, (s: string) => string>();
  return (service) => {
    let colour = assigned.get(service);
    if (!colour) {
      colour = palette[assigned.size % palette.length]!;
      assigned.set(service, colour);
    }
    return colour;
  };
}
