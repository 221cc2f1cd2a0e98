// The runtime commands (up, down, status, logs, open) on a Kubernetes cluster: kube, kind,
// minikube, eks. up.ts asks `chooseRuntime()` first and hands over when the answer is a cluster.
import { nonEmpty } from '../arguments.js';
import { Option, type Command } from 'commander';
import { ExitCode, OmrsError } from '../../errors.js';
import { table } from '../../ui/format.js';
import type { Output } from '../../ui/output.js';
import type { ProfileDeps } from '../../profile/index.js';
import { throwIfInterrupted, type CliContext } from '../context.js';
import { askLine, canAsk } from '../../ui/prompt.js';

export interface ClusterOpts {
  profile?: string;
  env?: string;
  runtime?: string;
  context?: string;
  kubeconfig?: string;
  yes?: boolean;
}

/** The options every runtime command takes for clusters. */
export function addClusterOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--runtime <runtime>', "where it runs (default: the profile's runtime)").choices([
        'compose',
        'kube',
        'kind',
        'minikube',
        'eks',
      ]),
    )
    .option(
      '--context <name>',
      'Kubernetes context; must be the one the profile names',
      nonEmpty('--context', "leave --context out for the profile's context"),
    )
    .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, else ~/.kube/config)')
    .option('-y, --yes', 'confirm a production context without a prompt (CI)');
}

export interface RuntimeChoice {
  /** kube, kind, minikube or eks; undefined for Docker (compose). */
  cluster?: string;
  /** The command's cwd and env, with the profile when choosing opened it (then not read again). */
  io: ProfileDeps;
}
export type ClusterChoice = Required<RuntimeChoice>;

/** The runtime the command should use: --runtime, else the profile's. */
export async function chooseRuntime(opts: ClusterOpts, ctx: CliContext): Promise<RuntimeChoice> {
  const { runtimeFor, isClusterRuntime } = await import('../../runtime/select.js');
  const { runtime, opened } = await runtimeFor(opts.runtime, opts.profile, ctx.io);
  const io = { cwd: ctx.io.cwd, env: ctx.io.env, ...(opened && { opened }) };
  return isClusterRuntime(runtime) ? { cluster: runtime, io } : { io };
}

function request(runtime: string, opts: ClusterOpts) {
  return {
    runtime,
    ...(opts.profile && { profile: opts.profile }),
    ...(opts.env && { env: opts.env }),
    ...(opts.context && { context: opts.context }),
    ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
    ...(opts.yes && { yes: true }),
  };
}

/** What the kube runtime needs from a command: its io, events, and a way to ask a person. */
export function clusterDeps(out: Output, ctx: CliContext, io: ProfileDeps = ctx.io) {
  return {
    cwd: io.cwd,
    env: io.env,
    ...(io.opened && { opened: io.opened }),
    events: out.events,
    signal: ctx.io.signal,
    interactive: canAsk(ctx.io),
    confirm: (question: string) => askLine(ctx.io, question),
  };
}

export async function clusterUpCommand(
  out: Output,
  ctx: CliContext,
  { cluster: runtime, io }: ClusterChoice,
  opts: ClusterOpts & { detach?: boolean; seed?: boolean },
): Promise<number | void> {
  const { clusterTarget, clusterUp } = await import('../../runtime/select.js');
  // In a terminal, the live dashboard follows `up` (it records the steps from the start); -d returns.
  const dashboard =
    out.mode === 'ink' && !opts.detach
      ? (await import('../../ui/dashboard/run.js')).recordDashboard(out.events)
      : undefined;
  await out.startProgress(`omrs up ${opts.env ?? opts.profile ?? ''}`.trim());
  const [up, kube] = [{ ...request(runtime, opts), seed: opts.seed !== false }, clusterDeps(out, ctx, io)];
  const target = await clusterTarget(up, kube, 'upgrade');
  const r = await clusterUp(up, kube, target);
  throwIfInterrupted(ctx, 'up');
  await out.close();
  out.result(r, (c) =>
    [
      r.noop
        ? `${c.green('✔')} ${c.bold(r.env)} is up to date: nothing to do (${r.durationMs} ms)`
        : `${c.green('✔')} ${c.bold(r.env)} is up on ${r.context} (namespace ${r.namespace}, revision ${r.revision}, ${(r.durationMs / 1000).toFixed(1)} s)\n  ${c.dim(`omrs open --runtime ${runtime}${opts.env ? ` --env ${opts.env}` : ''}`)} forwards the gateway to 127.0.0.1`,
      ...(r.seeded ?? []).map((line) => `  ${c.dim('seed')} ${line}`),
    ].join('\n'),
  );
  if (!dashboard) return;
  const { kubeSource } = await import('../../ui/dashboard/kube-source.js');
  const source = kubeSource({
    target,
    bus: out.events,
    env: ctx.io.env,
    cwd: ctx.io.cwd,
    signal: ctx.io.signal,
  });
  return dashboard.open({ io: ctx.io, source });
}

