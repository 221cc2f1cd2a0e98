// The one interface every runtime implements (compose on Docker, kube on a cluster: kube, kind,
// minikube, eks). A command holds a Runtime from `selectRuntime` and calls it; it never asks which
// one it holds. Each operation answers ONE result shape whatever the runtime, so its text is
// written once; fields only one runtime has are optional and say where they come from.
import type { EventBus } from '../events/bus.js';
import type { EventSink, HealthState, RuntimeState } from '../events/types.js';
import type { ProfileDeps } from '../profile/index.js';
import type { RuntimeName } from '../profile/runtimes.js';
import type { MonitoringStatus } from './alerts.js';

/** The runtimes omrs runs on: the profile's list (`profile/runtimes.ts`). */
export type RuntimeKind = RuntimeName;
export type PullPolicy = 'never' | 'missing' | 'always';

/** Which environment a command means, and (on clusters) which context may be used for it. */
export interface RuntimeRequest {
  profile?: string;
  /** Default: the profile's name made DNS-safe (`envNameOf`). */
  env?: string;
  /** --runtime; default the profile's runtime. */
  runtime?: string;
  /** On a cluster: the Kubernetes context (it must be the one the profile names). */
  context?: string;
  /** A kubeconfig file (default: KUBECONFIG, else ~/.kube/config). */
  kubeconfig?: string;
  /** Confirms a production context without asking. */
  yes?: boolean;
}

/** What a runtime works with: the command's cwd and env, where to report, the stop signal, a person. */
export interface RuntimeDeps extends ProfileDeps {
  events: EventSink;
  signal: AbortSignal;
  /** Whether a person can be asked (a production context), with `confirm` to ask them. */
  interactive?: boolean;
  confirm?: (question: string) => Promise<string>;
}

export interface UpOptions {
  pull?: PullPolicy;
  /** Run the profile's seed step when it enables one (default true). */
  seed?: boolean;
}

export interface UpResult {
  env: string;
  runtime: RuntimeKind;
  profile: string;
  appDigest: string;
  /** Nothing changed: the environment already was what the profile says. */
  noop: boolean;
  changes: string[];
  durationMs: number;
  /** Where the gateway answers, when it is published (Docker); on a cluster `open` forwards one. */
  url?: string;
  gatewayPort?: number;
  /** Prometheus on this machine (compose, monitoring.enabled). */
  prometheusUrl?: string;
  /** The log store on this machine (compose, monitoring.logs). */
  logsUrl?: string;
  /** Grafana on this machine (compose, monitoring.grafana). */
  grafanaUrl?: string;
  admin?: { user: string; password: string };
  services?: { name: string; phase: string; ip?: string }[];
  /** What the seed step did, one line per tenant (absent when it did not run). */
  seeded?: string[];
  /** On a cluster: the context, namespace and helm release it runs in. */
  context?: string;
  namespace?: string;
  release?: string;
  revision?: number;
}

export interface DownResult {
  env: string;
  runtime: RuntimeKind;
  /** What was removed, for people ("3 containers", "release", "namespace omrs-dev"). */
  removed: string[];
  /** Volumes (Docker) or volume claims (cluster) kept for the next `up`. */
  kept: string[];
  context?: string;
  namespace?: string;
  /** On Docker: the objects removed. */
  containers?: string[];
  networks?: string[];
  volumes?: string[];
  keptVolumes?: string[];
  /** On a cluster. */
  uninstalled?: boolean;
  namespaceDeleted?: boolean;
  deletedPvcs?: string[];
  keptPvcs?: string[];
}

export interface ServiceStatus {
  name: string;
  /** container, Job, Deployment, StatefulSet. */
  kind: string;
  runtime: RuntimeState;
  health: HealthState;
  detail?: string;
  restarts?: number;
  exitCode?: number;
  ports?: string[];
  /** On Docker. */
  container?: string;
  role?: string;
  image?: string;
  state?: string;
  /** On a cluster. */
  component?: string;
  generation?: number;
}

