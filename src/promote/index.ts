// `omrs promote`: resolve and lock → (record a switch an interrupted run left unrecorded) → check
// gate → plan (objects of the idle colour, the entry, infrastructure) → confirmation → RDS snapshot
// or bundled database dump → terraform apply when the infrastructure changed → deploy the idle
// colour → smoke test → switch the entry → record, each a named step of steps.ts. A failure at any
// step leaves the live colour serving; the error says what happened and what next. `omrs rollback`
// is rollback.ts.
import { resolve } from 'node:path';
import { InterruptedError } from '../errors.js';
import { step } from '../events/bus.js';
import { signature } from '../platform/identity.js';
import { appDigest } from '../profile/digest.js';
import { openProfile } from '../profile/index.js';
import { envNameOf } from '../render/env-name.js';
import { namespaceLabels } from '../runtime/kube/labels.js';
import {
  awsTarget,
  fingerprintParameter,
  readFingerprint,
  writeFingerprint,
  type SnapshotResult,
} from './aws.js';
import {
  appendRecord,
  baseNamespace,
  colourNamespace,
  connectGuarded,
  otherColour,
  readLive,
  type Colour,
  type ObjectChange,
} from './cluster.js';
import {
  appendLocal,
  confirmOrRefuse,
  type PromoteDeps,
  type PromoteRequest,
  type PromotionRecord,
} from './common.js';
import type { DatabaseDump } from './database-dump.js';
import { infraFingerprint, terraformDir, terraformRoot } from './infra.js';
import { defaultLockFile, lockedImages, writeLock, type PromotionLock } from './lock.js';
export { writeQaRecord } from './qa-record.js';
import type { SmokeResult } from './smoke.js';
import {
  clusterMonitoringStep,
  deployStep,
  dumpStep,
  gateStep,
  lockStep,
  planStep,
  recordInterruptedSwitch,
  recordStep,
  refuseIncomplete,
  renderStep,
  smokeStep,
  snapshotStep,
  stillServing,
  switchStep,
  terraformStep,
  type Guarded,
  type Promotion,
} from './steps.js';

export interface PromoteResult {
  profile: string;
  context: string;
  namespace: string;
  lock: PromotionLock;
  lockFile: string;
  unpinned: string[];
  gate: { passed: boolean; failing: number; warnings: number };
  plan: {
    colour: Colour;
    namespace: string;
    objects: ObjectChange[];
    infra: { fingerprint: string; recorded?: string; changed: boolean; summary: string };
  };
  snapshot?: SnapshotResult;
  smoke?: SmokeResult;
  live: Colour;
  previous?: Colour;
  service: string;
  record: PromotionRecord;
}

/** A run found this very promotion switched by an earlier run that was killed before it recorded: it recorded it, nothing more. */
export interface FinishedResult {
  profile: string;
  context: string;
  namespace: string;
  live: Colour;
  previous?: Colour;
  service: string;
  record: PromotionRecord;
  finished: 'recorded the interrupted promotion';
}

