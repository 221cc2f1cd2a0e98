// `omrs promote` and `omrs rollback`: resolve and lock → check gate → plan (objects of the idle
// colour, infrastructure) → confirmation → database snapshot → terraform apply when the
// infrastructure changed → deploy the idle colour → smoke test → switch traffic → record.
// A failure at any step leaves the live colour serving; the error says what happened and what next.
import { execFile } from 'node:child_process';
import { appendFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ExitCode, OmrsError } from '../errors.js';
import { step } from '../events/bus.js';
import type { EventSink } from '../events/types.js';
import type { CheckReport } from '../checks/types.js';
import { appDigest } from '../profile/digest.js';
import { diffProfiles } from '../profile/diff.js';
import { openProfile } from '../profile/index.js';
import type { Profile } from '../profile/schema.js';
import { maskSecrets } from '../profile/show.js';
import { renderProfile } from '../render/index.js';
import { findHelm } from '../render/helm.js';
import { envNameOf } from '../render/env-name.js';
import { helmHistory, helmRollback, helmUninstall, type HelmTarget } from '../runtime/kube/helm.js';
import { namespaceLabels } from '../runtime/kube/labels.js';
import {
  awsTarget,
  createSnapshot,
  rdsInstanceId,
  readFingerprint,
  restoreSnapshot,
  writeFingerprint,
  type SnapshotResult,
} from './aws.js';
import {
  appendRecord,
  baseNamespace,
  colourNamespace,
  colourReady,
  connectGuarded,
  deployColour,
  gatewayService,
  otherColour,
  planObjects,
  readLive,
  readRecords,
  switchTraffic,
  type Colour,
  type ObjectChange,
} from './cluster.js';
import { runGate } from './gate.js';
import {
  infraFingerprint,
  terraformApply,
  terraformDir,
  terraformPlan,
  terraformRoot,
  type TerraformPlan,
} from './infra.js';
import {
  buildLock,
  defaultLockFile,
  digestMismatch,
  readQaRecord,
  writeLock,
  type PromotionLock,
  type QaRecord,
} from './lock.js';
import { smokeTest, type SmokeResult } from './smoke.js';

export interface PromoteDeps {
  cwd: string;
  env: Record<string, string | undefined>;
  events: EventSink;
  signal: AbortSignal;
  /** A person can be asked (a TTY); `confirm` asks them and returns what they typed. */
  interactive: boolean;
  confirm?: (question: string) => Promise<string>;
}

export interface PromoteRequest {
  profile?: string;
  approveRecord?: string;
  context?: string;
  kubeconfig?: string;
  yes?: boolean;
  smokeUrl?: string;
  smokeUser?: string;
  /** How long the smoke test may retry (default 60 s). */
  smokeWindowMs?: number;
  lockFile?: string;
  recordsDir?: string;
  readyTimeoutMs?: number;
  db?: string;
}

export interface PromotionRecord {
  action: 'promote' | 'rollback';
  profile: string;
  who: string;
  at: string;
  appDigest: string;
  images: { component: string; image: string; digest?: string }[];
  chartVersion: string;
  snapshotId?: string;
  from?: Colour;
  to: Colour;
  result: 'succeeded' | 'failed';
  failedStep?: string;
  reason?: string;
}

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

function git(args: string[], cwd: string): Promise<string | undefined> {
  return new Promise((done) =>
    execFile('git', args, { cwd, timeout: 5000 }, (error, stdout) =>
      done(error ? undefined : stdout.trim() || undefined),
    ),
  );
}

export async function whoAmI(env: Record<string, string | undefined>, cwd: string): Promise<string> {
  const user = env.USER ?? env.USERNAME ?? 'unknown';
  const email = await git(['config', 'user.email'], cwd);
  return email ? `${user} <${email}>` : user;
}

const stamp = (d: Date): string =>
  d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-').toLowerCase();