export interface StatusResult {
  env: string;
  runtime: RuntimeKind;
  exists: boolean;
  profile?: string;
  appDigest?: string;
  url?: string;
  context?: string;
  namespace?: string;
  revision?: number;
  releaseStatus?: string;
  services: ServiceStatus[];
  /** With backups on: the schedule's last runs, and whether a scheduled one is missing. */
  backup?: {
    cronJob: string;
    schedule: string;
    suspended: boolean;
    lastSuccess?: string;
    lastRun?: { job: string; result: 'succeeded' | 'failed' | 'running'; at: string };
    stale: boolean;
    detail: string;
  };
  /** With monitoring on: the alerts its Prometheus has firing. */
  monitoring?: MonitoringStatus;
  /** The log store on this machine (compose, monitoring.logs). */
  logsUrl?: string;
  /** Grafana on this machine (compose, monitoring.grafana). */
  grafanaUrl?: string;
  /** On a cluster: the log store its environments share (monitoring.logs), and what keeps it from running. */
  logStore?: { namespace: string; problem?: string };
  /** On a cluster: workloads of the release deleted or scaled by hand since its last rollout. */
  drift?: string[];
  /** The profile's openmrs.globalProperties as each healthy tenant's database holds them. */
  globalProperties?: {
    tenant: string;
    applied: number;
    differ: string[];
    missing: string[];
    error?: string;
  }[];
}

export interface LogsOptions {
  service?: string;
  follow?: boolean;
  /** "10m", "30s", "2h" or a date. */
  since?: string;
  tail?: number;
}

export interface LogLine {
  service: string;
  /** A sidecar's name (the gateway's exporter); absent for the service's main container. */
  container?: string;
  line: string;
  stream?: 'stdout' | 'stderr';
}

/** A log line as the live dashboard's log pane shows it: a sidecar's lines prefixed with its name. */
export const paneLine = ({ container, line }: Pick<LogLine, 'container' | 'line'>): string =>
  container ? `[${container}] ${line}` : line;

export interface LogsSink {
  onLine(line: LogLine): void;
  /** A source whose log could not be read (a pod the API server refused), while the others go on. */
  onNote?(message: string): void;
}

export interface LogsResult {
  /** The services whose logs were read. */
  services: string[];
}

/** What `omrs open` opens. */
export const OPEN_TARGETS = ['gateway', 'prometheus', 'logs', 'grafana'] as const;
export type OpenTarget = (typeof OPEN_TARGETS)[number];

/** The URL of an environment; on a cluster a port-forward that lives until `close`. */
export interface OpenHandle {
  env: string;
  url: string;
  /** Forwarding through this process: the URL works until `close` (Ctrl-C). */
  forwarding: boolean;
  port?: number;
  pod?: string;
  close(): Promise<void>;
}

export interface RestartOptions {
  service: string;
  /** The kind the resource events carry (what `up` called the service). */
  kind?: string;
  /** How long to wait for readiness after the restart (default 2 minutes). */
  timeoutMs?: number;
}

export interface RestartResult {
  env: string;
  service: string;
  ready: boolean;
  /** The last readiness detail, or why it is not ready. */
  detail: string;
  durationMs: number;
}

/** A tenant database reachable from this machine (through a port-forward on clusters). */
export interface SeedTarget {
  url: string;
  tenant: string;
  /** Ends what reaching the database needed; idempotent. */
  release(): Promise<void>;
}

/** What the live dashboard opens: the gateway (key o) or Grafana (key g). */
export type DashboardOpenTarget = Extract<OpenTarget, 'gateway' | 'grafana'>;