export async function clusterDownCommand(
  out: Output,
  ctx: CliContext,
  { cluster: runtime, io }: ClusterChoice,
  opts: ClusterOpts & { volumes?: boolean },
): Promise<void> {
  const { clusterDown } = await import('../../runtime/select.js');
  await out.startProgress('omrs down');
  const r = await clusterDown(
    { ...request(runtime, opts), ...(opts.volumes && { volumes: true }) },
    clusterDeps(out, ctx, io),
  );
  await out.close();
  out.result(r, (c) =>
    [
      `${c.green('✔')} ${c.bold(r.env)} is down on ${r.context}${r.uninstalled ? '' : ' (nothing was installed)'}${r.namespaceDeleted ? `; namespace ${r.namespace} deleted` : ''}`,
      ...(r.keptPvcs.length
        ? [c.dim(`  kept volume claims: ${r.keptPvcs.join(', ')} (remove them with --volumes)`)]
        : []),
    ].join('\n'),
  );
}

export async function clusterStatusCommand(
  out: Output,
  ctx: CliContext,
  { cluster: runtime, io }: ClusterChoice,
  opts: ClusterOpts,
): Promise<number> {
  const { clusterStatus } = await import('../../runtime/select.js');
  const s = await clusterStatus(request(runtime, opts), clusterDeps(out, ctx, io));
  out.result(s, (c) => {
    if (!s.exists)
      return `environment ${c.bold(s.env)} is not installed in ${s.namespace} on ${s.context}. Start it with \`omrs up --runtime ${runtime}\`.`;
    const rows = s.services.map((x) => [c.bold(x.name), x.kind, x.runtime, x.health, c.dim(x.detail ?? '')]);
    return [
      `${c.bold(s.env)} ${c.dim(`namespace ${s.namespace} on ${s.context}, revision ${s.revision ?? '?'} (${s.releaseStatus ?? 'unknown'})`)}`,
      table(['SERVICE', 'KIND', 'RUNTIME', 'HEALTH', 'DETAIL'], rows, c.dim),
    ].join('\n');
  });
  return s.services.some((x) => x.runtime === 'error') ? 1 : 0;
}

export async function clusterLogsCommand(
  out: Output,
  ctx: CliContext,
  { cluster: runtime, io }: ClusterChoice,
  service: string | undefined,
  opts: ClusterOpts & { follow?: boolean; tail?: number; since?: string },
): Promise<void> {
  const { clusterLogs } = await import('../../runtime/select.js');
  const result = await clusterLogs(
    {
      ...request(runtime, opts),
      ...(service && { service }),
      ...(opts.follow && { follow: true }),
      ...(opts.tail !== undefined && { tail: opts.tail }),
      ...(opts.since && { since: opts.since }),
    },
    {
      ...clusterDeps(out, ctx, io),
      onLine: ({ service: name, line }) =>
        ctx.io.stdout.write(
          out.mode === 'json'
            ? JSON.stringify({ service: name, line }) + '\n'
            : `${service ? '' : out.colors.cyan(name) + ' | '}${line}\n`,
        ),
    },
  );
  const env = opts.env ?? 'the environment';
  if (result.pods.length === 0)
    throw result.services.length === 0
      ? new OmrsError({
          code: 'ENV_NOT_FOUND',
          message: `${env} has no pods`,
          exitCode: ExitCode.failed,
          hint: `Start it with \`omrs up --runtime ${runtime}\`; \`omrs status --runtime ${runtime}\` lists what runs.`,
        })
      : new OmrsError({
          code: 'SERVICE_NOT_FOUND',
          message: `${env} has no service "${service}"`,
          exitCode: ExitCode.usage,
          hint: `Services: ${result.services.join(', ')}.`,
        });
  for (const { pod, reason } of result.unavailable) out.note(`no log from pod ${pod}: ${reason}`);
  if (result.unavailable.length === result.pods.length && !ctx.io.signal.aborted)
    throw new OmrsError({
      code: 'LOGS_UNAVAILABLE',
      message: `no log could be read from ${result.pods.length === 1 ? 'the pod' : `any of the ${result.pods.length} pods`}`,
      exitCode: ExitCode.failed,
      hint: 'The reasons above come from the API server; `omrs status` shows whether the pods run.',
    });
}

/** Forwards a local port to the gateway until Ctrl-C. */
export async function clusterOpenCommand(
  out: Output,
  ctx: CliContext,
  { cluster: runtime, io }: ClusterChoice,
  opts: ClusterOpts,
): Promise<void> {
  const { clusterOpen } = await import('../../runtime/select.js');
  // A connection that fails (nothing listens in the pod…) is reported here; the others go on.
  out.events.subscribe((e) => {
    if (e.type === 'warning') out.note(e.message);
  });
  const handle = await clusterOpen(request(runtime, opts), clusterDeps(out, ctx, io));
  out.result(
    { url: handle.url, port: handle.port, pod: handle.pod },
    (c) => `${c.cyan(handle.url)} ${c.dim(`→ ${handle.pod} (Ctrl-C stops forwarding)`)}`,
  );
  await new Promise<void>((resolve) =>
    ctx.io.signal.aborted
      ? resolve()
      : ctx.io.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  await handle.close();
}
