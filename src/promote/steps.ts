// The named steps of `omrs promote`, in the order promote() runs them: lock, render the idle colour,
// check gate, plan; then (after the confirmation) snapshot, terraform, deploy, smoke test, switch,
// record. Each step is one event-bus step; the ones after the confirmation run `guarded`, so a
// failure names the step it happened in.
import { ExitCode, OmrsError } from '../errors.js';
import { step } from '../events/bus.js';
import type { EventSink } from '../events/types.js';
import type { CheckReport } from '../checks/types.js';
import { diffProfiles } from '../profile/diff.js';
import { openProfile, type OpenedProfile } from '../profile/index.js';
import type { Profile } from '../profile/schema.js';
import { maskSecrets } from '../profile/show.js';
import { findHelm } from '../render/helm.js';
import { renderProfile, type Rendered } from '../render/index.js';
import { resolveDigests } from '../render/image-digests.js';
import { clusterMonitoringImages, profileImages, toolImages } from '../render/values.js';
import type { KubeClient } from '../runtime/kube/client.js';
import {
  clusterMonitoringChange,
  ensureClusterMonitoring,
  MONITORING_NAMESPACE,
  MONITORING_RELEASE,
} from '../runtime/kube/cluster-monitoring.js';
import { namespaceLabels } from '../runtime/kube/labels.js';
import { helmHistory, helmUninstall, type HelmTarget } from '../runtime/kube/helm.js';
import { rollbackReplacingJobs } from '../runtime/kube/jobs.js';
import { forwardGateway } from '../runtime/kube/open.js';
import { ensureNamespace } from '../runtime/kube/namespace.js';
import {
  createSnapshot,
  rdsInstanceId,
  readFingerprint,
  writeFingerprint,
  type AwsTarget,
  type SnapshotResult,
} from './aws.js';
import {
  appendRecord,
  colourNamespace,
  deployColour,
  gatewayService,
  planObjects,
  readRecords,
  switchTraffic,
  type Colour,
  type LiveState,
  type ObjectChange,
} from './cluster.js';
import { ensureCredentials } from './credentials.js';
import { applyEntry, colourObjects, colourValues, dropColourIngresses, entryIngress } from './entry.js';
import { dumpColour, type DatabaseDump } from './database-dump.js';
import { copySecrets, profileSecrets, requireSecrets } from './profile-secrets.js';
import { appendLocal, stamp, type PromoteDeps, type PromoteRequest, type PromotionRecord } from './common.js';
import { runGate } from './gate.js';
import { infraFingerprint, terraformApply, terraformPlan, type TerraformPlan } from './infra.js';
import { buildLock, lockedImages, lockedReferences, type PromotionLock } from './lock.js';
import { digestMismatch, imagesNotTested, readQaRecord, type QaRecord } from './qa-record.js';
import { smokeTest, type SmokeResult } from './smoke.js';
import type { connectGuarded } from './cluster.js';

/** What every step reads: the request, its dependencies, the profile and where it goes. */
export interface Promotion {
  request: PromoteRequest;
  deps: PromoteDeps;
  resolved: OpenedProfile;
  name: string;
  digest: string;
  client: Awaited<ReturnType<typeof connectGuarded>>;
  /** The base namespace (the switch Service and the records live there) and the release name. */
  ns: string;
  release: string;
  terraformDir: string;
  terraformRoot: string;
}

export interface Plan {
  colour: Colour;
  namespace: string;
  objects: ObjectChange[];
  /** The entry of the base namespace (its Ingress), which the switch writes. */
  entry: ObjectChange[];
  infra: { fingerprint: string; recorded?: string; changed: boolean; summary: string };
  tfPlan: TerraformPlan | undefined;
  /** The cluster's log store and shipper (release omrs-monitoring), when the profile ships logs. */
  clusterMonitoring?: 'install' | 'update' | 'unchanged';
}

/** Runs one step that changes things, remembering its title for the failure message. */
export type Guarded = <T>(title: string, id: string, work: () => Promise<T>) => Promise<T>;

/**
 * Refused before anything is read: a production profile without its database or QA record, and a
 * profile without the gateway (the blue/green switch points the entry at a colour's gateway).
 */
