// The disposable-environment use cases every `omrs env` command calls, whatever runs them: on a
// cluster (envs/index.ts: a namespace per environment) or on Docker (envs/compose.ts: a labelled
// network). Which side a request goes to is decided here, once:
//   - create: --runtime compose is Docker; anything else a cluster (the profile decides which);
//   - extend, rm: --runtime compose is Docker, another --runtime the cluster; without one, Docker
//     when it holds a disposable environment of that name, else the cluster;
//   - ls, gc: --runtime compose is Docker only (it must answer), another --runtime the cluster
//     only; without one both, where an absent cluster (no kubeconfig, no answer; unless --context or
//     --kubeconfig named one) or an absent Docker engine is a note, as long as the other side answered.
import { OmrsError } from '../errors.js';
import type { Docker } from '../platform/docker.js';
import type { Profile } from '../profile/schema.js';
import type { RuntimeDeps } from '../runtime/runtime.js';
import {
  composeEnvExists,
  createComposeEnv,
  dockerUnreachable,
  extendComposeEnv,
  gcComposeEnvs,
  listComposeEnvs,
  reachableDocker,
  removeComposeEnv,
} from './compose.js';
import type { SkippedEnv } from './expiry.js';
import { createEnv, extendEnv, gcEnvs, listEnvs, removeEnv, type EnvInfo } from './index.js';
import { ttlSeconds } from './names.js';

export interface EnvScope {
  /** The profile: what to create from; on a cluster it also decides the context. */
  profile?: string;
  /** compose (Docker), kube, kind or minikube; see the header for the default. */
  runtime?: string;
  context?: string;
  kubeconfig?: string;
  yes?: boolean;
}

export interface EnvironmentsDeps extends RuntimeDeps {
  now?: () => number;
  /** Name generator (tests force collisions with it). */
  random?: () => Buffer;
}

export interface EnvCreated {
  name: string;
  runtime: string;
  owner: string;
  expires: string;
  url?: string;
  /** Where it runs: a cluster's context and namespace, or Docker's network. */
  context?: string;
  namespace?: string;
  network?: string;
  /** What `up` answered (absent when the cluster side was asked not to install). */
  up?: { noop: boolean; gatewayPort?: number; seeded?: string[] };
  seeded: boolean;
  seedNote: string;
}

export interface EnvList {
  environments: EnvInfo[];
  /** A side that did not answer and was left out (see the header). */
  notes?: string[];
}

export interface EnvRemoved {
  name: string;
  /** What was removed, for people ("namespace omrs-x", "3 volume claims"). */
  removed: string[];
}

export interface EnvGc {
  context?: string;
  dryRun: boolean;
  removed: { name: string; expired: string }[];
  kept: number;
  skipped: SkippedEnv[];
  notes?: string[];
}

const DOCKER = 'compose';
/** Cluster errors that only mean "there is no cluster here" (not a refused or mismatched context). */
const NO_CLUSTER = new Set(['KUBE_CONFIG_MISSING', 'KUBE_UNREACHABLE']);

/** The request as the cluster side takes it: --runtime compose means nothing there. */
const clusterScope = (s: EnvScope) => ({
  ...(s.profile && { profile: s.profile }),
  ...(s.context && { context: s.context }),
  ...(s.kubeconfig && { kubeconfig: s.kubeconfig }),
  ...(s.yes && { yes: true }),
  ...(s.runtime && s.runtime !== DOCKER && { runtime: s.runtime }),
});

const byName = <T extends { name: string }>(list: T[]): T[] =>
  list.sort((a, b) => a.name.localeCompare(b.name));

async function dockerOrThrow(env: EnvironmentsDeps['env']): Promise<Docker> {
  const r = await reachableDocker(env);
  if ('note' in r) throw dockerUnreachable(r.note);
  return r.docker;
}

/** Runs the sides of ls and gc the request asks for (see the header). */
async function bothSides<K, D>(
  scope: EnvScope,
  deps: EnvironmentsDeps,
  cluster: () => Promise<K>,
  docker: (client: Docker) => Promise<D>,
): Promise<{ cluster?: K; docker?: D; notes: string[] }> {
  const notes: string[] = [];
  if (scope.runtime === DOCKER) return { docker: await docker(await dockerOrThrow(deps.env)), notes };
  if (scope.runtime) return { cluster: await cluster(), notes };
  let k: K | undefined;
  let clusterError: unknown;
  try {
    k = await cluster();
  } catch (error) {
    if (!(error instanceof OmrsError && NO_CLUSTER.has(error.code)) || scope.context || scope.kubeconfig)
      throw error;
    clusterError = error;
  }
  const r = await reachableDocker(deps.env);
  if ('note' in r) {
    if (clusterError) throw clusterError;
    notes.push(r.note);
    return { cluster: k!, notes };
  }
  if (clusterError)
    notes.push(
      `no cluster (${(clusterError as OmrsError).message.split('\n')[0]}): cluster environments are not included`,
    );
  return { ...(k !== undefined && { cluster: k }), docker: await docker(r.docker), notes };
}

/** The Docker engine when a named environment lives there (see the header), else undefined (the cluster). */
async function dockerHolding(
  scope: EnvScope,
  deps: EnvironmentsDeps,
  name: string,
): Promise<Docker | undefined> {
  if (scope.runtime && scope.runtime !== DOCKER) return undefined;
  if (scope.runtime === DOCKER) return dockerOrThrow(deps.env);
  const r = await reachableDocker(deps.env);
  if ('note' in r) return undefined;
  const quiet = { ...deps, docker: r.docker, events: { emit: () => undefined } };
  return (await composeEnvExists(quiet, name)) ? r.docker : undefined;
}

