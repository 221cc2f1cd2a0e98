// Brings one planned service to its planned state: reuse a container whose spec hash matches,
// start it again when it stopped (repair), replace it when the spec changed; run init containers
// and Jobs as one-shot containers that must exit 0; wait for readiness with the step's deadline.
import type { ContainerInfo } from 'dockerode';
import { OmrsError } from '../../errors.js';
import type { EventSink, ResourceEvent } from '../../events/types.js';
import type { Docker } from '../../platform/docker.js';
import { mkdir, chmod, rm } from 'node:fs/promises';
import { giveVolumesToGroup } from './volume-group.js';
import { containerSpec, emptyDirsOf, nameFor, podScratchDir, specHash, type Role } from './docker-spec.js';
import {
  containerState,
  createAndStart,
  removeContainer,
  sleep,
  tailLogs,
  waitExit,
  waitReady,
} from './engine.js';
import { LABEL, containerName } from './names.js';
import type { ComposePlan, ContainerPlan, ServicePlan } from './plan.js';
import { choosePort } from './ports.js';

/** Docker's answer when the published host port was bound by someone else since omrs chose it. */
const PORT_TAKEN = /port is already allocated|address already in use/i;
const PORT_ATTEMPTS = 5;

export interface ConvergeContext {
  docker: Docker;
  events: EventSink;
  signal: AbortSignal;
  plan: ComposePlan;
  stateDir: string;
  labels: Record<string, string>;
  /** Existing containers of the env by name. */
  existing: Map<string, ContainerInfo>;
  /** Names this run wants to exist at the end (everything else is removed). */
  wanted: Set<string>;
  changes: string[];
  step: string;
  timeoutText: string;
  deadline: number;
}

export interface ServiceOutcome {
  service: string;
  hostPort?: number;
  /** The main container id (replica 0). */
  id?: string;
  ip?: string;
}

export async function convergeService(s: ServicePlan, ctx: ConvergeContext): Promise<ServiceOutcome> {
  if (s.kind === 'Job') return runJob(s, ctx);
  let outcome: ServiceOutcome = { service: s.name };
  for (let replica = 0; replica < s.replicas; replica++) {
    const result = await convergePod(s, replica, ctx);
    if (replica === 0) outcome = result;
  }
  if (s.replicas === 0) serviceEvent(ctx, s, { runtime: 'stopped', health: 'none', detail: 'scaled to 0' });
  return outcome;
}

