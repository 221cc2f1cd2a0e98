// What the shell can do, as one port: each method is the use case its plain command calls (the
// CLI wires them in src/cli/shell-actions.ts), so an action taken here and the same command typed
// in a terminal run the same code. Every method reports through `events`, stops on `signal`, and
// throws OmrsError (message + hint) for the shell to show in place.
import type { CheckReport, RuleMeta } from '../../checks/types.js';
import type { EventBus } from '../../events/bus.js';
import type { DiffReport } from '../../profile/index.js';
import type { PromoteReview } from '../../promote/common.js';
import type { LockedImage } from '../../promote/lock.js';
import type { DashboardSource } from '../dashboard/source.js';
import type { DataAction } from './data-menu.js';
import type { EnvironmentSummary, ShownProfile } from './types.js';

export interface ActionDeps {
  /** The bus the action's progress view (and, after `up`, the dashboard) folds. */
  events: EventBus;
  /** Esc or Ctrl-C in the shell aborts it; so does the process being interrupted. */
  signal: AbortSignal;
  /** Asks a person to type a line (the production guard's confirmation), in place. */
  confirm(question: string): Promise<string>;
}

/** Where `u` can start a profile: a runtime, and on a cluster one context of the kubeconfig. */
export interface RuntimeOption {
  runtime: string;
  context?: string;
  /** What the picker shows beside it ("Docker on this machine", "the profile's context"). */
  note: string;
  /** The profile's own runtime (and context): where `omrs up` would start it. */
  preferred?: boolean;
  /** A context the profile does not name: typing the environment's name confirms it. */
  confirmName?: string;
}

export interface StartChoices {
  profile: string;
  /** The environment `up` starts (the profile's name made DNS-safe). */
  env: string;
  options: RuntimeOption[];
  /** Why some options are missing (no kubeconfig…). */
  notes: string[];
}

export interface Started {
  /** The one-line result `omrs up` prints. */
  line: string;
  url?: string;
  /** The environment's dashboard, reporting to the same bus as `up`. */
  source: DashboardSource;
}

export interface CreateRequest {
  profile: string;
  ttl: string;
  runtime: string;
  /** Load the databases from this snapshot instead of seeding (`--from-snapshot`). */
  fromSnapshot?: string;
}

/** A QA record `p` offers: what `omrs promote record` wrote, with the image digests QA tested. */
export interface QaRecordChoice {
  file: string;
  profile: string;
  appDigest: string;
  testedAt: string;
  result: 'passed' | 'failed';
  /** The images QA tested, with their digests. */
  images?: LockedImage[];
}

export interface PromoteChoices {
  profile: string;
  /** The target profile's app digest: a record naming it is the app QA tested. */
  appDigest: string;
  /** The QA records found in the project folder and the profiles folder, newest first. */
  records: QaRecordChoice[];
  /** Production profiles refuse a promotion without a QA record. */
  recordRequired: boolean;
  /**
   * The context the profile names: the wizard shows it and passes it as `--context` (a production
   * profile is never promoted on the current context alone); the typed name confirms it.
   */
  context?: string;
}

export interface PromoteAsk {
  profile: string;
  /** The QA record file (`--approve-record`); none for a profile that does not need one. */
  record?: string;
  /** The smoke test's URL (`--smoke-url`); absent: promote port-forwards to the idle colour's gateway. */
  smokeUrl?: string;
  context?: string;
}

export interface PromoteDepsOfShell extends ActionDeps {
  /** Pages through what promote read (identity, gate, plan) before it asks for the typed name. */
  review(review: PromoteReview): Promise<void>;
}

export interface ShellActions {
  startChoices(profile: string): Promise<StartChoices>;
  /** `omrs up --profile p --runtime r [--context c]`. */
  up(profile: string, option: RuntimeOption, deps: ActionDeps): Promise<Started>;
  /** `omrs down` of a listed environment (volumes kept). */
  down(env: EnvironmentSummary, deps: ActionDeps): Promise<string>;
  /** `omrs env create --profile p --ttl t --runtime r`. */
  createEnv(request: CreateRequest, deps: ActionDeps): Promise<string>;
  /** The snapshots `n` offers instead of seeding (`omrs db snapshot` wrote them under the project). */
  snapshotNames(): Promise<string[]>;
  /** `omrs env extend <name> --ttl t`. */
  extendEnv(env: EnvironmentSummary, ttl: string, deps: ActionDeps): Promise<string>;
  /** `omrs env rm <name>`. */
  removeEnv(env: EnvironmentSummary, deps: ActionDeps): Promise<string>;
  /** `omrs env gc`. */
  gcEnvs(deps: ActionDeps): Promise<string>;
  /** `omrs destroy` of a listed environment: asks for its name typed (deps.confirm), snapshots, removes. */
  destroyEnv(env: EnvironmentSummary, deps: ActionDeps): Promise<string>;
  /** `omrs check --profile p`: the report; the gate's verdict is `passed`. */
  check(profile: string, deps: ActionDeps): Promise<CheckReport>;
  /** `omrs check --explain <rule>`. */
  explainRule(rule: string): Promise<RuleMeta>;
  /** `omrs profile show <p> --origins`. */
  showProfile(profile: string): Promise<ShownProfile>;
  /** `omrs profile diff <a> <b>`. */
  diffProfiles(a: string, b: string): Promise<DiffReport>;
  /** `omrs seed --env e --size s`, `omrs db snapshot|restore <name> --env e`, `omrs seed --purge --env e`. */
  data(env: EnvironmentSummary, action: DataAction, deps: ActionDeps): Promise<string>;
  /** What `p` offers for a profile: its app digest and the QA records to promote it with. */
  promoteChoices(profile: string): Promise<PromoteChoices>;
  /** `omrs promote --profile p --approve-record r --smoke-url u`: the result line. */
  promote(ask: PromoteAsk, deps: PromoteDepsOfShell): Promise<string>;
  /** `omrs rollback --profile p --context <the profile's>`: the result line. */
  rollback(profile: string, deps: ActionDeps): Promise<string>;
}

/** The runtimes `n` offers for a disposable environment, as `omrs env create --runtime` takes them. */
export const CREATE_RUNTIMES = ['compose', 'kube', 'kind', 'minikube'] as const;