export function refuseIncomplete(request: PromoteRequest, name: string, level: string, gateway = true): void {
  if (!gateway)
    throw new OmrsError({
      code: 'PROMOTE_NO_GATEWAY',
      message: `profile ${name} turns the gateway off (gateway.enabled: false), and blue/green switches traffic by pointing the entry at the idle colour's gateway`,
      exitCode: ExitCode.usage,
      hint: "Promote with the gateway on, or deploy with `omrs up --runtime eks` and move your load balancer's targets yourself.",
    });
  if (level === 'prod' && !request.db)
    throw new OmrsError({
      code: 'PROMOTE_DB_REQUIRED',
      message: `profile ${name} is a production profile: its gate checks every tenant database for test and demo data, and no database was given`,
      exitCode: ExitCode.usage,
      hint: 'Pass --db mysql://user:password@host:3306 (or set OMRS_DB_URL): a login that can read every tenant database of the target server (the RDS endpoint, or a port-forward to the database).',
    });
  if (level === 'prod' && !request.approveRecord)
    throw new OmrsError({
      code: 'PROMOTE_RECORD_REQUIRED',
      message: `profile ${name} is a production profile: promote needs the QA record of the app it promotes`,
      exitCode: ExitCode.usage,
      hint: 'Pass --approve-record qa-record.json (QA writes it with `omrs promote record --profile qa --smoke-url <QA gateway> -o qa-record.json`).',
    });
}

/**
 * 1. Resolve and lock: the QA record must carry its evidence and name this app digest; with
 * images.pinDigests every image's digest is asked of its registry (none may be missing), else
 * unpinned images are warned of; every locked digest must be the one QA tested.
 */
export function lockStep(p: Promotion): Promise<PromotionLock> {
  const { events } = p.deps;
  return step(events, 'lock', 'resolve and lock app digest, images, chart', async () => {
    let record: QaRecord | undefined;
    if (p.request.approveRecord) {
      record = await readQaRecord(p.request.approveRecord, p.deps.cwd);
      if (record.appDigest !== p.digest) {
        let changes: ReturnType<typeof diffProfiles>['app'] = [];
        if (record.profileFile) {
          const qa = await openProfile(record.profileFile, p.deps).catch(() => undefined);
          if (qa) changes = diffProfiles(maskSecrets(qa) as Profile, maskSecrets(p.resolved) as Profile).app;
        }
        throw digestMismatch(record, p.name, p.digest, changes);
      }
      events.emit({
        type: 'info',
        message: `app digest ${p.digest} matches the QA record of ${record.profile} (${record.testedAt})`,
      });
    }
    const lock = p.resolved.profile.images.pinDigests ? await resolvedLock(p) : tagLock(p);
    const untested = record && imagesNotTested(record, lock);
    if (untested) throw untested;
    return lock;
  });
}

/** The lock as the profile names the images: unpinned ones are warned of. */
function tagLock(p: Promotion): PromotionLock {
  const lock = buildLock(p.name, p.resolved.profile, p.digest);
  const unpinned = lockedImages(lock).filter((i) => !i.pinned);
  if (unpinned.length)
    p.deps.events.emit({
      type: 'warning',
      message: `images not pinned by digest: ${unpinned.map((i) => i.image).join(', ')}`,
      hint: 'Set images.pinDigests: true (promote then resolves every tag to the digest its registry serves), or pin image@sha256:… in the profile.',
    });
  return lock;
}

/** The lock with every image's digest from its registry; a missing one refuses the promotion. */
async function resolvedLock(p: Promotion): Promise<PromotionLock> {
  const profile = p.resolved.profile;
  const images = [...profileImages(profile), ...toolImages(profile), ...clusterMonitoringImages(profile)];
  const digests = await resolveDigests(images, {
    env: p.deps.env,
    mirror: profile.images.registry,
  }).catch((error: unknown) => {
    throw error instanceof OmrsError
      ? new OmrsError({
          code: 'PROMOTE_DIGESTS_UNRESOLVED',
          message: `${error.message}\nimages.pinDigests is on: promote deploys only images pinned by digest, so nothing was changed`,
          exitCode: ExitCode.failed,
          problems: error.problems,
          ...(error.hint && { hint: error.hint }),
        })
      : error;
  });
  const lock = buildLock(p.name, profile, p.digest, {
    digests: new Map(digests.map((d) => [d.component, d.digest])),
    at: new Date().toISOString(),
  });
  for (const i of lockedImages(lock))
    p.deps.events.emit({ type: 'info', message: `${i.component}: ${i.image} → ${i.digest}` });
  return lock;
}

