// `omrs up` on Docker: render the chart, translate it, then start it in readiness order
// (database → init Jobs → backend → frontend → gateway). Idempotent and interruptible.
import { parseDuration, TIMEOUT } from '../../duration.js';
import { ExitCode, InterruptedError, OmrsError } from '../../errors.js';
import { step } from '../../events/bus.js';
import type { EventSink } from '../../events/types.js';
import { appDigest } from '../../profile/digest.js';
import { openProfile, type ProfileDeps } from '../../profile/index.js';
import type { Profile } from '../../profile/schema.js';
import type { Docker } from '../../platform/docker.js';
import type { PullPolicy } from '../runtime.js';
import { convergeService, type ConvergeContext, type ServiceOutcome } from './converge.js';
import {
  ensureNetwork,
  ensureVolume,
  imageExists,
  listContainers,
  pullImage,
  removeContainer,
} from './engine.js';
import { renderObjects } from './render-cache.js';
import { withEnvLock } from './lock.js';
import { LABEL } from './names.js';
import { PHASES, type Phase } from '../../render/workloads.js';
import type { ComposePlan, Published } from './plan.js';
import { toolUrls } from './status.js';
import { seedComposeTenants } from './seed.js';
import { envDir, passwordSeed, writeFiles } from './state.js';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { translate } from './translate.js';
import { convergeShipper, shippableEngine, SHIPPER_SERVICE, shipperVolume } from './log-shipper.js';
import { rewriteImage } from '../../render/values.js';
import { envNameFor } from './env-name.js';
import { checkEnvName, envNameOf } from '../../render/env-name.js';

export type { PullPolicy };

export interface UpRequest {
  profile?: string;
  env?: string;
  pull?: PullPolicy;
  /** Run the seed step when the profile enables it (default true). */
  seed?: boolean;
}

export interface ComposeDeps extends ProfileDeps {
  docker: Docker;
  events: EventSink;
  signal: AbortSignal;
}

export interface UpResult {
  env: string;
  profile: string;
  appDigest: string;
  url?: string;
  gatewayPort?: number;
  prometheusUrl?: string;
  /** The log store on 127.0.0.1 (monitoring.logs). */
  logsUrl?: string;
  /** Grafana on 127.0.0.1 (monitoring.grafana). */
  grafanaUrl?: string;
  admin: { user: string; password: string };
  /** What this run changed; empty for a no-op. */
  changes: string[];
  noop: boolean;
  services: { name: string; phase: Phase; ip?: string }[];
  /** What the seed step did, one line per tenant (absent when it did not run). */
  seeded?: string[];
  durationMs: number;
}

export const DEFAULT_ADMIN_PASSWORD = 'Admin123';

export interface Prepared {
  env: string;
  profileName: string;
  profile: Profile;
  appDigest: string;
  plan: ComposePlan;
  labels: Record<string, string>;
}

/**
 * Profile → chart objects (the render layer, `helm template`) → compose plan. `shipsLogs`: the plan
 * has the log store that `up`'s shipper feeds (monitoring.logs); an export, which has no shipper, leaves it out.
 */
export async function preparePlan(
  request: Pick<UpRequest, 'profile' | 'env'>,
  deps: ProfileDeps & { signal?: AbortSignal; events?: EventSink },
  { shipsLogs = true }: { shipsLogs?: boolean } = {},
): Promise<Prepared> {
  const resolved = await openProfile(request.profile, deps);
  if (resolved.profile.runtime !== 'compose')
    deps.events?.emit({
      type: 'info',
      message: `profile ${resolved.name} names runtime ${resolved.profile.runtime}; running it on compose as asked`,
    });
  const env = checkEnvName(request.env ?? envNameOf(resolved.name));
  const digest = appDigest(resolved.profile);
  const objects = await renderObjects(
    {
      profile: resolved.profile,
      profileName: resolved.name,
      appDigest: digest,
      env,
      passwordSeed: await passwordSeed(deps.env, env),
      envDir: envDir(deps.env, env),
      shipsLogs,
    },
    deps,
  );
  const plan = translate(objects, {
    env,
    gatewayPort: resolved.profile.ports.gateway,
    toolPorts: {
      prometheus: resolved.profile.ports.prometheus,
      logs: resolved.profile.ports.logs,
      grafana: resolved.profile.ports.grafana,
    },
  });
  return {
    env,
    profileName: resolved.name,
    profile: resolved.profile,
    appDigest: digest,
    plan,
    labels: { [LABEL.env]: env, [LABEL.profile]: resolved.name, [LABEL.appDigest]: digest },
  };
}

