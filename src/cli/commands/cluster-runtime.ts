// What every runtime command (up, down, status, logs, open, seed --env, db --env) shares: the
// flags that name an environment and where it runs, and the Runtime they select.
import type { Command } from 'commander';
import { contextOption, kubeconfigOption, runtimeOption } from '../options.js';
import type { Runtime, RuntimeDeps, RuntimeRequest } from '../../runtime/runtime.js';
import type { Output } from '../../ui/output.js';
import type { CliContext } from '../context.js';
import { askLine, canAsk } from '../../ui/prompt.js';

/** The flags of a runtime command that name the environment and where it runs. */
export type RuntimeOpts = RuntimeRequest;

/** The options every runtime command takes for clusters. */
export function addClusterOptions(command: Command): Command {
  return command
    .addOption(runtimeOption())
    .addOption(contextOption())
    .addOption(kubeconfigOption())
    .option('-y, --yes', 'confirm a production context without a prompt (CI)');
}

/** What a runtime needs from a command: its cwd and env, events, the stop signal, a way to ask a person. */
export function runtimeDeps(out: Output, ctx: CliContext): RuntimeDeps {
  return {
    cwd: ctx.io.cwd,
    env: ctx.io.env,
    events: out.events,
    signal: ctx.io.signal,
    interactive: canAsk(ctx.io),
    confirm: (question: string) => askLine(ctx.io, question),
  };
}

/** The Runtime of the environment the flags name: --runtime, else the profile's. */
export async function runtimeOf(opts: RuntimeOpts, out: Output, ctx: CliContext): Promise<Runtime> {
  const { selectRuntime } = await import('../../runtime/select.js');
  return selectRuntime(
    {
      ...(opts.profile && { profile: opts.profile }),
      ...(opts.env && { env: opts.env }),
      ...(opts.runtime && { runtime: opts.runtime }),
      ...(opts.context && { context: opts.context }),
      ...(opts.kubeconfig && { kubeconfig: opts.kubeconfig }),
      ...(opts.yes && { yes: true }),
    },
    runtimeDeps(out, ctx),
  );
}