export async function promote(
  request: PromoteRequest,
  deps: PromoteDeps,
): Promise<PromoteResult | FinishedResult> {
  const resolved = await openProfile(request.profile, deps);
  const { profile, name } = resolved;
  refuseIncomplete(request, name, profile.checks.level, profile.gateway.enabled);

  // The context guard reads only the kubeconfig file: a wrong context is refused before any request.
  const client = await connectGuarded(profile, request.context, deps.env, request.kubeconfig);
  const tfDir = terraformDir(deps.cwd);
  const p: Promotion = {
    request,
    deps,
    resolved,
    name,
    digest: appDigest(profile),
    client,
    ns: baseNamespace(profile, name),
    release: envNameOf(name),
    terraformDir: tfDir,
    terraformRoot: terraformRoot(tfDir, name, profile),
  };
  const again = `omrs promote --profile ${request.profile ?? name}${request.context ? ` --context ${request.context}` : ''} …`;

  // Read-only until the confirmation: a refusal leaves nothing behind.
  const lockFile = resolve(deps.cwd, request.lockFile ?? defaultLockFile(resolved.file));
  const lock = await lockStep(p);
  const current = await readLive(client, p.ns);
  const recordsDir = resolve(deps.cwd, request.recordsDir ?? '.');
  const finished = await recordInterruptedSwitch(
    { client, ns: p.ns, labels: namespaceLabels(p.release, name, p.digest), events: deps.events },
    current,
    recordsDir,
    (r) => r.action === 'promote' && r.appDigest === p.digest,
  );
  if (finished)
    return {
      profile: name,
      context: client.context,
      namespace: p.ns,
      live: finished.to,
      ...(finished.from && { previous: finished.from }),
      service: current.target ?? '',
      record: finished,
      finished: 'recorded the interrupted promotion',
    };
  const idle: Colour = current.live ? otherColour(current.live) : 'green';
  const rendered = await renderStep(p, lock, idle, colourNamespace(p.ns, idle));
  const report = await gateStep(p, rendered, colourNamespace(p.ns, idle));
  const aws = awsTarget(profile, deps.env);
  const plan = await planStep(p, rendered, current, idle, aws, lock);
  await deps.review?.({
    profile: name,
    context: client.context,
    lock,
    gate: report,
    ...(current.live && { live: current.live }),
    plan: {
      colour: idle,
      namespace: plan.namespace,
      // The entry's changes too, named by their namespace: the switch writes them.
      objects: [...plan.objects, ...plan.entry.map((o) => ({ ...o, name: `${p.ns}/${o.name}` }))],
      infra: plan.infra,
    },
  });
  await confirmOrRefuse(`Promote ${name} to ${idle} on ${client.context}`, name, request.yes, deps);
  await writeLock(lockFile, lock);

  // From here on the promotion changes things: failures are recorded and say that the live colour still serves.
  const started = new Date();
  const labels = namespaceLabels(p.release, name, p.digest);
  const base = {
    profile: name,
    who: await signature(deps.env, deps.cwd),
    at: started.toISOString(),
    appDigest: p.digest,
    images: lock.images.map(({ component, image, digest: d }) => ({
      component,
      image,
      ...(d && { digest: d }),
    })),
    chartVersion: lock.chartVersion,
    ...(current.live && { from: current.live }),
    to: idle,
  };
  let snapshot: SnapshotResult | undefined;
  let dumps: DatabaseDump[] | undefined;
  /** What the record says of the database backups taken before the deploy. */
  const backups = () => ({
    ...(snapshot && { snapshotId: snapshot.snapshotId }),
    ...(dumps?.length && { databaseDumps: dumps.map(({ tenant, name, file }) => ({ tenant, name, file })) }),
  });
  let stepTitle = '';
  const guarded: Guarded = (title, id, work) => {
    stepTitle = title;
    return step(deps.events, id, title, work);
  };
  try {
    snapshot = await snapshotStep(p, guarded, aws, started);
    dumps = await dumpStep(p, guarded, current.live, started, recordsDir);
    await terraformStep(p, guarded, plan, aws);
    await deployStep(p, guarded, rendered, idle, current.live, labels);
    await clusterMonitoringStep(p, guarded, lock);
    const smoke = await smokeStep(p, guarded, idle);
    const record: PromotionRecord = {
      action: 'promote',
      ...base,
      ...backups(),
      result: 'succeeded',
    };
    const service = await switchStep(p, guarded, rendered, idle, labels, record);
    await recordStep(p, record, labels, recordsDir);
    // The switch is the point of no return: a Ctrl-C from then on lets it finish and be recorded,
    // and the promotion is reported as done (exit 0): running promote again would promote again.
    if (deps.signal.aborted)
      deps.events.emit({
        type: 'warning',
        message: `stop was asked for after traffic was switched to ${idle}: the promotion is complete and recorded`,
        hint: `Do not run promote again to finish it; \`omrs rollback\` makes ${current.live ?? 'the previous colour'} live again.`,
      });
    const { tfPlan: _plan, ...planOut } = plan;
    void _plan;
    return {
      profile: name,
      context: client.context,
      namespace: p.ns,
      lock,
      lockFile,
      unpinned: lockedImages(lock)
        .filter((i) => !i.pinned)
        .map((i) => i.image),
      gate: { passed: report.passed, failing: report.counts.fail, warnings: report.counts.warn },
      plan: planOut,
      ...(snapshot && { snapshot }),
      smoke,
      live: idle,
      ...(current.live && { previous: current.live }),
      service,
      record,
    };
  } catch (thrown) {
    // Ctrl-C makes a step fail in its own words (an aborted smoke request, a stopped helm): it is
    // the interruption the user asked for, exit 130, not a failure of the promotion.
    const error =
      deps.signal.aborted && !(thrown instanceof InterruptedError) ? new InterruptedError(stepTitle) : thrown;
    const reason = error instanceof Error ? error.message : String(error);
    const record: PromotionRecord = {
      action: 'promote',
      ...base,
      ...backups(),
      result: 'failed',
      failedStep: stepTitle,
      reason,
    };
    await appendRecord(client, p.ns, record, labels).catch(() => undefined);
    await appendLocal(recordsDir, record).catch(() => undefined);
    throw stillServing(error, stepTitle, current.live, p.ns, again);
  }
}

/** `omrs promote fingerprint`: the infrastructure fingerprint, and optionally record it (after an apply done outside omrs). */
export async function fingerprint(
  ref: string | undefined,
  record: boolean,
  deps: { cwd: string; env: Record<string, string | undefined> },
): Promise<{ profile: string; fingerprint: string; recorded?: string; parameter: string; written: boolean }> {
  const resolved = await openProfile(ref, deps);
  const value = await infraFingerprint(terraformDir(deps.cwd), resolved.profile, resolved.name);
  const aws = awsTarget(resolved.profile, deps.env);
  const recorded = await readFingerprint(aws, resolved.name);
  if (record) await writeFingerprint(aws, resolved.name, value);
  return {
    profile: resolved.name,
    fingerprint: value,
    ...(recorded && { recorded }),
    parameter: fingerprintParameter(resolved.name),
    written: record,
  };
}
