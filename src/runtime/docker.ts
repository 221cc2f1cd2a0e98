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
    try {
      await docker.ping();
      return;
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
    }
  }
  const why = last instanceof Error ? `: ${last.message}` : '';
  // Name the engine as doctor does: credentials in a DOCKER_HOST URL are never printed.
  const target = dockerTarget(env, env.HOME ?? homedir());
  const where = 'display' in target ? target.display : 'DOCKER_HOST';
  throw new OmrsError({
    code: 'DOCKER_UNREACHABLE',
    message: `The Docker engine does not answer at ${where}${why}.`,
    hint: 'Start Docker (or set DOCKER_HOST), then run the command again. `omrs doctor` checks it.',
    exitCode: ExitCode.prerequisite,
    cause: last,
  });
}

/** A client for the user's engine that has answered a ping (exit 4 with a hint when it does not). */
export async function connectDocker(env: Record<string, string | undefined>): Promise<Docker> {
  const docker = await createDocker(env);
  await pingDocker(docker, env);
  return docker;
}
