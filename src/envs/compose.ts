// Disposable environments on Docker. An environment is claimed by creating its network
// `omrs-<name>` with ALL its labels (env, profile, app digest, disposable, expires, owner) in one
// request, before anything else exists: a kill -9 at any later point leaves a labelled network
// that `env gc` (once expired) or `env rm` finds, and `down --volumes` removes everything carrying
// `omrs.dev/env=<name>`. Labels are immutable, so the mutable metadata (expiry after `env extend`,
// state) lives in a small JSON record in the env's state folder, written atomically; the record
// wins over the labels, and the labels alone are enough when the folder is lost.
import { mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, InterruptedError, OmrsError } from '../errors.js';
import { maskCredentials } from '../mask.js';
import { step } from '../events/bus.js';
import type { EventSink } from '../events/types.js';
import { appDigest } from '../profile/digest.js';
import { openProfile, type ProfileDeps } from '../profile/index.js';
import { checkEnvName } from '../render/env-name.js';
import { labelValue } from '../render/values.js';
import { assertDockerVersion, createDocker, type Docker } from '../platform/docker.js';
import { nowSeconds as clockSeconds } from '../platform/clock.js';
import { ownerName } from '../platform/identity.js';
import { envFilter, listContainers } from '../runtime/compose/engine.js';
import { LABEL, networkName } from '../runtime/compose/names.js';
import { envDir, stateHome } from '../runtime/compose/state.js';
import { down, type DownResult } from '../runtime/compose/down.js';
import { up, type PullPolicy, type UpResult } from '../runtime/compose/up.js';
import {
  expiredOf,
  expiryFields,
  extendedExpiry,
  isoOf,
  readExpiry,
  type Expiry,
  type SkippedEnv,
} from './expiry.js';
import type { EnvInfo } from './index.js';
import { generateName, ttlSeconds } from './names.js';

export const DLABEL = {
  disposable: 'omrs.dev/disposable',
  expires: 'omrs.dev/expires',
  owner: 'omrs.dev/owner',
  created: 'omrs.dev/created',
} as const;

export const RECORD_FILE = 'disposable.json';

export interface ComposeEnvRecord {
  name: string;
  runtime: 'compose';
  profile: string;
  appDigest: string;
  owner: string;
  /** Unix seconds. */
  created: number;
  expires: number;
  state: 'creating' | 'ready' | 'failed';
  url?: string;
  gatewayPort?: number;
}

export interface ComposeEnvDeps extends ProfileDeps {
  events: EventSink;
  signal: AbortSignal;
  docker?: Docker;
  now?: () => number;
  random?: () => Buffer;
}

export interface ComposeEnvCreateRequest {
  profile?: string;
  name?: string;
  ttl: string;
  pull?: PullPolicy;
  seed?: boolean;
}

export interface ComposeEnvCreateResult {
  name: string;
  runtime: 'compose';
  network: string;
  owner: string;
  expires: string;
  url?: string;
  up: UpResult;
  seeded: boolean;
  seedNote: string;
}

const nowSeconds = (deps: { now?: () => number }): number => clockSeconds(deps.now);
/** For times omrs computed itself (now plus a bounded TTL): always a real date. */
const iso = (unix: number): string => isoOf(unix)!;
const recordPath = (env: Record<string, string | undefined>, name: string): string =>
  join(envDir(env, name), RECORD_FILE);