/** The objects the idle colour gets (read-only), with the locked image references. */
export function renderStep(
  p: Promotion,
  lock: PromotionLock,
  idle: Colour,
  idleNs: string,
): Promise<Rendered> {
  return step(p.deps.events, 'render', `render ${p.name} for the idle colour ${idle}`, () =>
    renderProfile(
      {
        profile: p.resolved.file,
        opened: p.resolved,
        env: p.release,
        namespace: idleNs,
        pinnedImages: lockedReferences(lock),
      },
      { cwd: p.deps.cwd, env: p.deps.env, signal: p.deps.signal },
    ),
  );
}

/** 2. The check gate at the profile's level; a failing gate changes nothing (exit 3). */
export async function gateStep(p: Promotion, rendered: Rendered, idleNs: string): Promise<CheckReport> {
  const profile = p.resolved.profile;
  const level = profile.checks.level;
  const report = await step(
    p.deps.events,
    'gate',
    `check gate (level ${level}: manifests, terraform, cluster${p.request.db ? ', tenant databases' : ''})`,
    () =>
      runGate({
        profile,
        objects: rendered.objects,
        level,
        terraformDir: p.terraformDir,
        terraformRoot: p.terraformRoot,
        cwd: p.deps.cwd,
        cluster: {
          context: p.client.context,
          namespace: idleNs,
          ...(p.client.kubeconfigPath && { kubeconfig: p.client.kubeconfigPath }),
        },
        ...(p.request.db && { db: p.request.db }),
      }),
  );
  if (!report.passed) throw gateError(report);
  return report;
}

/** 3. Plan: the object changes of the idle colour, and a terraform plan when the infrastructure changed. */
export function planStep(
  p: Promotion,
  rendered: Rendered,
  current: LiveState,
  idle: Colour,
  aws: AwsTarget,
  lock: PromotionLock,
): Promise<Plan> {
  const { events } = p.deps;
  const idleNs = colourNamespace(p.ns, idle);
  return step(events, 'plan', `plan: idle colour ${idle} and infrastructure`, async () => {
    const profile = p.resolved.profile;
    await requireSecrets(p.client, p.ns, profileSecrets(profile));
    const objects = await planObjects(p.client, idleNs, p.release, colourObjects(rendered.objects));
    const ingress = entryIngress(rendered.objects, p.ns, namespaceLabels(p.release, p.name, p.digest));
    const entry = ingress ? await planObjects(p.client, p.ns, p.release, [ingress]) : [];
    const fingerprint = await infraFingerprint(p.terraformDir, profile, p.name);
    const recorded = await readFingerprint(aws, p.name);
    const changed = recorded !== fingerprint;
    let tfPlan: TerraformPlan | undefined;
    if (changed) tfPlan = await terraformPlan(p.terraformRoot, profile, p.name, p.deps.env, p.deps.signal);
    const summary = changed
      ? `infrastructure changed: ${tfPlan!.summary}`
      : 'infrastructure unchanged, terraform skipped';
    const counts = (['added', 'changed', 'removed'] as const)
      .map((k) => `${objects.filter((o) => o.change === k).length} ${k}`)
      .join(', ');
    events.emit({
      type: 'info',
      message: `plan for ${idleNs} (idle colour ${idle}; live: ${current.live ?? 'none'}): ${counts}`,
    });
    const line = (o: ObjectChange, where = '') =>
      events.emit({
        type: 'info',
        message: `  ${o.change === 'added' ? '+' : o.change === 'removed' ? '-' : '~'} ${where}${o.kind}/${o.name}${o.field ? ` (${o.field})` : ''}`,
      });
    for (const o of objects) line(o);
    for (const o of entry) line(o, `${p.ns}/`);
    const clusterMonitoring = await clusterMonitoringChange(p.client, profile, lockedReferences(lock));
    if (clusterMonitoring)
      events.emit({
        type: 'info',
        message: `cluster log store (release ${MONITORING_RELEASE} in namespace ${MONITORING_NAMESPACE}, shared by the cluster's environments): ${clusterMonitoring === 'unchanged' ? 'unchanged' : `${clusterMonitoring} before the switch`}`,
      });
    events.emit({ type: 'info', message: summary });
    return {
      colour: idle,
      namespace: idleNs,
      objects,
      entry,
      infra: { fingerprint, ...(recorded && { recorded }), changed, summary },
      tfPlan,
      ...(clusterMonitoring && { clusterMonitoring }),
    };
  });
}