export async function createEnvironment(
  request: EnvScope & { name?: string; ttl: string; fromSnapshot?: string },
  deps: EnvironmentsDeps,
): Promise<EnvCreated> {
  if (request.fromSnapshot)
    return createFromSnapshot({ ...request, fromSnapshot: request.fromSnapshot }, deps);
  return createOn(request, deps);
}

/**
 * `env create --from-snapshot`: up without the seed step, the snapshot into each tenant's database,
 * then the backends on the restored data. On a cluster the first up has no backends and a second
 * one starts them: each starts once, never on an empty database (the real backend's first start
 * there runs Liquibase over the whole schema).
 */
async function createFromSnapshot(
  request: EnvScope & { name?: string; ttl: string; fromSnapshot: string },
  deps: EnvironmentsDeps,
): Promise<EnvCreated> {
  const [{ snapshotTenants, restoreTenants }, { selectRuntime }] = await Promise.all([
    import('./from-snapshot.js'),
    import('../runtime/select.js'),
  ]);
  const tenants = await snapshotTenants(request.profile, request.fromSnapshot, deps);
  const { fromSnapshot, ...rest } = request;
  // Docker's restore reads the tenants' logins from the backend containers: they must run.
  const backendsRunning = request.runtime === DOCKER;
  const made = await createOn(rest, deps, false, backendsRunning ? undefined : withoutBackends);
  const runtime = await selectRuntime(
    {
      env: made.name,
      runtime: made.runtime,
      ...(request.profile && { profile: request.profile }),
      ...(request.context && { context: request.context }),
      ...(request.kubeconfig && { kubeconfig: request.kubeconfig }),
      ...(request.yes && { yes: true }),
    },
    deps,
  );
  await restoreTenants(runtime, tenants, fromSnapshot, deps, backendsRunning);
  return {
    ...made,
    seeded: true,
    seedNote: `restored from snapshot ${fromSnapshot} (${tenants.join(', ')})`,
  };
}

const withoutBackends = (profile: Profile): Profile => ({
  ...profile,
  replicas: { ...profile.replicas, backend: 0 },
});

/** On Docker or a cluster, as the request's runtime says; seed false skips the seed step; `adjust` is for clusters. */
async function createOn(
  request: EnvScope & { name?: string; ttl: string },
  deps: EnvironmentsDeps,
  seed?: boolean,
  adjust?: (profile: Profile) => Profile,
): Promise<EnvCreated> {
  const named = { ...(request.name && { name: request.name }), ...(seed !== undefined && { seed }) };
  if (request.runtime === DOCKER) {
    const made = await createComposeEnv(
      { ttl: request.ttl, ...(request.profile && { profile: request.profile }), ...named },
      deps,
    );
    return { ...made, runtime: DOCKER };
  }
  const made = await createEnv(
    { ...clusterScope(request), ttl: request.ttl, ...named, ...(adjust && { adjust }) },
    deps,
  );
  return { ...made, runtime: made.up?.runtime ?? request.runtime ?? 'kube' };
}

export async function listEnvironments(scope: EnvScope, deps: EnvironmentsDeps): Promise<EnvList> {
  const sides = await bothSides(
    scope,
    deps,
    () => listEnvs(clusterScope(scope), deps),
    (docker) => listComposeEnvs({ ...deps, docker }),
  );
  return {
    environments: byName([...(sides.cluster ?? []), ...(sides.docker ?? [])]),
    ...(sides.notes.length > 0 && { notes: sides.notes }),
  };
}

export async function extendEnvironment(
  request: EnvScope & { name: string; ttl: string },
  deps: EnvironmentsDeps,
): Promise<{ name: string; runtime?: string; expires: string }> {
  // A bad --ttl is a usage error before any engine is asked which runtime holds the environment.
  ttlSeconds(request.ttl);
  const docker = await dockerHolding(request, deps, request.name);
  if (docker) return extendComposeEnv({ name: request.name, ttl: request.ttl }, { ...deps, docker });
  return extendEnv({ ...clusterScope(request), name: request.name, ttl: request.ttl }, deps);
}

export async function removeEnvironment(
  request: EnvScope & { name: string },
  deps: EnvironmentsDeps,
): Promise<EnvRemoved> {
  const docker = await dockerHolding(request, deps, request.name);
  if (docker) {
    const r = await removeComposeEnv({ name: request.name }, { ...deps, docker });
    return {
      ...r,
      removed: [`${r.containers.length} containers`, 'network', `${r.volumes.length} volumes`],
    };
  }
  const r = await removeEnv({ ...clusterScope(request), name: request.name }, deps);
  return {
    ...r,
    name: request.name,
    removed: [`namespace ${r.namespace}`, `${r.deletedPvcs.length} volume claims`],
  };
}

export async function gcEnvironments(
  request: EnvScope & { dryRun?: boolean },
  deps: EnvironmentsDeps,
): Promise<EnvGc> {
  const dryRun = request.dryRun === true;
  const sides = await bothSides(
    request,
    deps,
    () => gcEnvs({ ...clusterScope(request), ...(dryRun && { dryRun: true }) }, deps),
    (docker) => gcComposeEnvs({ dryRun }, { ...deps, docker }),
  );
  return {
    ...(sides.cluster && { context: sides.cluster.context }),
    dryRun,
    removed: byName([...(sides.cluster?.removed ?? []), ...(sides.docker?.removed ?? [])]),
    kept: (sides.cluster?.kept ?? 0) + (sides.docker?.kept ?? 0),
    skipped: [...(sides.cluster?.skipped ?? []), ...(sides.docker?.skipped ?? [])],
    ...(sides.notes.length > 0 && { notes: sides.notes }),
  };
}
