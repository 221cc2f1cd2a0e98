// Which Kubernetes context omrs may act on. Decided from the profile, the flags and the kubeconfig
// file alone, BEFORE any API call: a wrong context is refused without a single request.
//
//  - the profile names a context (cluster.context): that one, and --context must match it;
//  - kind / minikube: the context their provider creates (kind-<name>, the minikube profile);
//  - runtime kube, profile names none, not prod-level: --context, else the current context;
//  - prod-level (checks.level prod, or runtime eks): --context <name> matching the profile's
//    context, then a typed confirmation in a terminal or --yes in CI.
import { ExitCode, OmrsError } from '../../errors.js';
import type { Profile } from '../../profile/schema.js';

export interface GuardInput {
  profile: Pick<Profile, 'runtime' | 'checks'> & {
    cluster: Pick<Profile['cluster'], 'context' | 'kind' | 'minikube'>;
  };
  /** The runtime actually used (a --runtime flag wins over the profile's). */
  runtime: string;
  /** --context */
  flag?: string;
  /** Context names in the kubeconfig, and its current-context. */
  contexts: string[];
  current?: string;
  yes?: boolean;
  interactive?: boolean;
  /** Asks the user to type the context name; returns what they typed. */
  confirm?: (question: string) => Promise<string>;
  /** What is about to happen, for the confirmation question ("upgrade release x"). */
  action?: string;
}

export interface GuardDecision {
  context: string;
  prod: boolean;
  /** Where the choice came from, for messages. */
  source: 'profile' | 'provider' | 'flag' | 'current';
}

export const isProdProfile = (p: GuardInput['profile'], runtime: string): boolean =>
  p.checks.level === 'prod' || runtime === 'eks' || p.runtime === 'eks';

/** The context a cluster provider creates for a profile: kind-<name>, or the minikube profile. */
export function providerContext(p: GuardInput['profile'], runtime: string): string | undefined {
  if (runtime === 'kind') return `kind-${p.cluster.kind?.name ?? 'omrs'}`;
  if (runtime === 'minikube') return p.cluster.minikube?.profile ?? 'omrs';
  return undefined;
}

export async function guardContext(input: GuardInput): Promise<GuardDecision> {
  const prod = isProdProfile(input.profile, input.runtime);
  const named = input.profile.cluster.context;
  const provider = providerContext(input.profile, input.runtime);
  const expected = named ?? provider;

  if (input.flag !== undefined && expected !== undefined && input.flag !== expected)
    throw new OmrsError({
      code: 'KUBE_CONTEXT_MISMATCH',
      message: `--context ${input.flag} does not match the context of the profile: ${expected}`,
      exitCode: ExitCode.usage,
      hint: `omrs acts only on the context the profile names. Use --context ${expected}, or change cluster.context in the profile.`,
    });

  let decision: GuardDecision;
  if (prod) {
    if (!named)
      throw new OmrsError({
        code: 'KUBE_CONTEXT_REQUIRED',
        message: 'a production profile must name its Kubernetes context (cluster.context), and it names none',
        exitCode: ExitCode.prerequisite,
        hint: 'Set cluster.context in the profile to the exact context name of the production cluster.',
      });
    if (input.flag === undefined)
      throw new OmrsError({
        code: 'KUBE_CONTEXT_FLAG_REQUIRED',
        message: `this is a production profile: pass --context ${named} to act on it`,
        exitCode: ExitCode.usage,
        hint: 'Production is never touched on the current context alone: name it on the command line.',
      });
    decision = { context: named, prod, source: 'profile' };
  } else if (expected) decision = { context: expected, prod, source: named ? 'profile' : 'provider' };
  else if (input.flag !== undefined) decision = { context: input.flag, prod, source: 'flag' };
  else if (input.current) decision = { context: input.current, prod, source: 'current' };
  else
    throw new OmrsError({
      code: 'KUBE_NO_CONTEXT',
      message: 'the kubeconfig has no current context and the profile names none',
      exitCode: ExitCode.prerequisite,
      hint: 'Pass --context <name>, set cluster.context in the profile, or `kubectl config use-context <name>`.',
    });

  if (!input.contexts.includes(decision.context))
    throw new OmrsError({
      code: 'KUBE_CONTEXT_NOT_FOUND',
      message: `context ${decision.context} is not in the kubeconfig (it has: ${input.contexts.join(', ') || 'none'})`,
      exitCode: ExitCode.prerequisite,
      hint:
        decision.source === 'provider'
          ? `Create the cluster first: omrs creates it with --runtime ${input.runtime}.`
          : 'Log in to that cluster (e.g. `aws eks update-kubeconfig`), or point KUBECONFIG at the right file.',
    });

  if (prod && input.yes !== true) {
    if (!input.interactive || !input.confirm)
      throw new OmrsError({
        code: 'KUBE_CONFIRMATION_REQUIRED',
        message: `production context ${decision.context}: confirmation needed, and there is no terminal to ask in`,
        exitCode: ExitCode.usage,
        hint: `In CI pass --yes together with --context ${decision.context}.`,
      });
    const typed = (
      await input.confirm(
        `${input.action ?? 'Act'} on production context ${decision.context}? Type the context name to confirm: `,
      )
    ).trim();
    if (typed !== decision.context)
      throw new OmrsError({
        code: 'KUBE_NOT_CONFIRMED',
        message: `not confirmed: "${typed}" is not ${decision.context}; nothing was done`,
        exitCode: ExitCode.usage,
      });
  }
  return decision;
}
