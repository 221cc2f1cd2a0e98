// The runtime commands: up, down, status, logs, open, compose export. Each parses its flags,
// selects the Runtime the profile (or --runtime) names, calls one of its methods and hands the
// result to the output; none of them asks which runtime it holds.
import type { Command } from 'commander';
import { Argument, Option } from 'commander';
import { ExitCode } from '../../errors.js';
import { OPEN_TARGETS, type OpenTarget } from '../../runtime/runtime.js';
import { wholeNumber } from '../arguments.js';
import { action, throwIfInterrupted, type CliContext } from '../context.js';
import { envOption, profileOption } from '../options.js';
import { composeExportCommand } from './compose-export.js';
import { addClusterOptions, runtimeOf, type RuntimeOpts } from './cluster-runtime.js';
import { downText, openText, serviceColours, statusText, upText } from './runtime-text.js';

type EnvOpts = RuntimeOpts;

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
          const runtime = await runtimeOf(opts, out, ctx);
          // In a terminal, the live dashboard follows `up` (it records the steps from the start); -d returns.
          const dashboard =
            out.mode === 'ink' && !opts.detach
              ? (await import('../../ui/dashboard/run.js')).recordDashboard(out.events)
              : undefined;
          await out.startProgress(`omrs up ${opts.env ?? opts.profile ?? ''}`.trim());
          const result = await runtime.up({ pull: opts.pull, seed: opts.seed });
          throwIfInterrupted(ctx, 'up');
          await out.close();
          out.result(result, (c) => upText(result, c));
          if (!dashboard) return;
          const source = await runtime.dashboardSource({ bus: out.events });
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
        const runtime = await runtimeOf(opts, out, ctx);
        await out.startProgress(`omrs down ${opts.env ?? opts.profile ?? ''}`.trim());
        const result = await runtime.down({ volumes: opts.volumes === true });
        throwIfInterrupted(ctx, 'down');
        await out.close();
        out.result(result, (c) => downText(result, c));
      }),
    );

  const status = program
    .command('status')
    .description('the services of an environment: running, healthy, restarts, ports')
    .addOption(profileOption())
    .addOption(envOption())
    .action(
      action(ctx, async (out, opts: EnvOpts) => {
        const runtime = await runtimeOf(opts, out, ctx);
        const result = await runtime.status();
        // The profile named, else the one the environment was made from (its label), when it opens.
        const profile = opts.profile ?? result.profile;
        const wanted = result.exists && profile ? await profileGlobalProperties(profile, ctx) : {};
        if (Object.keys(wanted).length > 0) {
          const { appliedGlobalProperties } = await import('../../runtime/applied-properties.js');
          result.globalProperties = await appliedGlobalProperties(runtime, result, wanted);
        }
        out.result(result, (c) => statusText(result, c));
        return result.services.some((s) => s.runtime === 'error') ? ExitCode.failed : ExitCode.ok;
      }),
    );

  const logsCommand = program
    .command('logs')
    .argument('[service]', 'one service (e.g. backend-default, db, gateway); default: all, interleaved')
    .description(
      "print the logs of an environment, with a coloured prefix per service; a sidecar's lines are named after their service (gateway/exporter)",
    )
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
          const runtime = await runtimeOf(opts, out, ctx);
          const colours = serviceColours(out.colors);
          await runtime.logs(
            {
              follow: opts.follow === true,
              ...(service && { service }),
              ...(opts.since && { since: opts.since }),
              ...(opts.tail !== undefined && { tail: opts.tail }),
            },
            {
              onLine: ({ service: name, container, line, stream }) => {
                if (out.mode === 'json')
                  return void ctx.io.stdout.write(
                    JSON.stringify({ service: name, ...(container && { container }), stream, line }) + '\n',
                  );
                // A sidecar's lines name it after its service's: gateway/exporter.
                const source = container ? `${name}/${container}` : name;
                const prefix = service && !container ? '' : colours(name)(source) + ' | ';
                ctx.io.stdout.write(prefix + line + '\n');
              },
              onNote: (message) => out.note(message),
            },
          );
        },
      ),
    );

  const open = program
    .command('open')
    .description('print the URL of an environment; opens a browser when run in a terminal')
    .addArgument(
      new Argument(
        '[target]',
        'what to open: the gateway, Prometheus (monitoring.enabled), the log store (monitoring.logs; on a cluster, the store its environments share in namespace omrs-monitoring), or Grafana with the OpenMRS dashboards (monitoring.grafana)',
      )
        .choices(OPEN_TARGETS)
        .default('gateway'),
    )
    .addOption(profileOption())
    .addOption(envOption())
    .action(
      action(ctx, async (out, target: OpenTarget, opts: EnvOpts) => {
        const runtime = await runtimeOf(opts, out, ctx);
        // A forwarded connection that fails (nothing listens in the pod…) is reported; the others go on.
        out.events.subscribe((e) => {
          if (e.type === 'warning') out.note(e.message);
        });
        const handle = await runtime.open({ target });
        const { env, url, port, pod } = handle;
        out.result({ env, url, ...(port !== undefined && { port }), ...(pod && { pod }) }, (c) =>
          openText(handle, c),
        );
        if (ctx.io.stdout.isTTY && out.mode !== 'json') {
          const { openInBrowser } = await import('../../runtime/dashboard-common.js');
          await openInBrowser(url, ctx.io.env);
        }
        if (handle.forwarding) await untilAborted(ctx.io.signal);
        await handle.close();
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

/** The profile's openmrs.globalProperties; none when the profile cannot be opened (status still answers). */
async function profileGlobalProperties(
  profile: string | undefined,
  ctx: CliContext,
): Promise<Record<string, string>> {
  const { openProfile } = await import('../../profile/index.js');
  return openProfile(profile, ctx.io).then(
    (opened) => opened.profile.openmrs.globalProperties,
    () => ({}),
  );
}

/** Resolves when the command is interrupted (Ctrl-C): how long a port-forward lives. */
const untilAborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) =>
    signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }),
  );