async function convergePod(s: ServicePlan, replica: number, ctx: ConvergeContext): Promise<ServiceOutcome> {
  const { docker, plan } = ctx;
  const [main, ...sidecars] = s.containers as [ContainerPlan, ...ContainerPlan[]];
  const mainName = containerName(plan.env, s.name, replica);
  const parts = [{ c: main, role: 'main' as Role }, ...sidecars.map((c) => ({ c, role: 'sidecar' as Role }))];
  for (const p of parts) ctx.wanted.add(nameFor(plan.env, s, p.c, p.role, replica));
  const hashes = parts.map((p) => specHash({ plan, service: s, container: p.c, role: p.role, replica }));
  const current = parts.map((p) => ctx.existing.get(nameFor(plan.env, s, p.c, p.role, replica)));
  const upToDate = current.every((info, i) => info && info.Labels[LABEL.specHash] === hashes[i]);
  let hostPort: number | undefined;
  if (upToDate) {
    await makeEmptyDirs(ctx, s, replica, false);
    const stopped = current.filter((info) => info!.State !== 'running');
    for (const info of stopped) {
      serviceEvent(ctx, s, {
        runtime: 'starting',
        health: 'starting',
        detail: `restarting: was ${info!.State}`,
      });
      await docker
        .getContainer(info!.Id)
        .start()
        .catch((error: { statusCode?: number }) => {
          if (error.statusCode !== 304) throw error;
        });
    }
    if (stopped.length > 0)
      ctx.changes.push(`${s.name}: started again (was ${stopped.map((i) => i!.State).join(', ')})`);
    hostPort = current[0]!.Ports.find((p) => p.PublicPort)?.PublicPort;
  } else {
    for (const info of current) if (info) await removeContainer(docker, info.Id);
    await makeEmptyDirs(ctx, s, replica, true);
    serviceEvent(ctx, s, {
      runtime: 'starting',
      health: 'starting',
      detail: current[0] ? 'spec changed: replacing' : 'creating',
    });
    if (replica === 0) await giveVolumesToGroup(ctx.docker, s, `${mainName}-fsgroup`, ctx.labels, ctx.signal);
    for (const init of s.initContainers) await runOnce(s, init, 'init', replica, ctx);
    if (s.publish && replica === 0) {
      hostPort = await choosePort(s.publish.hostPort);
      if (hostPort !== s.publish.hostPort)
        ctx.events.emit({
          type: 'warning',
          message: `port ${s.publish.hostPort} on 127.0.0.1 is taken: ${s.name} is published on ${hostPort} instead`,
          hint: `Set ports.${s.publish.as} in the profile to choose another port.`,
        });
    }
    for (const p of parts) {
      for (let attempt = 1; ; attempt++) {
        const publishing = hostPort !== undefined && p.role === 'main' && replica === 0;
        const spec = containerSpec({
          plan,
          service: s,
          container: p.c,
          role: p.role,
          replica,
          stateDir: ctx.stateDir,
          labels: ctx.labels,
          ...(publishing && { hostPort }),
        });
        ctx.signal.throwIfAborted();
        try {
          await createAndStart(docker, spec.options, plan.env);
          break;
        } catch (error) {
          // Another process (another `omrs up`) may bind the port between the check and Docker's start.
          if (!publishing || attempt >= PORT_ATTEMPTS || !PORT_TAKEN.test(String(error))) throw error;
          await removeContainer(docker, spec.options.name!);
          const taken = hostPort!;
          hostPort = await choosePort(taken + 1);
          ctx.events.emit({
            type: 'warning',
            message: `port ${taken} on 127.0.0.1 was taken while ${s.name} started: it is published on ${hostPort} instead`,
            hint: `Set ports.${s.publish?.as ?? 'gateway'} in the profile to choose another port.`,
          });
        }
      }
    }
    ctx.changes.push(`${s.name}: ${current[0] ? 'replaced (spec changed)' : 'created'}`);
  }
  const ports = hostPort !== undefined ? [`127.0.0.1:${hostPort}→${s.publish?.containerPort}`] : [];
  const probe = main.readinessProbe ?? main.startupProbe;
  serviceEvent(ctx, s, { runtime: 'starting', health: probe ? 'starting' : 'none', ports });
  const outcome = await waitReady(
    docker,
    { id: mainName, network: plan.network },
    probe,
    ctx.deadline,
    ctx.signal,
    (last) => serviceEvent(ctx, s, { runtime: 'starting', health: 'starting', detail: last.message }),
  );
  if (!outcome.ready) {
    serviceEvent(ctx, s, { runtime: 'error', health: 'unhealthy', detail: outcome.last.message });
    throw await timeoutError(ctx, s.name, mainName, outcome.last.message);
  }
  for (const c of sidecars) {
    const state = await containerState(docker, nameFor(plan.env, s, c, 'sidecar', replica), plan.network);
    if (!state.running)
      throw await timeoutError(
        ctx,
        s.name,
        nameFor(plan.env, s, c, 'sidecar', replica),
        `sidecar ${c.name} is ${state.status}`,
      );
  }
  const state = await containerState(docker, mainName, plan.network);
  serviceEvent(ctx, s, {
    runtime: 'ok',
    health: probe ? 'healthy' : 'none',
    restarts: state.restarts,
    ports,
    detail: outcome.last.message,
  });
  return {
    service: s.name,
    ...(hostPort !== undefined && { hostPort }),
    id: mainName,
    ...(state.ip && { ip: state.ip }),
  };
}

/** A pod's emptyDir folders, 0777 like the kubelet's; `fresh` empties them first (a new pod). */
async function makeEmptyDirs(
  ctx: ConvergeContext,
  s: ServicePlan,
  replica: number,
  fresh: boolean,
): Promise<void> {
  if (fresh) await rm(podScratchDir(ctx.stateDir, s, replica), { recursive: true, force: true });
  for (const c of [...s.initContainers, ...s.containers])
    for (const dir of emptyDirsOf(ctx.stateDir, s, replica, c)) {
      await mkdir(dir, { recursive: true });
      for (
        let d = dir;
        d.length > ctx.stateDir.length && d.includes('/scratch/');
        d = d.slice(0, d.lastIndexOf('/'))
      )
        await chmod(d, 0o777);
    }
}