/** Writes the record atomically: a temporary file in the same folder, then rename. */
export async function writeRecord(
  env: Record<string, string | undefined>,
  record: ComposeEnvRecord,
): Promise<void> {
  const dir = envDir(env, record.name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${RECORD_FILE}.${process.pid}.${Date.now()}.tmp`);
  await writeFile(tmp, JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, recordPath(env, record.name));
}

export async function readRecord(
  env: Record<string, string | undefined>,
  name: string,
): Promise<ComposeEnvRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(recordPath(env, name), 'utf8')) as Partial<ComposeEnvRecord>;
    if (typeof parsed.expires !== 'number' || parsed.name !== name) return undefined;
    return parsed as ComposeEnvRecord;
  } catch {
    return undefined;
  }
}

/** A Docker client when the engine answers within a couple of seconds; otherwise why not. */
export async function reachableDocker(
  env: Record<string, string | undefined>,
): Promise<{ docker: Docker } | { note: string }> {
  const where = maskCredentials(env.DOCKER_HOST ?? 'unix:///var/run/docker.sock');
  try {
    const docker = await createDocker(env);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      docker.ping().then(() => assertDockerVersion(docker, env)),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer in 3 s')), 3000);
      }),
    ]).finally(() => clearTimeout(timer));
    return { docker };
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return {
      note: `the Docker engine does not answer at ${where} (${why}): Docker environments are not included`,
    };
  }
}

export function dockerUnreachable(note: string): OmrsError {
  return new OmrsError({
    code: 'DOCKER_UNREACHABLE',
    message: note.replace(/: Docker environments are not included$/, ''),
    hint: 'Start Docker (or set DOCKER_HOST), then run the command again. `omrs doctor` checks it.',
    exitCode: ExitCode.prerequisite,
  });
}

async function dockerOf(deps: ComposeEnvDeps): Promise<Docker> {
  if (deps.docker) return deps.docker;
  const r = await reachableDocker(deps.env);
  if ('note' in r) throw dockerUnreachable(r.note);
  deps.docker = r.docker;
  return r.docker;
}

/** Whether anything of an env of this name exists: its network, a labelled object, its state folder. */
async function nameTaken(
  docker: Docker,
  env: Record<string, string | undefined>,
  name: string,
): Promise<boolean> {
  const filters = envFilter(name);
  const [byName, byLabel, containers, volumes, folder] = await Promise.all([
    docker.listNetworks({ filters: { name: [networkName(name)] } }),
    docker.listNetworks({ filters }),
    listContainers(docker, name),
    docker.listVolumes({ filters }),
    stat(envDir(env, name)).then(
      () => true,
      () => false,
    ),
  ]);
  return (
    byName.some((n) => n.Name === networkName(name)) ||
    byLabel.length > 0 ||
    containers.length > 0 ||
    (volumes.Volumes ?? []).length > 0 ||
    folder
  );
}

export async function createComposeEnv(
  request: ComposeEnvCreateRequest,
  deps: ComposeEnvDeps,
): Promise<ComposeEnvCreateResult> {
  const ttl = ttlSeconds(request.ttl);
  const resolved = await openProfile(request.profile, deps);
  if (request.name) checkEnvName(request.name);
  const docker = await dockerOf(deps);
  const digest = appDigest(resolved.profile);
  const owner = await ownerName(deps.env, deps.cwd);
  const created = nowSeconds(deps);
  const expires = created + ttl;
  let name: string | undefined;
  for (let attempt = 0; attempt < 8 && !name; attempt++) {
    const candidate = request.name ?? generateName(resolved.name, deps.random);
    if (await nameTaken(docker, deps.env, candidate)) {
      if (request.name)
        throw new OmrsError({
          code: 'ENV_EXISTS',
          message: `environment ${candidate} exists already on Docker (network, containers, volumes or state folder)`,
          exitCode: ExitCode.usage,
          hint: 'Choose another --name, or leave it out for a generated one.',
        });
      deps.events.emit({ type: 'debug', message: `name ${candidate} is taken, trying another` });
      continue;
    }
    // One request: the network exists with every label, or not at all. It is the claim.
    await docker.createNetwork({
      Name: networkName(candidate),
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: {
        [LABEL.env]: candidate,
        [LABEL.profile]: resolved.name,
        [LABEL.appDigest]: digest,
        [DLABEL.disposable]: 'true',
        [DLABEL.expires]: String(expires),
        [DLABEL.created]: String(created),
        [DLABEL.owner]: labelValue(owner) || 'unknown',
      },
    });
    // Two creates racing for the same name: the older network wins, the other backs off.
    const same = await docker.listNetworks({ filters: { name: [networkName(candidate)] } });
    const exact = same.filter((n) => n.Name === networkName(candidate));
    if (exact.length > 1) {
      const mine = exact.find((n) => n.Labels?.[DLABEL.created] === String(created));
      if (mine)
        await docker
          .getNetwork(mine.Id)
          .remove()
          .catch(() => undefined);
      if (request.name)
        throw new OmrsError({
          code: 'ENV_EXISTS',
          message: `environment ${candidate} is being created by another command`,
          exitCode: ExitCode.usage,
        });
      continue;
    }
    name = candidate;
  }
  if (!name)
    throw new OmrsError({
      code: 'ENV_NAME_EXHAUSTED',
      message: 'could not find a free environment name in 8 attempts',
      exitCode: ExitCode.failed,
    });
  const record: ComposeEnvRecord = {
    name,
    runtime: 'compose',
    profile: resolved.name,
    appDigest: digest,
    owner,
    created,
    expires,
    state: 'creating',
  };
  await writeRecord(deps.env, record);
  try {
    const result = await up(
      {
        env: name,
        ...(request.profile && { profile: request.profile }),
        ...(request.pull && { pull: request.pull }),
        ...(request.seed !== undefined && { seed: request.seed }),
      },
      { docker, events: deps.events, signal: deps.signal, env: deps.env, cwd: deps.cwd },
    );
    // A signal after up's last check ends the command as interrupted: not listed as ready then.
    if (deps.signal.aborted) throw new InterruptedError('env create');
    // Re-read: an `env extend` during the create wins.
    const latest = (await readRecord(deps.env, name)) ?? record;
    await writeRecord(deps.env, {
      ...latest,
      state: 'ready',
      ...(result.url && { url: result.url }),
      ...(result.gatewayPort !== undefined && { gatewayPort: result.gatewayPort }),
    });
    const seeded = resolved.profile.seed.enabled && request.seed !== false;
    return {
      name,
      runtime: 'compose',
      network: networkName(name),
      owner,
      expires: iso(latest.expires),
      ...(result.url && { url: result.url }),
      up: result,
      seeded,
      seedNote: seeded
        ? 'seeded by the seed step of the profile'
        : resolved.profile.seed.enabled
          ? 'seeding skipped (--no-seed)'
          : 'the profile does not enable seeding',
    };
  } catch (error) {
    const latest = (await readRecord(deps.env, name)) ?? record;
    await writeRecord(deps.env, { ...latest, state: 'failed' }).catch(() => undefined);
    throw error;
  }
}

/** Every disposable environment on the engine: labelled networks plus records of the state folder. */
export async function listComposeEnvs(deps: ComposeEnvDeps): Promise<EnvInfo[]> {
  const docker = await dockerOf(deps);
  const now = nowSeconds(deps);
  const [networks, containers] = await Promise.all([
    docker.listNetworks({ filters: { label: [`${DLABEL.disposable}=true`] } }),
    docker.listContainers({ all: true, filters: { label: [LABEL.env] } }),
  ]);
  const names = new Set<string>();
  const labelsOf = new Map<string, Record<string, string>>();
  for (const n of networks) {
    const name = n.Labels?.[LABEL.env];
    if (!name) continue;
    names.add(name);
    labelsOf.set(name, n.Labels ?? {});
  }
  const envsRoot = join(stateHome(deps.env), 'envs');
  const records = new Map<string, ComposeEnvRecord>();
  for (const entry of await readdir(envsRoot, { withFileTypes: true }).catch(() => [])) {
    const record = entry.isDirectory() ? await readRecord(deps.env, entry.name) : undefined;
    if (!record) continue;
    names.add(entry.name);
    records.set(entry.name, record);
  }
  const infos = [...names].map((name): EnvInfo => {
    const record = records.get(name);
    const l = labelsOf.get(name) ?? {};
    const expiry = expiryOf(record, l, now);
    const createdUnix = record?.created ?? Number(l[DLABEL.created] ?? 0);
    const created = createdUnix > 0 ? isoOf(createdUnix) : undefined;
    const mine = containers.filter((c) => c.Labels[LABEL.env] === name);
    const port = mine.flatMap((c) => c.Ports.filter((p) => p.PublicPort && p.IP === '127.0.0.1'))[0]
      ?.PublicPort;
    const state =
      expiry.unix !== undefined && expiry.unix <= now
        ? 'expired'
        : (record?.state ?? (labelsOf.has(name) ? 'unknown (no record)' : 'unknown'));
    return {
      name,
      namespace: networkName(name),
      runtime: 'compose',
      profile: record?.profile ?? l[LABEL.profile] ?? '',
      owner: record?.owner ?? l[DLABEL.owner] ?? '',
      url: port !== undefined ? `http://localhost:${port}/openmrs/spa/` : (record?.url ?? ''),
      created: created ?? '',
      ...expiryFields(expiry, now),
      ageSeconds: created ? now - createdUnix : 0,
      state,
    };
  });
  return infos.sort((a, b) => a.name.localeCompare(b.name));
}

