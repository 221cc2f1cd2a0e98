// kind clusters: create/delete from kind/*.yaml, load local images into the nodes.
import { resolve } from 'node:path';
import { findBinary, type Env } from '../../exec.js';
import { missingBinary, tool, toolFailure } from './zx.js';

export interface KindCluster {
  name: string;
  config: string;
}

const kindBinary = async (env: Env): Promise<string> =>
  env.OMRS_KIND ??
  (await findBinary('kind', env)) ??
  Promise.reject(
    missingBinary(
      'kind',
      'Install kind (https://kind.sigs.k8s.io/), e.g. `go install sigs.k8s.io/kind@v0.27.0`, or set OMRS_KIND.',
    ),
  );

export const kindContext = (name: string): string => `kind-${name}`;

export async function kindClusters(env: Env): Promise<string[]> {
  const r = await tool(await kindBinary(env), ['get', 'clusters'], env);
  if (r.code !== 0) throw toolFailure('kind get clusters', r);
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('No kind clusters'));
}

/** Creates the cluster unless it exists; returns whether it was created. */
export async function kindCreate(cluster: KindCluster, env: Env, cwd: string): Promise<boolean> {
  if ((await kindClusters(env)).includes(cluster.name)) return false;
  const r = await tool(
    await kindBinary(env),
    [
      'create',
      'cluster',
      '--name',
      cluster.name,
      '--config',
      resolve(cwd, cluster.config),
      ...(env.KUBECONFIG ? ['--kubeconfig', env.KUBECONFIG.split(':')[0]!] : []),
    ],
    env,
  );
  if (r.code !== 0) throw toolFailure(`kind create cluster --name ${cluster.name}`, r);
  return true;
}

export async function kindDelete(name: string, env: Env): Promise<void> {
  const r = await tool(await kindBinary(env), ['delete', 'cluster', '--name', name], env);
  if (r.code !== 0) throw toolFailure(`kind delete cluster --name ${name}`, r);
}

/** `kind load docker-image` for local images, so pods start without a registry. */
export async function kindLoadImages(name: string, images: string[], env: Env): Promise<void> {
  if (images.length === 0) return;
  const r = await tool(await kindBinary(env), ['load', 'docker-image', '--name', name, ...images], env);
  if (r.code !== 0) throw toolFailure(`kind load docker-image ${images.join(' ')}`, r);
}