/** `omrs up`: one writer per environment, so a second `up` (or `down`) waits for the first. */
export async function up(request: UpRequest, deps: ComposeDeps): Promise<UpResult> {
  const env = checkEnvName(await envNameFor(request, deps));
  return withEnvLock(env, 'omrs up', deps, () => upLocked({ ...request, env }, deps));
}

async function upLocked(request: UpRequest, deps: ComposeDeps): Promise<UpResult> {
  const started = performance.now();
  const { docker, events, signal } = deps;
  const prepared = await step(events, 'render', 'Render the chart and translate it', () =>
    preparePlan(request, deps),
  );
  const { plan, profile, env, labels } = prepared;
  for (const s of plan.skipped) events.emit({ type: 'debug', message: `skipped ${s.object}: ${s.reason}` });
  for (const w of plan.warnings) events.emit({ type: 'debug', message: w });
  if (!plan.services.some((s) => s.publish))
    events.emit({
      type: 'warning',
      message: `${env} has no gateway (gateway.enabled: false): nothing is published on 127.0.0.1`,
      hint: 'The frontend and the backends answer on the environment’s Docker network only; turn the gateway on to open it here.',
    });
  signal.throwIfAborted();

  // The log store of the chart is fed by a shipper of this runtime's (monitoring.logs).
  const store = plan.services.find((s) => s.publish?.as === 'logs');
  const shipper = store && {
    image: rewriteImage(profile.monitoring.images.logShipper, profile.images.registry),
    pullPolicy: profile.images.pullPolicy,
  };
  // Asked now, read when the shipper's turn comes: a no-op `up` waits for nothing more.
  const engine = shipper && shippableEngine(docker);
  await step(events, 'images', 'Check images', () =>
    checkImages(docker, plan, request.pull ?? 'missing', events, signal, shipper ? [shipper.image] : []),
  );
  const stateDir = envDir(deps.env, env);
  const existing = new Map(
    (await listContainers(docker, env)).map((c) => [c.Names[0]!.replace(/^\//, ''), c]),
  );
  await step(events, 'prepare', 'Network, volumes and files', async () => {
    await ensureNetwork(docker, plan.network, labels);
    for (const v of plan.volumes) await ensureVolume(docker, v, { ...labels, [LABEL.service]: v });
    if (shipper)
      await ensureVolume(docker, shipperVolume(env), { ...labels, [LABEL.service]: SHIPPER_SERVICE });
    await writeFiles(join(stateDir, 'files'), plan.files);
    // It holds the Secrets' files and the password seed: only its owner may look in (an older omrs made it 0755).
    await chmod(stateDir, 0o700);
  });

  const changes: string[] = [];
  const wanted = new Set<string>();
  const outcomes: ServiceOutcome[] = [];
  for (const s of plan.services)
    events.emit({ type: 'resource', name: s.name, kind: s.kind, runtime: 'pending', health: 'unknown' });
  const contextOf = (stepId: string, timeout: string, key: string): ConvergeContext => ({
    docker,
    events,
    signal,
    plan,
    stateDir,
    labels,
    existing,
    wanted,
    changes,
    step: stepId,
    timeoutText: timeout,
    deadline: Date.now() + parseDuration(timeout, TIMEOUT, key),
  });
  for (const phase of PHASES) {
    const services = plan.services.filter((s) => s.phase === phase);
    if (services.length === 0) continue;
    const timeout = profile.timeouts[phase];
    const ctx = contextOf(phase, timeout, `timeouts.${phase}`);
    const titles: Record<Phase, string> = {
      database: 'Database ready',
      init: 'Init jobs done',
      backend: 'Backend started (/openmrs/health/started)',
      frontend: 'Frontend ready',
      gateway: 'Gateway ready',
    };
    outcomes.push(
      ...(await step(events, phase, titles[phase], () =>
        Promise.all(services.map((s) => convergeService(s, ctx))),
      )),
    );
  }

  if (store && shipper && engine) {
    // Last, when every container it reads exists; readiness as the store's (the frontend's phase).
    const ctx = contextOf('logs', profile.timeouts.frontend, 'timeouts.frontend');
    const shipped = await step(events, 'logs', 'Log shipper ready', async () =>
      convergeShipper(store, shipper, await engine, ctx),
    );
    if (shipped) outcomes.push(shipped);
  }

  // Containers of the env that the plan no longer has (a removed service, an extra replica), and
  // one-shot init containers an interrupted run left behind.
  for (const [name, info] of existing) {
    if (wanted.has(name)) continue;
    await removeContainer(docker, info.Id);
    changes.push(removalChange(name, info.Labels));
  }

  const seeded =
    profile.seed.enabled && request.seed !== false
      ? await step(events, 'seed', 'Seed test data', () =>
          seedComposeTenants(docker, env, profile.seed, { events, signal }),
        )
      : undefined;
  // A Ctrl-C that came after the last point a step checks: the user asked to stop, so do not report "is up".
  if (signal.aborted) throw new InterruptedError('up');

  const gateway = plan.services.find((s) => s.phase === 'gateway');
  const gatewayPort = outcomes.find((o) => o.service === gateway?.name)?.hostPort;
  const publishedPort = (as: Published) => {
    const service = plan.services.find((s) => s.publish?.as === as);
    return outcomes.find((o) => o.service === service?.name)?.hostPort;
  };
  const noop = changes.length === 0;
  const durationMs_ = Math.round(performance.now() - started);
  if (noop)
    events.emit({
      type: 'info',
      message: `Nothing to change: ${plan.services.length} services of ${env} are up to date (${durationMs_} ms)`,
    });
  else for (const c of changes) events.emit({ type: 'info', message: c });
  return {
    env,
    profile: prepared.profileName,
    appDigest: prepared.appDigest,
    ...(gatewayPort !== undefined && { gatewayPort, url: `http://localhost:${gatewayPort}/openmrs/spa/` }),
    ...toolUrls(publishedPort),
    admin: adminLogin(profile, deps.env),
    changes,
    noop,
    services: plan.services.map((s) => {
      const ip = outcomes.find((o) => o.service === s.name)?.ip;
      return { name: s.name, phase: s.phase, ...(ip && { ip }) };
    }),
    ...(seeded && { seeded }),
    durationMs: durationMs_,
  };
}

/** What removing a container the plan does not want means, in the list of changes. */
function removalChange(name: string, labels: Record<string, string>): string {
  const service = labels[LABEL.service] ?? name;
  if (labels[LABEL.role] === 'init')
    return `${service}: removed the leftover init container ${name} of an interrupted run`;
  return `${service}: removed (no longer in the plan)`;
}

/** The admin login to print: the password only when it is the well-known dev default. */
export function adminLogin(
  profile: Profile,
  env: Record<string, string | undefined>,
): { user: string; password: string } {
  const { password, passwordSecretRef } = profile.admin;
  if (passwordSecretRef)
    return {
      user: 'admin',
      password: `(from Secret ${passwordSecretRef.name} key ${passwordSecretRef.key})`,
    };
  if (password === undefined)
    return { user: 'admin', password: `${DEFAULT_ADMIN_PASSWORD} (the image default)` };
  if (password === DEFAULT_ADMIN_PASSWORD) return { user: 'admin', password };
  if (env.OMRS_ADMIN_PASSWORD !== undefined && env.OMRS_ADMIN_PASSWORD === password)
    return { user: 'admin', password: '(from $OMRS_ADMIN_PASSWORD)' };
  return { user: 'admin', password: '(from the profile: admin.password)' };
}

async function checkImages(
  docker: Docker,
  plan: ComposePlan,
  pull: PullPolicy,
  events: EventSink,
  signal: AbortSignal,
  extra: string[],
): Promise<void> {
  const images = [
    ...new Set([
      ...plan.services.flatMap((s) => [...s.initContainers, ...s.containers].map((c) => c.image)),
      ...extra,
    ]),
  ].sort();
  const present = new Map(
    await Promise.all(images.map(async (i) => [i, await imageExists(docker, i)] as const)),
  );
  const failures: string[] = [];
  for (const image of images) {
    const here = present.get(image)!;
    if (pull === 'never' || (pull === 'missing' && here)) continue;
    try {
      events.emit({ type: 'info', message: `pulling ${image}` });
      await pullImage(docker, image, signal);
      present.set(image, true);
    } catch (error) {
      const why = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      if (here)
        events.emit({ type: 'warning', message: `could not pull ${image} (using the local copy): ${why}` });
      else failures.push(`${image}: ${why}`);
    }
  }
  const missing = images.filter((i) => !present.get(i));
  if (missing.length === 0) return;
  throw new OmrsError({
    code: 'COMPOSE_IMAGES_MISSING',
    message: [
      `${missing.length} image${missing.length > 1 ? 's are' : ' is'} not on this Docker engine${pull === 'never' ? ' (--pull never)' : ''}:`,
      ...missing.map((i) => `  - ${i}`),
      ...(failures.length > 0 ? ['Pulling failed:', ...failures.map((f) => `  - ${f}`)] : []),
    ].join('\n'),
    hint: 'Load them from a bundle: `omrs images load <bundle.tar>` (or `docker load -i <bundle.tar>`), or pull them where a registry is reachable (`--pull missing`).',
    exitCode: ExitCode.prerequisite,
  });
}