/** The expiry of the record when there is one (it wins: `env extend` writes it), else of the network label. */
function expiryOf(record: ComposeEnvRecord | undefined, labels: Record<string, string>, now: number): Expiry {
  return record
    ? readExpiry(record.expires, now, `the expiry in ${RECORD_FILE}`)
    : readExpiry(labels[DLABEL.expires], now, `label ${DLABEL.expires}`);
}

/** Whether an environment of that name is a disposable one on this engine. */
export async function composeEnvExists(deps: ComposeEnvDeps, name: string): Promise<boolean> {
  return (await listComposeEnvs(deps)).some((e) => e.name === name);
}

function notFound(name: string): OmrsError {
  return new OmrsError({
    code: 'ENV_NOT_FOUND',
    message: `no disposable environment named ${name} on Docker`,
    exitCode: ExitCode.usage,
    hint: 'List them with `omrs env ls`.',
  });
}

export async function extendComposeEnv(
  request: { name: string; ttl: string },
  deps: ComposeEnvDeps,
): Promise<{ name: string; runtime: 'compose'; expires: string }> {
  const ttl = ttlSeconds(request.ttl);
  const env = (await listComposeEnvs(deps)).find((e) => e.name === request.name);
  if (!env) throw notFound(request.name);
  const docker = await dockerOf(deps);
  const now = nowSeconds(deps);
  let record = await readRecord(deps.env, request.name);
  let current: Expiry;
  if (record) current = expiryOf(record, {}, now);
  else {
    // The folder was lost: rebuild the record from the network's labels.
    const [n] = await docker.listNetworks({
      filters: { label: [`${DLABEL.disposable}=true`, `${LABEL.env}=${request.name}`] },
    });
    const l = n?.Labels ?? {};
    current = expiryOf(undefined, l, now);
    const created = Number(l[DLABEL.created] ?? 0);
    record = {
      name: request.name,
      runtime: 'compose',
      profile: l[LABEL.profile] ?? env.profile,
      appDigest: l[LABEL.appDigest] ?? '',
      owner: l[DLABEL.owner] ?? env.owner,
      created: isoOf(created) ? created : 0,
      expires: current.unix ?? now,
      state: 'ready',
    };
  }
  const expires = extendedExpiry(current, now, ttl, request.name);
  await writeRecord(deps.env, { ...record, expires });
  return { name: request.name, runtime: 'compose', expires: iso(expires) };
}

