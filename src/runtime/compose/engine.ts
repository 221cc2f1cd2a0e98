// The docker side of the compose runtime: networks, volumes, containers by label, log tails,
// readiness polling. Every object it creates carries the env's labels from its first call.
import { PassThrough } from 'node:stream';
import type { ContainerCreateOptions, ContainerInfo } from 'dockerode';
import { InterruptedError, OmrsError } from '../../errors.js';
import type { Docker } from '../../platform/docker.js';
import { LABEL } from './names.js';
import type { ProbePlan } from './plan.js';
import { runProbe, type ProbeResult } from './probe.js';

export const envFilter = (env: string, extra: string[] = []): { label: string[] } => ({
  label: [`${LABEL.env}=${env}`, ...extra],
});

export async function listContainers(docker: Docker, env: string): Promise<ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: envFilter(env) });
}

const isStatus = (error: unknown, code: number): boolean =>
  (error as { statusCode?: number } | undefined)?.statusCode === code;

export async function ensureNetwork(
  docker: Docker,
  name: string,
  labels: Record<string, string>,
): Promise<void> {
  const existing = await docker.listNetworks({ filters: { name: [name] } });
  if (existing.some((n) => n.Name === name)) return;
  try {
    await docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels, CheckDuplicate: true });
  } catch (error) {
    if (!isStatus(error, 409)) throw error;
  }
}

export async function ensureVolume(
  docker: Docker,
  name: string,
  labels: Record<string, string>,
): Promise<boolean> {
  try {
    await docker.getVolume(name).inspect();
    return false;
  } catch (error) {
    if (!isStatus(error, 404)) throw error;
  }
  await docker.createVolume({ Name: name, Labels: labels });
  return true;
}

/**
 * Removes a container with its anonymous volumes (`v: true`): images such as MariaDB declare a
 * VOLUME, so every one-shot container of theirs would otherwise leave an unlabelled volume behind.
 * Named volumes (the env's data) are never removed by this.
 */
export async function removeContainer(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (error) {
    if (!isStatus(error, 404) && !isStatus(error, 409)) throw error;
  }
}

/**
 * Creates and starts a container. Docker answers 409 when the name is taken: by another omrs or
 * docker command working on the environment at the same time, or by a container omrs did not make.
 */
export async function createAndStart(
  docker: Docker,
  options: ContainerCreateOptions,
  env: string,
): Promise<void> {
  try {
    const created = await docker.createContainer(options);
    await created.start();
  } catch (error) {
    if (!isStatus(error, 409)) throw error;
    const name = options.name ?? options.Image ?? 'a container';
    throw conflictError(
      env,
      `create container ${name}`,
      error,
      `remove that container if omrs did not make it (\`docker rm -f ${name}\`), or use another --env`,
    );
  }
}

/** Docker's 409 (a name in use, a volume in use) as what it means to the user. */
export function conflictError(
  env: string,
  what: string,
  cause: unknown,
  otherwise = 'run the command again',
): OmrsError {
  return new OmrsError({
    code: 'COMPOSE_CONFLICT',
    message: `Docker refused to ${what} for environment ${env}: it is in use (409 conflict), by another omrs or docker command working on ${env} at the same time, or by something omrs did not create.`,
    hint: `If another omrs works on ${env}, wait until it is done and run the command again; otherwise ${otherwise}. \`omrs status --env ${env}\` shows the environment.`,
    cause,
  });
}

export async function imageExists(docker: Docker, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (error) {
    if (isStatus(error, 404)) return false;
    throw error;
  }
}

export async function pullImage(docker: Docker, image: string, signal: AbortSignal): Promise<void> {
  const stream = await docker.pull(image, { abortSignal: signal });
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, output: { error?: string }[]) => {
      const failed = error ?? output.find((o) => o.error);
      if (failed) reject(failed instanceof Error ? failed : new Error(failed.error));
      else resolve();
    }),
  );
}

