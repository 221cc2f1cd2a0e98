// A dockerode client for the engine the user points at: DOCKER_HOST (unix://, tcp://) or the
// default socket. dockerode is loaded lazily so commands that do not need Docker start fast.
import type Dockerode from 'dockerode';
import { ExitCode, OmrsError } from '../errors.js';

export type Docker = Dockerode;

export async function createDocker(env: Record<string, string | undefined>): Promise<Docker> {
  const { default: DockerClass } = await import('dockerode');
  const host = env.DOCKER_HOST;
  if (!host) return new DockerClass({ socketPath: '/var/run/docker.sock' });
  if (host.startsWith('unix://')) return new DockerClass({ socketPath: host.slice('unix://'.length) });
  const url = new URL(host.replace(/^tcp:/, env.DOCKER_TLS_VERIFY ? 'https:' : 'http:'));
  return new DockerClass({
    host: url.hostname,
    port: url.port || (url.protocol === 'https:' ? 2376 : 2375),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
  });
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
  {
    const error = last;
    const why = error instanceof Error ? `: ${error.message}` : '';
    throw new OmrsError({
      code: 'DOCKER_UNREACHABLE',
      message: `The Docker engine does not answer at ${env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'}${why}.`,
      hint: 'Start Docker (or set DOCKER_HOST), then run the command again. `omrs doctor` checks it.',
      exitCode: ExitCode.prerequisite,
      cause: error,
    });
  }
}