/** 4. A snapshot of the RDS instance; a bundled database gets a warning instead. */
export async function snapshotStep(
  p: Promotion,
  guarded: Guarded,
  aws: AwsTarget,
  started: Date,
): Promise<SnapshotResult | undefined> {
  const { events } = p.deps;
  const profile = p.resolved.profile;
  if (profile.database.mode === 'bundled') return undefined; // dumpStep
  const instance = rdsInstanceId(profile);
  if (!instance) {
    events.emit({
      type: 'warning',
      message: 'an external database without cluster.eks (no RDS instance): no pre-promotion snapshot taken',
      hint: 'Back the database up yourself before promoting.',
    });
    return undefined;
  }
  return guarded(`snapshot the database (RDS ${instance})`, 'snapshot', () =>
    createSnapshot(aws, instance, `omrs-${p.release}-${stamp(started)}`, {
      timeoutMs: 60 * 60_000,
      signal: p.deps.signal,
      onPoll: (status) => events.emit({ type: 'progress', step: 'snapshot', current: 0, message: status }),
    }),
  );
}

/** 4b. With a bundled database: dump the live colour's tenant databases into the records folder. */
export async function dumpStep(
  p: Promotion,
  guarded: Guarded,
  live: Colour | undefined,
  started: Date,
  recordsDir: string,
): Promise<DatabaseDump[] | undefined> {
  const profile = p.resolved.profile;
  if (profile.database.mode !== 'bundled') return undefined;
  if (!live) {
    p.deps.events.emit({
      type: 'info',
      message: 'bundled database and no live colour yet: nothing to dump before the deploy',
    });
    return undefined;
  }
  const liveNs = colourNamespace(p.ns, live);
  return guarded(`dump the live colour's databases (${liveNs})`, 'snapshot', () =>
    dumpColour(
      {
        client: p.client,
        namespace: liveNs,
        release: p.release,
        runtime: profile.runtime,
        dir: recordsDir,
        env: p.deps.env,
        events: p.deps.events,
      },
      profile.tenants.map((t) => t.name),
      `promote-${stamp(started)}`,
    ),
  );
}

/** 5. terraform apply, only when the infrastructure changed: the saved plan is what was confirmed. */
export async function terraformStep(
  p: Promotion,
  guarded: Guarded,
  plan: Plan,
  aws: AwsTarget,
): Promise<void> {
  if (!plan.tfPlan) return;
  const tfPlan = plan.tfPlan;
  await guarded('terraform apply', 'terraform', () => terraformApply(tfPlan, p.deps.env, p.deps.signal));
  await writeFingerprint(aws, p.name, plan.infra.fingerprint);
}

/**
 * 6. Deploy the idle colour (after clearing what an interrupted run left pending), its tenant
 * passwords read from the environment's shared Secret.
 */
export function deployStep(
  p: Promotion,
  guarded: Guarded,
  rendered: Rendered,
  idle: Colour,
  live: Colour | undefined,
  labels: Record<string, string>,
): Promise<void> {
  const idleNs = colourNamespace(p.ns, idle);
  const { deps, client } = p;
  return guarded(`deploy to the idle colour ${idle} (${idleNs})`, 'deploy', async () => {
    await ensureNamespace(client, p.ns, labels, {});
    const sharedCredentials = await ensureCredentials({
      client,
      ns: p.ns,
      release: p.release,
      tenants: p.resolved.profile.tenants.map((t) => t.name),
      monitoring: p.resolved.profile.monitoring.enabled,
      ...(live && { live }),
      labels,
      events: deps.events,
    });
    const colourLabels = { ...labels, 'omrs.dev/colour': idle };
    await ensureNamespace(client, idleNs, colourLabels, {});
    await copySecrets(client, p.ns, idleNs, profileSecrets(p.resolved.profile), colourLabels);
    const helm = await findHelm(deps.env);
    await recoverInterruptedRelease(
      client,
      {
        helm,
        release: p.release,
        namespace: idleNs,
        context: client.context,
        kubeconfig: client.kubeconfigPath,
        env: deps.env,
        signal: deps.signal,
      },
      deps.events,
    );
    await deployColour({
      client,
      helm,
      release: p.release,
      namespace: idleNs,
      values: {
        ...colourValues(rendered.values),
        database: { ...rendered.values.database, sharedCredentials },
      },
      objects: colourObjects(rendered.objects),
      timeouts: p.resolved.profile.timeouts,
      labels: colourLabels,
      env: deps.env,
      events: deps.events,
      signal: deps.signal,
      ...(p.request.readyTimeoutMs && { readyTimeoutMs: p.request.readyTimeoutMs }),
    });
  });
}

