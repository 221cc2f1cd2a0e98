// minikube clusters: start a profile, load local images.
import { findBinary, type Env } from '../../../platform/exec.js';
import { missingBinary, tool, toolFailure } from './cluster-tool.js';

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

export async function minikubeLoadImages(profile: string, images: string[], env: Env): Promise<void> {
  for (const image of images) {
    const r = await tool(await minikube(env), ['image', 'load', '--profile', profile, image], env);
    if (r.code !== 0) throw toolFailure(`minikube image load ${image}`, r);
  }
}