export type ComposeRemoveResult = DownResult & { name: string; runtime: 'compose' };

export async function removeComposeEnv(
  request: { name: string },
  deps: ComposeEnvDeps,
): Promise<ComposeRemoveResult> {
  const docker = await dockerOf(deps);
  if (!(await composeEnvExists(deps, request.name))) throw notFound(request.name);
  const result = await down(request.name, { volumes: true }, { docker, events: deps.events, env: deps.env });
  return { ...result, name: request.name, runtime: 'compose' };
}

export interface ComposeGcResult {
  dryRun: boolean;
  removed: {
    name: string;
    runtime: 'compose';
    expired: string;
    containers: string[];
    networks: string[];
    volumes: string[];
  }[];
  kept: number;
  /** Environments left alone because their expiry is not a time (they are counted as kept). */
  skipped: SkippedEnv[];
}

/** Removes every expired disposable Docker environment (`down --volumes`), and nothing else. */
export async function gcComposeEnvs(
  request: { dryRun?: boolean },
  deps: ComposeEnvDeps,
): Promise<ComposeGcResult> {
  const docker = await dockerOf(deps);
  const envs = await listComposeEnvs(deps);
  const { expired, skipped } = expiredOf(envs);
  const removed: ComposeGcResult['removed'] = [];
  await step(
    deps.events,
    'gc-docker',
    `remove ${expired.length} expired Docker environment${expired.length === 1 ? '' : 's'}`,
    async () => {
      for (const e of expired) {
        if (request.dryRun) {
          removed.push({
            name: e.name,
            runtime: 'compose',
            expired: e.expires,
            containers: [],
            networks: [],
            volumes: [],
          });
          continue;
        }
        const r = await down(
          e.name,
          { volumes: true },
          { docker, events: { emit: () => undefined }, env: deps.env },
        );
        removed.push({
          name: e.name,
          runtime: 'compose',
          expired: e.expires,
          containers: r.containers,
          networks: r.networks,
          volumes: r.volumes,
        });
        deps.events.emit({ type: 'info', message: `removed ${e.name} (expired ${e.expires})` });
      }
    },
  );
  return { dryRun: request.dryRun === true, removed, kept: envs.length - expired.length, skipped };
}