/** The last `lines` log lines of a container, stdout and stderr interleaved. */
export async function tailLogs(docker: Docker, id: string, lines = 20): Promise<string[]> {
  try {
    const buffer = (await docker
      .getContainer(id)
      .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return demuxBuffer(buffer)
      .split('\n')
      .filter((l) => l.length > 0)
      .slice(-lines);
  } catch {
    return [];
  }
}

/** Docker's multiplexed log format (8-byte frame headers) → text; plain text passes through. */
export function demuxBuffer(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    if (type !== 0 && type !== 1 && type !== 2) return buffer.toString('utf8');
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new InterruptedError('omrs up'));
    const timer = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new InterruptedError('omrs up'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export interface ContainerState {
  running: boolean;
  status: string;
  exitCode: number;
  restarts: number;
  ip?: string;
  oomKilled: boolean;
}

export async function containerState(docker: Docker, id: string, network: string): Promise<ContainerState> {
  const info = await docker.getContainer(id).inspect();
  const ip = info.NetworkSettings.Networks?.[network]?.IPAddress;
  return {
    running: info.State.Running,
    status: info.State.Status,
    exitCode: info.State.ExitCode,
    restarts: info.RestartCount,
    oomKilled: info.State.OOMKilled,
    ...(ip && { ip }),
  };
}

export interface ReadyOutcome {
  ready: boolean;
  last: ProbeResult;
}

/**
 * Polls until the container passes `probe` (or is running, without one), the deadline passes
 * or the signal aborts. Polls often (100 ms growing to 1 s) rather than every periodSeconds:
 * omrs waits on it, so faster readiness is faster `up`.
 */
export async function waitReady(
  docker: Docker,
  target: { id: string; network: string; ipFrom?: string },
  probe: ProbePlan | undefined,
  deadline: number,
  signal: AbortSignal,
  onProbe?: (result: ProbeResult) => void,
): Promise<ReadyOutcome> {
  let last: ProbeResult = { ok: false, message: 'not probed yet' };
  for (let attempt = 0; ; attempt++) {
    if (signal.aborted) throw new InterruptedError('omrs up');
    const state = await containerState(docker, target.ipFrom ?? target.id, target.network);
    if (!state.running)
      last = {
        ok: false,
        message: `container is ${state.status} (exit code ${state.exitCode}${state.oomKilled ? ', killed: out of memory' : ''})`,
      };
    else if (!probe) return { ready: true, last: { ok: true, message: 'running (no probe)' } };
    else {
      const timeoutMs = Math.min(probe.timeoutSeconds * 1000, Math.max(200, deadline - Date.now()));
      last = await runProbe(
        docker,
        { id: target.id, ...(state.ip && { ip: state.ip }) },
        probe.action,
        timeoutMs,
      );
      if (last.ok) return { ready: true, last };
    }
    onProbe?.(last);
    if (Date.now() >= deadline) return { ready: false, last };
    await sleep(Math.min(1000, 100 * 1.4 ** attempt, Math.max(0, deadline - Date.now())), signal);
  }
}

/** Waits for a one-shot container to exit; returns its exit code, or undefined at the deadline. */
export async function waitExit(
  docker: Docker,
  id: string,
  deadline: number,
  signal: AbortSignal,
): Promise<number | undefined> {
  for (let attempt = 0; ; attempt++) {
    if (signal.aborted) throw new InterruptedError('omrs up');
    const info = await docker.getContainer(id).inspect();
    if (!info.State.Running && info.State.Status !== 'created') return info.State.ExitCode;
    if (Date.now() >= deadline) return undefined;
    await sleep(Math.min(1000, 100 * 1.4 ** attempt), signal);
  }
}

export function followLogs(
  docker: Docker,
  id: string,
  options: { follow: boolean; since?: number; tail?: number; signal: AbortSignal },
  onLine: (line: string, stream: 'stdout' | 'stderr') => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const container = docker.getContainer(id);
    const logOptions = {
      stdout: true,
      stderr: true,
      timestamps: false,
      ...(options.since !== undefined && { since: options.since }),
      ...(options.tail !== undefined && { tail: options.tail }),
    };
    const splitter = (stream: 'stdout' | 'stderr'): PassThrough => {
      const pass = new PassThrough();
      let rest = '';
      pass.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) onLine(line, stream);
      });
      pass.on('end', () => rest && onLine(rest, stream));
      return pass;
    };
    if (!options.follow) {
      container.logs({ ...logOptions, follow: false }).then((buffer) => {
        const out = splitter('stdout');
        const err = splitter('stderr');
        demuxTo(buffer as unknown as Buffer, out, err);
        out.end();
        err.end();
        resolve();
      }, reject);
      return;
    }
    container.logs({ ...logOptions, follow: true }).then((stream) => {
      const out = splitter('stdout');
      const err = splitter('stderr');
      docker.modem.demuxStream(stream, out, err);
      const stop = (): void => {
        (stream as unknown as { destroy?: () => void }).destroy?.();
        resolve();
      };
      options.signal.addEventListener('abort', stop, { once: true });
      stream.on('end', () => (out.end(), err.end(), resolve()));
      stream.on('error', () => resolve());
    }, reject);
  });
}

function demuxTo(buffer: Buffer, out: PassThrough, err: PassThrough): void {
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    if (type !== 0 && type !== 1 && type !== 2) {
      out.write(buffer.subarray(offset));
      return;
    }
    const size = buffer.readUInt32BE(offset + 4);
    (type === 2 ? err : out).write(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
}
