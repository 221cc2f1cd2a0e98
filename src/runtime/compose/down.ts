// `omrs down` on Docker: the environment's containers, network and (with --volumes) volumes, all
// found by the omrs.dev/env label.
import { InterruptedError } from '../../errors.js';
import { step } from '../../events/bus.js';
import type { EventSink } from '../../events/types.js';
import type { Docker } from '../../platform/docker.js';
import { conflictError, envFilter, listContainers, removeContainer } from './engine.js';
import { withEnvLock } from './lock.js';
import { LABEL } from './names.js';
import { removeEnvDir } from './state.js';

export interface DownResult {
  env: string;
  containers: string[];
  networks: string[];
  volumes: string[];
  keptVolumes: string[];
}

export interface DownDeps {
  docker: Docker;
  events: EventSink;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
}

/** `omrs down`: waits for an `up` of the same environment to finish first (one writer per env). */
export async function down(env: string, options: { volumes: boolean }, deps: DownDeps): Promise<DownResult> {
  return withEnvLock(env, `omrs down${options.volumes ? ' --volumes' : ''}`, deps, () =>
    downLocked(env, options, deps),
  );
}

async function downLocked(env: string, options: { volumes: boolean }, deps: DownDeps): Promise<DownResult> {
  const { docker, events } = deps;
  const filter = envFilter(env);
  const result: DownResult = { env, containers: [], networks: [], volumes: [], keptVolumes: [] };
  // Between steps: a Ctrl-C stops here; the next `down` removes the rest.
  const stopIfAsked = (): void => {
    if (deps.signal?.aborted) throw new InterruptedError('down');
  };
  const removeContainers = async (): Promise<number> => {
    const containers = await listContainers(docker, env);
    await Promise.all(
      containers.map(async (c) => {
        await removeContainer(docker, c.Id);
        const name = c.Names[0]!.replace(/^\//, '');
        if (!result.containers.includes(name)) result.containers.push(name);
        events.emit({
          type: 'resource',
          name: c.Labels[LABEL.service] ?? c.Id,
          kind: 'container',
          runtime: 'stopped',
          health: 'none',
          detail: 'removed',
        });
      }),
    );
    return containers.length;
  };
  await step(events, 'containers', 'Remove containers', async () => {
    // Until none is left: a removal Docker had in progress already (409, which removeContainer
    // lets pass) or a container that appeared meanwhile would keep the network in use.
    for (let round = 0; round < 5 && (await removeContainers()) > 0; round++)
      await new Promise((resolve) => setTimeout(resolve, 200 * round));
  });
  stopIfAsked();
  await step(events, 'network', 'Remove the network', async () => {
    for (const n of await docker.listNetworks({ filters: filter })) {
      await docker
        .getNetwork(n.Id)
        .remove()
        .catch((error: { statusCode?: number }) => {
          if (error.statusCode !== 404) throw error;
        });
      result.networks.push(n.Name);
    }
  });
  stopIfAsked();
  const volumes = (await docker.listVolumes({ filters: filter })).Volumes ?? [];
  if (options.volumes) {
    await step(events, 'volumes', 'Remove volumes', async () => {
      for (const v of volumes) {
        await docker
          .getVolume(v.Name)
          .remove()
          .catch((error: { statusCode?: number }) => {
            if (error.statusCode === 409)
              throw conflictError(
                env,
                `remove volume ${v.Name}`,
                error,
                `remove the containers that use it (\`docker ps -a --filter volume=${v.Name}\`)`,
              );
            if (error.statusCode !== 404) throw error;
          });
        result.volumes.push(v.Name);
      }
    });
  } else result.keptVolumes = volumes.map((v) => v.Name);
  await removeEnvDir(deps.env, env, !options.volumes);
  return result;
}
