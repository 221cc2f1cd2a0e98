// minikube clusters: start a profile, load local images.
import { findBinary, type Env } from '../../../platform/exec.js';
import { localImages, missingBinary, tool, toolFailure } from './cluster-tool.js';

const minikube = async (env: Env): Promise<string> =>
  env.OMRS_MINIKUBE ??
  (await findBinary('minikube', env)) ??
  Promise.reject(
    missingBinary(
      'minikube',
      'Install minikube (https://minikube.sigs.k8s.io/docs/start/) or set OMRS_MINIKUBE.',
    ),
  );

export async function minikubeStart(profile: string, env: Env): Promise<void> {
  const r = await tool(await minikube(env), ['start', '--profile', profile, '--wait', 'apiserver'], env);
  if (r.code !== 0) throw toolFailure(`minikube start --profile ${profile}`, r);
}

/**
 * `minikube image load` for the images the local Docker engine has (the cluster pulls the others).
 * Returns the images handed to minikube.
 */
export async function minikubeLoadImages(profile: string, images: string[], env: Env): Promise<string[]> {
  const local = await localImages([...new Set(images)], env);
  for (const image of local) {
    const r = await tool(await minikube(env), ['image', 'load', '--profile', profile, image], env);
    if (r.code !== 0) throw toolFailure(`minikube image load ${image}`, r);
  }
  return local;
}