/**
 * 6b. The cluster's log store and node shipper (release omrs-monitoring), as `omrs up` installs
 * them, with the locked image references: installed or updated before the switch, so the colour
 * that goes live ships its logs. Nothing when the profile ships none or the release is current.
 */
export function clusterMonitoringStep(
  p: Promotion,
  guarded: Guarded,
  lock: PromotionLock,
): Promise<string[]> {
  const profile = p.resolved.profile;
  if (!clusterMonitoringImages(profile).length) return Promise.resolve([]);
  return guarded(
    `the cluster's log store (release ${MONITORING_RELEASE} in namespace ${MONITORING_NAMESPACE})`,
    'log-store',
    () =>
      ensureClusterMonitoring(p.client, profile, {
        ...p.deps,
        command: 'omrs promote',
        pinned: lockedReferences(lock),
      }),
  );
}

/**
 * 7. Smoke test of the idle colour: through a port-forward to a ready pod of its own gateway
 * Service (so nothing but the idle colour can answer), or through --smoke-url when one is given.
 */
export function smokeStep(p: Promotion, guarded: Guarded, idle: Colour): Promise<SmokeResult> {
  const { request, deps } = p;
  const idleNs = colourNamespace(p.ns, idle);
  const run = (baseUrl: string) =>
    smokeTest({
      baseUrl,
      what: `the idle colour ${idle}`,
      ...(request.smokeWindowMs !== undefined && { windowMs: request.smokeWindowMs }),
      user: request.smokeUser ?? 'admin',
      password: deps.env.OMRS_SMOKE_PASSWORD ?? deps.env.OMRS_ADMIN_PASSWORD ?? '',
      signal: deps.signal,
    });
  return guarded(`smoke test the idle colour ${idle}`, 'smoke', async () => {
    if (request.smokeUrl) return run(request.smokeUrl);
    const forward = await forwardGateway(p.client, idleNs, p.release, {
      onProblem: (message) => deps.events.emit({ type: 'warning', message }),
    });
    try {
      return { ...(await run(forward.url)), via: `port-forward to pod ${idleNs}/${forward.pod}` };
    } finally {
      await forward.close();
    }
  });
}

/**
 * 8. Switch traffic: the entry's Service points at the idle colour's gateway (the one write that
 * moves traffic), then the entry's Ingress follows the profile, and colour Ingresses left by an
 * older omrs go.
 */
export async function switchStep(
  p: Promotion,
  guarded: Guarded,
  rendered: Rendered,
  idle: Colour,
  labels: Record<string, string>,
  record: PromotionRecord,
): Promise<string> {
  const gateway = gatewayService(rendered.objects);
  if (!gateway)
    throw new OmrsError({
      code: 'PROMOTE_NO_GATEWAY',
      message: 'the rendered objects have no gateway Service to switch traffic to',
    });
  return guarded(`switch traffic to ${idle}`, 'switch', async () => {
    await ensureNamespace(p.client, p.ns, labels, {});
    const target = await switchTraffic(p.client, p.ns, idle, gateway, labels, record);
    await applyEntry(p.client, p.ns, entryIngress(rendered.objects, p.ns, labels));
    await dropColourIngresses(p.client, p.ns, p.release, p.deps.events);
    return target;
  });
}

/**
 * 0. A run killed between its switch and its record left traffic switched, unrecorded; the switch
 * Service carries the record, so write it now. Returns it when `done` says it was the very run
 * asked for again (promoting or rolling back once more would flip the colours back).
 */