/** A one-shot container (init container or Job container) that must exit 0. */
async function runOnce(
  s: ServicePlan,
  c: ContainerPlan,
  role: 'init' | 'job',
  replica: number,
  ctx: ConvergeContext,
): Promise<void> {
  const { docker } = ctx;
  const attempts = role === 'job' ? (s.backoffLimit ?? 6) + 1 : 1;
  for (let attempt = 1; ; attempt++) {
    const spec = containerSpec({
      plan: ctx.plan,
      service: s,
      container: c,
      role,
      replica,
      stateDir: ctx.stateDir,
      labels: ctx.labels,
    });
    await removeContainer(docker, spec.name);
    ctx.signal.throwIfAborted();
    await createAndStart(docker, spec.options, ctx.plan.env);
    const code = await waitExit(docker, spec.name, ctx.deadline, ctx.signal);
    if (code === 0) {
      if (role === 'init') await removeContainer(docker, spec.name);
      return;
    }
    const why = code === undefined ? 'still running at the deadline' : `exited with code ${code}`;
    if (code !== undefined && attempt < attempts && Date.now() < ctx.deadline) {
      serviceEvent(ctx, s, {
        runtime: 'starting',
        health: 'starting',
        detail: `${c.name} ${why}: retry ${attempt}/${attempts - 1}`,
      });
      await sleep(Math.min(2000, 250 * 2 ** attempt), ctx.signal);
      continue;
    }
    throw await failure(
      ctx,
      `${role === 'init' ? 'init container' : 'Job'} ${c.name} of ${s.name} ${why}`,
      spec.name,
      s.name,
    );
  }
}

async function runJob(s: ServicePlan, ctx: ConvergeContext): Promise<ServiceOutcome> {
  const { docker, plan } = ctx;
  const main = s.containers[0]!;
  const name = nameFor(plan.env, s, main, 'job', 0);
  ctx.wanted.add(name);
  const hash = specHash({ plan, service: s, container: main, role: 'job', replica: 0 });
  const info = ctx.existing.get(name);
  if (info && info.Labels[LABEL.specHash] === hash && info.State === 'exited') {
    const inspect = await docker.getContainer(info.Id).inspect();
    if (inspect.State.ExitCode === 0) {
      jobEvent(ctx, s.name, 'ok', 'completed');
      return { service: s.name };
    }
  }
  jobEvent(ctx, s.name, 'starting', 'running');
  await makeEmptyDirs(ctx, s, 0, true);
  for (const init of s.initContainers) await runOnce(s, init, 'init', 0, ctx);
  await runOnce(s, main, 'job', 0, ctx);
  ctx.changes.push(`${s.name}: job ran`);
  jobEvent(ctx, s.name, 'ok', 'completed');
  return { service: s.name };
}

async function timeoutError(
  ctx: ConvergeContext,
  service: string,
  container: string,
  lastProbe: string,
): Promise<OmrsError> {
  return failure(ctx, `${service} is not ready after ${ctx.timeoutText}`, container, service, lastProbe);
}

async function failure(
  ctx: ConvergeContext,
  what: string,
  container: string,
  service: string,
  lastProbe?: string,
): Promise<OmrsError> {
  const logs = await tailLogs(ctx.docker, container, 20);
  const lines = [
    `Step "${ctx.step}" failed: ${what}.`,
    ...(lastProbe ? [`Last probe: ${lastProbe}`] : []),
    logs.length > 0
      ? `Last ${logs.length} log lines of ${container}:\n${logs.map((l) => `  | ${l}`).join('\n')}`
      : `No log lines from ${container}.`,
  ];
  return new OmrsError({
    code: lastProbe ? 'COMPOSE_STEP_TIMEOUT' : 'COMPOSE_STEP_FAILED',
    message: lines.join('\n'),
    hint: lastProbe
      ? `Raise timeouts.${ctx.step} in the profile if it is only slow; \`omrs logs ${service}\` shows everything.`
      : `\`omrs logs ${service}\` shows everything; fix the cause and run \`omrs up\` again.`,
  });
}

function jobEvent(
  ctx: ConvergeContext,
  name: string,
  runtime: 'ok' | 'starting',
  detail: 'completed' | 'running',
): void {
  ctx.events.emit({ type: 'resource', name, kind: 'Job', runtime, health: 'none', detail });
}

/** One service's state for the views (the same resource model as the kube watch). */
function serviceEvent(
  ctx: ConvergeContext,
  s: ServicePlan,
  state: Omit<ResourceEvent, 'type' | 'name' | 'kind'>,
): void {
  ctx.events.emit({ type: 'resource', name: s.name, kind: s.kind, ...state });
}