async function confirmOrRefuse(
  what: string,
  expected: string,
  yes: boolean | undefined,
  deps: PromoteDeps,
  flag = '--yes',
): Promise<void> {
  if (yes) return;
  if (!deps.interactive || !deps.confirm)
    throw new OmrsError({
      code: 'PROMOTE_CONFIRMATION_REQUIRED',
      message: `${what}: confirmation needed, and there is no terminal to ask in; nothing was changed`,
      exitCode: ExitCode.usage,
      hint: `In CI pass ${flag} (after reviewing the plan above).`,
    });
  const typed = (await deps.confirm(`${what}? Type ${expected} to confirm: `)).trim();
  if (typed !== expected)
    throw new OmrsError({
      code: 'PROMOTE_NOT_CONFIRMED',
      message: `not confirmed ("${typed}" is not ${expected}); nothing was changed`,
      exitCode: ExitCode.usage,
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
function stillServing(
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
async function recoverInterruptedRelease(target: HelmTarget, events: EventSink): Promise<void> {
  const history = await helmHistory(target);
  const last = history.at(-1);
  if (!last?.status.startsWith('pending-')) return;
  const good = [...history].reverse().find((r) => r.status === 'deployed' || r.status === 'superseded');
  events.emit({
    type: 'warning',
    message: `release ${target.release} in ${target.namespace} was left ${last.status} (revision ${last.revision}) by an interrupted run: ${good ? `rolling back to revision ${good.revision}` : 'uninstalling it'} before deploying`,
  });
  if (good) await helmRollback(target, good.revision);
  else await helmUninstall(target);
}

async function appendLocal(dir: string, record: PromotionRecord): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'promotions.jsonl');
  await appendFile(file, JSON.stringify(record) + '\n');
  return file;
}

export async function promote(request: PromoteRequest, deps: PromoteDeps): Promise<PromoteResult> {
  const { events } = deps;
  const resolved = await openProfile(request.profile, deps);
  const { profile, name } = resolved;
  const digest = appDigest(profile);
  const level = profile.checks.level;
  if (!request.smokeUrl)
    throw new OmrsError({
      code: 'PROMOTE_SMOKE_URL_REQUIRED',
      message: 'no smoke-test target: pass --smoke-url with the URL of the idle colour’s gateway',
      exitCode: ExitCode.usage,
      hint: 'e.g. `kubectl port-forward -n <ns>-<idle colour> svc/<env>-gateway 8080:80` and --smoke-url http://127.0.0.1:8080 (see docs/promotion.md).',
    });
  if (level === 'prod' && !request.approveRecord)
    throw new OmrsError({
      code: 'PROMOTE_RECORD_REQUIRED',
      message: `profile ${name} is a production profile: promote needs the QA record of the app it promotes`,
      exitCode: ExitCode.usage,
      hint: 'Pass --approve-record qa-record.json (QA writes it with `omrs promote record --profile qa -o qa-record.json`).',
    });

  // The context guard reads only the kubeconfig file: a wrong context is refused before any request.
  const client = await connectGuarded(profile, request.context, deps.env, request.kubeconfig);
  const ns = baseNamespace(profile, name);
  const release = envNameOf(name);
  const again = `omrs promote --profile ${request.profile ?? name}${request.context ? ` --context ${request.context}` : ''} …`;

  // 1. resolve and lock
  const lock = buildLock(name, profile, digest);
  const lockFile = resolve(deps.cwd, request.lockFile ?? defaultLockFile(resolved.file));
  await step(events, 'lock', 'resolve and lock app digest, images, chart', async () => {
    if (request.approveRecord) {
      const record = await readQaRecord(request.approveRecord, deps.cwd);
      if (record.result !== 'passed')
        throw new OmrsError({
          code: 'PROMOTE_QA_NOT_PASSED',
          message: `the QA record ${record.file} says ${record.result}: nothing tested to promote`,
          exitCode: ExitCode.failed,
          hint: 'Promote only an app whose QA run passed.',
        });
      if (record.appDigest !== digest) {
        let changes: ReturnType<typeof diffProfiles>['app'] = [];
        if (record.profileFile) {
          const qa = await openProfile(record.profileFile, deps).catch(() => undefined);
          if (qa) changes = diffProfiles(maskSecrets(qa) as Profile, maskSecrets(resolved) as Profile).app;
        }
        throw digestMismatch(record, name, digest, changes);
      }
      events.emit({
        type: 'info',
        message: `app digest ${digest} matches the QA record of ${record.profile} (${record.testedAt})`,
      });
    }
    const unpinned = lock.images.filter((i) => !i.pinned);
    if (unpinned.length)
      events.emit({
        type: 'warning',
        message: `images not pinned by digest: ${unpinned.map((i) => i.image).join(', ')}`,
        hint: 'Production should pin images (image@sha256:…) so that what runs is exactly what QA tested.',
      });
  });

  // Read-only: which colour is live, and the objects the idle colour gets.
  const current = await readLive(client, ns);
  const idle: Colour = current.live ? otherColour(current.live) : 'green';
  const idleNs = colourNamespace(ns, idle);
  const rendered = await step(events, 'render', `render ${name} for the idle colour ${idle}`, () =>
    renderProfile(
      { profile: resolved.file, opened: resolved, env: release, namespace: idleNs },
      { cwd: deps.cwd, env: deps.env, signal: deps.signal },
    ),
  );

  // 2. the check gate
  const tfDir = terraformDir(deps.cwd);
  const tfRoot = terraformRoot(tfDir, name, profile);
  const report = await step(
    events,
    'gate',
    `check gate (level ${level}: manifests, terraform, cluster${request.db ? ', database' : ''})`,
    () =>
      runGate({
        profile,
        objects: rendered.objects,
        level,
        terraformDir: tfDir,
        terraformRoot: tfRoot,
        cwd: deps.cwd,
        cluster: {
          context: client.context,
          namespace: idleNs,
          ...(client.kubeconfigPath && { kubeconfig: client.kubeconfigPath }),
        },
        ...(request.db && { db: request.db }),
      }),
  );
  if (!report.passed) throw gateError(report);

  // 3. plan
  const aws = awsTarget(profile, deps.env);
  const plan = await step(events, 'plan', `plan: idle colour ${idle} and infrastructure`, async () => {
    const objects = await planObjects(client, idleNs, release, rendered.objects);
    const fingerprint = await infraFingerprint(tfDir, profile, name);
    const recorded = await readFingerprint(aws, name);
    const changed = recorded !== fingerprint;
    let tfPlan: TerraformPlan | undefined;
    if (changed) tfPlan = await terraformPlan(tfRoot, profile, name, deps.env, deps.signal);
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
    for (const o of objects)
      events.emit({
        type: 'info',
        message: `  ${o.change === 'added' ? '+' : o.change === 'removed' ? '-' : '~'} ${o.kind}/${o.name}${o.field ? ` (${o.field})` : ''}`,
      });
    events.emit({ type: 'info', message: summary });
    return {
      colour: idle,
      namespace: idleNs,
      objects,
      infra: { fingerprint, ...(recorded && { recorded }), changed, summary },
      tfPlan,
    };
  });
  await confirmOrRefuse(`Promote ${name} to ${idle} on ${client.context}`, name, request.yes, deps);
  // Written only now: a refusal before this point (gate, plan, no confirmation) leaves nothing behind.
  await writeLock(lockFile, lock);

  // From here on the promotion changes things: failures are recorded and say that the live colour still serves.
  const who = await whoAmI(deps.env, deps.cwd);
  const started = new Date();
  const recordsDir = resolve(deps.cwd, request.recordsDir ?? '.');
  const labels = namespaceLabels(release, name, digest);
  const base = {
    profile: name,
    who,
    at: started.toISOString(),
    appDigest: digest,
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
  let stepTitle = '';
  const guarded = async <T>(title: string, id: string, work: () => Promise<T>): Promise<T> => {
    stepTitle = title;
    return step(events, id, title, work);
  };
  try {
    // 4. database snapshot
    const instance = profile.database.mode === 'external' ? rdsInstanceId(profile) : undefined;
    if (instance) {
      snapshot = await guarded(`snapshot the database (RDS ${instance})`, 'snapshot', () =>
        createSnapshot(aws, instance, `omrs-${release}-${stamp(started)}`, {
          timeoutMs: 60 * 60_000,
          signal: deps.signal,
          onPoll: (status) =>
            events.emit({ type: 'progress', step: 'snapshot', current: 0, message: status }),
        }),
      );
    } else
      events.emit({
        type: 'warning',
        message: 'no RDS instance for this profile (bundled database): no pre-promotion snapshot taken',
        hint: 'Take a backup first (the chart’s backup CronJob, or mariadb-dump).',
      });

    // 5. terraform apply (only when the infrastructure changed; the saved plan is what was confirmed)
    if (plan.tfPlan) {
      await guarded('terraform apply', 'terraform', () =>
        terraformApply(plan.tfPlan!, deps.env, deps.signal),
      );
      await writeFingerprint(aws, name, plan.infra.fingerprint);
    }

    // 6. deploy the idle colour
    await guarded(`deploy to the idle colour ${idle} (${idleNs})`, 'deploy', async () => {
      const helm = await findHelm(deps.env);
      await recoverInterruptedRelease(
        {
          helm,
          release,
          namespace: idleNs,
          context: client.context,
          kubeconfig: client.kubeconfigPath,
          env: deps.env,
          signal: deps.signal,
        },
        events,
      );
      await deployColour({
        client,
        helm,
        release,
        namespace: idleNs,
        values: rendered.values,
        objects: rendered.objects,
        timeouts: profile.timeouts,
        labels: { ...labels, 'omrs.dev/colour': idle },
        env: deps.env,
        events,
        signal: deps.signal,
        ...(request.readyTimeoutMs && { readyTimeoutMs: request.readyTimeoutMs }),
      });
    });

    // 7. smoke test through the idle colour's gateway
    const smoke = await guarded(`smoke test the idle colour ${idle}`, 'smoke', () =>
      smokeTest({
        baseUrl: request.smokeUrl!,
        ...(request.smokeWindowMs !== undefined && { windowMs: request.smokeWindowMs }),
        user: request.smokeUser ?? 'admin',
        password: deps.env.OMRS_SMOKE_PASSWORD ?? deps.env.OMRS_ADMIN_PASSWORD ?? '',
        signal: deps.signal,
      }),
    );

    // 8. switch traffic
    const gateway = gatewayService(rendered.objects);
    if (!gateway)
      throw new OmrsError({
        code: 'PROMOTE_NO_GATEWAY',
        message: 'the rendered objects have no gateway Service to switch traffic to',
      });
    const service = await guarded(`switch traffic to ${idle}`, 'switch', async () => {
      await (await import('../runtime/kube/up.js')).ensureNamespace(client, ns, labels, {});
      return switchTraffic(client, ns, idle, gateway, labels);
    });

    // 9. record
    const record: PromotionRecord = {
      action: 'promote',
      ...base,
      ...(snapshot && { snapshotId: snapshot.snapshotId }),
      result: 'succeeded',
    };
    await step(events, 'record', 'record the promotion', async () => {
      await appendRecord(client, ns, record, labels);
      await appendLocal(recordsDir, record);
    });
    const { tfPlan: _plan, ...planOut } = plan;
    void _plan;
    return {
      profile: name,
      context: client.context,
      namespace: ns,
      lock,
      lockFile,
      unpinned: lock.images.filter((i) => !i.pinned).map((i) => i.image),
      gate: { passed: report.passed, failing: report.counts.fail, warnings: report.counts.warn },
      plan: planOut,
      ...(snapshot && { snapshot }),
      smoke,
      live: idle,
      ...(current.live && { previous: current.live }),
      service,
      record,
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const record: PromotionRecord = {
      action: 'promote',
      ...base,
      ...(snapshot && { snapshotId: snapshot.snapshotId }),
      result: 'failed',
      failedStep: stepTitle,
      reason,
    };
    await appendRecord(client, ns, record, labels).catch(() => undefined);
    await appendLocal(recordsDir, record).catch(() => undefined);
    throw stillServing(error, stepTitle, current.live, ns, again);
  }
}

export interface RollbackRequest {
  profile?: string;
  context?: string;
  kubeconfig?: string;
  yes?: boolean;
  restoreSnapshot?: string;
  recordsDir?: string;
}

export interface RollbackResult {
  profile: string;
  context: string;
  namespace: string;
  from: Colour;
  live: Colour;
  service: string;
  record: PromotionRecord;
  restored?: { snapshotId: string; instanceId: string; status: string };
}

export async function rollback(request: RollbackRequest, deps: PromoteDeps): Promise<RollbackResult> {
  const { events } = deps;
  const resolved = await openProfile(request.profile, deps);
  const { profile, name } = resolved;
  const client = await connectGuarded(profile, request.context, deps.env, request.kubeconfig);
  const ns = baseNamespace(profile, name);
  const release = envNameOf(name);
  const digest = appDigest(profile);
  const current = await readLive(client, ns);
  if (!current.live)
    throw new OmrsError({
      code: 'ROLLBACK_NOTHING_LIVE',
      message: `no promotion of ${name} is live in ${ns} (no service ${ns}/openmrs): nothing to roll back`,
      exitCode: ExitCode.failed,
      hint: 'Promote first: `omrs promote`.',
    });
  const records = await readRecords<PromotionRecord>(client, ns);
  const lastGood = [...records].reverse().find((r) => r.result === 'succeeded' && r.to === current.live);
  const target: Colour = lastGood?.from ?? otherColour(current.live);
  const targetNs = colourNamespace(ns, target);
  const state = await step(
    events,
    'rollback-check',
    `check the previous colour ${target} (${targetNs})`,
    () => colourReady(client, targetNs),
  );
  if (!state.ready)
    throw new OmrsError({
      code: 'ROLLBACK_TARGET_NOT_READY',
      message: `the previous colour ${target} is not ready (${state.detail}); ${current.live} stays live`,
      exitCode: ExitCode.failed,
      hint: 'Nothing was switched. Promote a fixed version instead: `omrs promote`.',
    });
  events.emit({ type: 'info', message: `rollback: traffic ${current.live} → ${target} in ${ns}` });
  await confirmOrRefuse(`Roll ${name} back to ${target} on ${client.context}`, name, request.yes, deps);

  let restored: RollbackResult['restored'];
  if (request.restoreSnapshot) {
    const instance = rdsInstanceId(profile);
    if (!instance)
      throw new OmrsError({
        code: 'ROLLBACK_NO_RDS',
        message: 'the profile has no RDS instance (cluster.eks) to restore',
        exitCode: ExitCode.usage,
      });
    await confirmOrRefuse(
      `Restore the database snapshot ${request.restoreSnapshot} into a new RDS instance`,
      request.restoreSnapshot,
      request.yes,
      deps,
    );
    const snapshotId = request.restoreSnapshot;
    const newId = `${instance}-restored-${stamp(new Date())}`.slice(0, 63);
    const result = await step(events, 'restore', `restore snapshot ${snapshotId} as ${newId}`, () =>
      restoreSnapshot(awsTarget(profile, deps.env), snapshotId, newId, {
        timeoutMs: 2 * 60 * 60_000,
        signal: deps.signal,
      }),
    );
    restored = { snapshotId, ...result };
    events.emit({
      type: 'warning',
      message: `the snapshot is restored into the NEW instance ${newId}`,
      hint: `Point database.external.host of the profile at it (and retire ${instance}) when you mean to use it.`,
    });
  }

  const rendered = await renderProfile(
    { profile: resolved.file, opened: resolved, env: release, namespace: targetNs },
    { cwd: deps.cwd, env: deps.env, signal: deps.signal },
  );
  const gateway = gatewayService(rendered.objects);
  if (!gateway)
    throw new OmrsError({
      code: 'PROMOTE_NO_GATEWAY',
      message: 'the rendered objects have no gateway Service',
    });
  const labels = namespaceLabels(release, name, digest);
  const service = await step(events, 'switch', `switch traffic back to ${target}`, () =>
    switchTraffic(client, ns, target, gateway, labels),
  );
  const who = await whoAmI(deps.env, deps.cwd);
  const previous = [...records].reverse().find((r) => r.result === 'succeeded' && r.to === target);
  const record: PromotionRecord = {
    action: 'rollback',
    profile: name,
    who,
    at: new Date().toISOString(),
    appDigest: previous?.appDigest ?? digest,
    images: previous?.images ?? [],
    chartVersion: previous?.chartVersion ?? profile.chart.version,
    ...(restored && { snapshotId: restored.snapshotId }),
    from: current.live,
    to: target,
    result: 'succeeded',
  };
  await step(events, 'record', 'record the rollback', async () => {
    await appendRecord(client, ns, record, labels);
    await appendLocal(resolve(deps.cwd, request.recordsDir ?? '.'), record);
  });
  return {
    profile: name,
    context: client.context,
    namespace: ns,
    from: current.live,
    live: target,
    service,
    record,
    ...(restored && { restored }),
  };
}

/** `omrs promote record`: what QA writes when its run passed. */
export async function qaRecord(
  ref: string | undefined,
  result: 'passed' | 'failed',
  deps: { cwd: string; env: Record<string, string | undefined> },
  now = new Date(),
): Promise<QaRecord> {
  const resolved = await openProfile(ref, deps);
  return {
    profile: resolved.name,
    profileFile: resolved.file,
    appDigest: appDigest(resolved.profile),
    testedAt: now.toISOString(),
    result,
  };
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
  const { fingerprintParameter } = await import('./aws.js');
  return {
    profile: resolved.name,
    fingerprint: value,
    ...(recorded && { recorded }),
    parameter: fingerprintParameter(resolved.name),
    written: record,
  };
}
