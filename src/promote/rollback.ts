// `omrs rollback`: switch traffic back to the previous colour when it is still ready, optionally
// restoring an RDS snapshot into a NEW instance first, or (a bundled database) the dump the
// promotion took of that colour's databases, and record it.
import { resolve } from 'node:path';
import { ExitCode, OmrsError } from '../errors.js';
import { step } from '../events/bus.js';
import { signature } from '../platform/identity.js';
import { appDigest } from '../profile/digest.js';
import { openProfile } from '../profile/index.js';
import { envNameOf } from '../render/env-name.js';
import { renderProfile } from '../render/index.js';
import { namespaceLabels } from '../runtime/kube/labels.js';
import { awsTarget, rdsInstanceId, restoreSnapshot } from './aws.js';
import {
  appendRecord,
  baseNamespace,
  colourNamespace,
  colourReady,
  connectGuarded,
  gatewayService,
  otherColour,
  readLive,
  readRecords,
  switchTraffic,
  type Colour,
} from './cluster.js';
import { appendLocal, confirmOrRefuse, stamp, type PromoteDeps, type PromotionRecord } from './common.js';
import { restoreColour } from './database-dump.js';
import { recordInterruptedSwitch } from './steps.js';

export interface RollbackRequest {
  profile?: string;
  context?: string;
  kubeconfig?: string;
  yes?: boolean;
  restoreSnapshot?: string;
  /** Load the dump the last promotion took of the previous colour's bundled databases back into them. */
  restoreDatabase?: boolean;
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
  restoredDatabase?: { name: string; tenants: string[] };
  /** An earlier rollback had switched and was stopped before it recorded: this run recorded it, nothing more. */
  finished?: 'recorded the interrupted rollback';
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
  const finished = await recordInterruptedSwitch(
    { client, ns, labels: namespaceLabels(release, name, digest), events },
    current,
    resolve(deps.cwd, request.recordsDir ?? '.'),
    (r) => r.action === 'rollback' && r.to === current.live,
  );
  if (finished)
    return {
      profile: name,
      context: client.context,
      namespace: ns,
      from: finished.from ?? otherColour(finished.to),
      live: finished.to,
      service: current.target ?? '',
      record: finished,
      finished: 'recorded the interrupted rollback',
    };
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
  // --restore-database: the dump the promotion away from the target took of its databases.
  const left = [...records]
    .reverse()
    .find(
      (r) => r.action === 'promote' && r.result === 'succeeded' && r.from === target && r.to === current.live,
    );
  const dumps = request.restoreDatabase ? (left?.databaseDumps ?? []) : [];
  if (request.restoreDatabase && dumps.length === 0)
    throw new OmrsError({
      code: 'ROLLBACK_NO_DUMP',
      message: `the promotion from ${target} to ${current.live} took no dump of ${target}'s databases; nothing was switched`,
      exitCode: ExitCode.usage,
      hint: 'Only a bundled database is dumped before a promotion; an RDS snapshot is restored with --restore-snapshot.',
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

  let restoredDatabase: RollbackResult['restoredDatabase'];
  if (dumps.length) {
    const dumpName = dumps[0]!.name;
    await confirmOrRefuse(
      `Replace the databases of ${target} (${dumps.map((d) => d.tenant).join(', ')}) with the dump ${dumpName} taken before the promotion of ${left!.at}`,
      dumpName,
      request.yes,
      deps,
    );
    await step(events, 'restore-database', `restore ${dumpName} into ${targetNs}, restart its backends`, () =>
      restoreColour(
        {
          client,
          namespace: targetNs,
          release,
          runtime: profile.runtime,
          dir: resolve(deps.cwd, request.recordsDir ?? '.'),
          env: deps.env,
          events,
        },
        dumps,
        deps.signal,
      ),
    );
    restoredDatabase = { name: dumpName, tenants: dumps.map((d) => d.tenant) };
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
  const who = await signature(deps.env, deps.cwd);
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
    ...(restoredDatabase && { restoredDump: restoredDatabase.name }),
    from: current.live,
    to: target,
    result: 'succeeded',
  };
  const service = await step(events, 'switch', `switch traffic back to ${target}`, () =>
    switchTraffic(client, ns, target, gateway, labels, record),
  );
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
    ...(restoredDatabase && { restoredDatabase }),
  };
}