/** What the dashboard needs from a runtime; it reports through the bus the dashboard folds. */
export interface DashboardSource {
  env: string;
  /**
   * Emits the current state of every service as resource events; answers whether the env exists,
   * and with monitoring on, the alerts its Prometheus has firing.
   */
  refresh(): Promise<{ exists: boolean; url?: string; monitoring?: MonitoringStatus }>;
  /** Follows one service's log (starting with its last lines) until the signal aborts. */
  followLogs(service: string, signal: AbortSignal, onLine: (line: string) => void): Promise<void>;
  /** Restarts a service and waits until it is healthy again; answers with a one-line result. */
  restart(service: string): Promise<string>;
  seed(): Promise<string>;
  /** Stops the environment, keeping its volumes. */
  down(): Promise<string>;
  /** The gateway's URL (or Grafana's), opened in a browser where one can be. */
  open(what?: DashboardOpenTarget): Promise<string>;
  /** Releases what the source holds (timers, connections). */
  close?(): void;
}

export interface DashboardOptions {
  /** Where the source reports: the bus the dashboard's store folds. */
  bus: EventBus;
  /** The profile to seed with (Docker); default the environment's profile label. */
  profile?: string;
  /** On a cluster: the namespace the environment was listed in, when it is known. */
  namespace?: string;
}

/** What `omrs destroy` would remove: everything that carries the environment's label. */
export interface DestroyScope {
  env: string;
  runtime: RuntimeKind;
  context?: string;
  /** For people: "container omrs-dev-db-1", "namespace omrs-pk-green (release omrs-pk, 2 volume claims)". */
  objects: string[];
  /** The bundled databases a final snapshot is taken of (where: a namespace, or the Docker env). */
  databases: { where: string; tenants: string[]; running: boolean }[];
  /** What destroy leaves alone although the environment uses it (an external database). */
  kept: string[];
}

/** A dump the backup CronJob wrote: `/backup/<tenant>/<id>.sql.gz` on its claim. */
export interface BackupFile {
  tenant: string;
  id: string;
  bytes: number;
}

/** One run of the backup schedule asked for by `omrs db backup`, and the dumps it wrote. */
export interface BackupRun {
  /** The Job's name on a cluster, the run's id on Docker. */
  run: string;
  result: 'succeeded' | 'failed';
  at: string;
  files: BackupFile[];
}

/** One tenant database's final snapshot (a `.sql.gz` that `omrs db restore <name>` reads). */
export interface FinalSnapshot {
  where: string;
  tenant: string;
  name: string;
  file: string;
  bytes: number;
}

export interface Runtime {
  readonly kind: RuntimeKind;
  up(options: UpOptions): Promise<UpResult>;
  down(options: { volumes?: boolean }): Promise<DownResult>;
  status(): Promise<StatusResult>;
  logs(options: LogsOptions, sink: LogsSink): Promise<LogsResult>;
  /** The gateway's URL (the default), or Prometheus's (monitoring.enabled). */
  open(options?: { target?: OpenTarget }): Promise<OpenHandle>;
  restart(options: RestartOptions): Promise<RestartResult>;
  seedTarget(options: { tenant?: string }): Promise<SeedTarget>;
  dashboardSource(options: DashboardOptions): Promise<DashboardSource>;
  destroyScope(): Promise<DestroyScope>;
  /** The dumps the backup CronJob wrote on the backup volume, newest first. */
  backups(): Promise<BackupFile[]>;
  /** A backup run now, from the backup CronJob's own spec; waits until it ends. */
  runBackup(options: { timeoutMs: number }): Promise<BackupRun>;
  /** Copies backup `id` (of `tenant`, or of its one tenant) to a file on this machine; answers which. */
  fetchBackup(id: string, tenant: string | undefined, file: string): Promise<BackupFile>;
  /** Dumps each running database of the scope, one snapshot `<name>-<where>` per place. */
  finalSnapshot(scope: DestroyScope, name: string): Promise<FinalSnapshot[]>;
  /** Removes everything in the scope, volumes included. */
  destroy(scope: DestroyScope): Promise<DownResult>;
}