export async function recordInterruptedSwitch(
  o: { client: KubeClient; ns: string; labels: Record<string, string>; events: EventSink },
  current: LiveState,
  recordsDir: string,
  done: (switched: PromotionRecord) => boolean,
): Promise<PromotionRecord | undefined> {
  const switched = current.switchRecord as PromotionRecord | undefined;
  if (!switched) return undefined;
  const records = await readRecords<PromotionRecord>(o.client, o.ns);
  if (records.some((r) => r.at === switched.at && r.action === switched.action && r.result === 'succeeded'))
    return undefined;
  await step(
    o.events,
    'record',
    `record the interrupted ${switched.action} to ${switched.to} (switched at ${switched.at}, not recorded)`,
    async () => {
      await appendRecord(o.client, o.ns, switched, o.labels);
      await appendLocal(recordsDir, switched);
    },
  );
  const same = done(switched);
  o.events.emit({
    type: 'warning',
    message: `an earlier run switched traffic to ${switched.to} and was stopped before it recorded the ${switched.action}: recorded it now`,
    ...(same && { hint: `${switched.to} is live: that ${switched.action} is complete, nothing more to do.` }),
  });
  return same ? switched : undefined;
}

/** 9. Record the promotion in the cluster and in promotions.jsonl. */
export function recordStep(
  p: Promotion,
  record: PromotionRecord,
  labels: Record<string, string>,
  recordsDir: string,
): Promise<void> {
  return step(p.deps.events, 'record', 'record the promotion', async () => {
    await appendRecord(p.client, p.ns, record, labels);
    await appendLocal(recordsDir, record);
  });
}

function gateError(report: CheckReport): OmrsError {
  const failing = report.findings.filter((f) => f.status === 'fail');
  return new OmrsError({
    code: 'PROMOTE_GATE_FAILED',
    message: `the check gate failed at level ${report.level}: ${failing.length} failing finding${failing.length === 1 ? '' : 's'}; nothing was changed`,
    exitCode: ExitCode.gate,
    problems: failing.map((f) => ({
      code: f.rule,
      message: `${f.resource}: ${f.message}`,
      ...(f.fix && { hint: f.fix }),
    })),
    hint: `Fix the findings (details: \`omrs check --profile <profile> --level ${report.level}\`), or waive one with a reason and an expiry in checks.waivers.`,
  });
}

/** Wraps a failure after changes began: the live colour still serves; say so and what to run next. */
export function stillServing(
  error: unknown,
  stepTitle: string,
  live: Colour | undefined,
  ns: string,
  again: string,
): OmrsError {
  const base =
    error instanceof OmrsError
      ? error
      : new OmrsError({
          code: 'PROMOTE_FAILED',
          message: error instanceof Error ? error.message : String(error),
          cause: error,
        });
  const serving = live
    ? `the live colour ${live} (${colourNamespace(ns, live)}) is still serving: traffic was not switched`
    : 'no colour was live before, and traffic was not switched';
  return new OmrsError({
    code: base.code,
    message: `promotion failed at "${stepTitle}": ${base.message}\n${serving}`,
    exitCode: base.exitCode,
    problems: base.problems,
    hint: `${base.hint ? `${base.hint} ` : ''}Fix the cause, then run \`${again}\` again: it converges.`,
    cause: error,
  });
}

/**
 * A run killed while helm worked on the idle colour (kill -9, a cancelled CI job) leaves its release
 * pending-install/-upgrade/-rollback, and helm refuses every later operation on it. The idle colour
 * serves no traffic, so clear that state: roll back to the last good revision, or uninstall a
 * release that never was installed. Only ever called for the idle colour's namespace.
 */
async function recoverInterruptedRelease(
  client: KubeClient,
  target: HelmTarget,
  events: EventSink,
): Promise<void> {
  const history = await helmHistory(target);
  const last = history.at(-1);
  if (!last?.status.startsWith('pending-')) return;
  const good = [...history].reverse().find((r) => r.status === 'deployed' || r.status === 'superseded');
  events.emit({
    type: 'warning',
    message: `release ${target.release} in ${target.namespace} was left ${last.status} (revision ${last.revision}) by an interrupted run: ${good ? `rolling back to revision ${good.revision}` : 'uninstalling it'} before deploying`,
  });
  if (good) await rollbackReplacingJobs(client, target, good.revision);
  else await helmUninstall(target);
}
