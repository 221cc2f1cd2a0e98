// A dockerode client for the engine the user points at: DOCKER_HOST (unix://, tcp://) or the
// default socket. dockerode is loaded lazily so commands that do not need Docker start fast.
import { homedir } from 'node:os';
import type Dockerode from 'dockerode';
import { ExitCode, OmrsError } from '../errors.js';
import { dockerTarget } from './docker-host.js';

export type Docker = Dockerode;

export async function createDocker(env: Record<string, string | undefined>): Promise<Docker> {
  const target = dockerTarget(env, env.HOME ?? homedir());
  if ('unsupported' in target)
    throw new OmrsError({
      code: 'DOCKER_UNREACHABLE',
      message: `${target.unsupported}.`,
      hint: 'Set DOCKER_HOST to a reachable engine (or unset it), then run the command again. `omrs doctor` checks it.',
      exitCode: ExitCode.prerequisite,
    });
  const { default: DockerClass } = await import('dockerode');
  return new DockerClass(target.options);
}

/** Fails with a prerequisite error (exit 4) when the engine does not answer. */
export async function pingDocker(docker: Docker, env: Record<string, string | undefined>): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    let answer: unknown;
    try {
      answer = await docker.ping();
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
      continue;
    }
    // Docker answers its ping with the two letters OK; any other HTTP server answers something else.
    if (String(answer).trim() !== 'OK') throw notDocker(env, 'its /_ping did not say OK');
    await assertDockerVersion(docker, env);
    return;
  }
  const why = last instanceof Error ? `: ${last.message}` : '';
  const where = engineName(env);
  throw new OmrsError({
    code: 'DOCKER_UNREACHABLE',
    message: `The Docker engine does not answer at ${where}${why}.`,
    hint: 'Start Docker (or set DOCKER_HOST), then run the command again. `omrs doctor` checks it.',
    exitCode: ExitCode.prerequisite,
    cause: last,
  });
}

/**
 * A server that says OK to every request passes the ping; only Docker answers /version with its API
 * version. Without this check such a server reaches listings, and they fail as bugs.
 */
export async function assertDockerVersion(
  docker: Docker,
  env: Record<string, string | undefined>,
): Promise<void> {
  const version: unknown = await docker.version().catch(() => undefined);
  if (typeof (version as { ApiVersion?: unknown } | undefined)?.ApiVersion !== 'string')
    throw notDocker(env, 'its /version names no API version');
}

function notDocker(env: Record<string, string | undefined>, why: string): OmrsError {
  return new OmrsError({
    code: 'DOCKER_NOT_DOCKER',
    message: `${engineName(env)} answers, but not as a Docker engine (${why}).`,
    hint: 'Point DOCKER_HOST at a Docker engine (unix:///var/run/docker.sock, tcp://host:2375) or unset it. `omrs doctor` checks it.',
    exitCode: ExitCode.prerequisite,
  });
}

/** The engine as doctor names it: credentials in a DOCKER_HOST URL are never printed. */
function engineName(env: Record<string, string | undefined>): string {
  const target = dockerTarget(env, env.HOME ?? homedir());
  if (!('display' in target)) return 'DOCKER_HOST';
  return env.DOCKER_HOST?.trim() ? `DOCKER_HOST ${target.display}` : target.display;
}

/** A client for the user's engine that has answered a ping (exit 4 with a hint when it does not). */
export async function connectDocker(env: Record<string, string | undefined>): Promise<Docker> {
  const docker = await createDocker(env);
  await pingDocker(docker, env);
  return docker;
}
