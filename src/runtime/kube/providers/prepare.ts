// The cluster a kind or minikube runtime runs on, made ready before the context guard connects:
// created (or started) unless it runs, and the profile's local images loaded into its nodes on
// every `up` and `env create`. Other clusters (kube, eks) exist already.
import { step } from '../../../events/bus.js';
import { openProfile } from '../../../profile/index.js';
import { clusterMonitoringImages, profileImages, toolImages } from '../../../render/values.js';
import { clusterRuntimeOf, type KubeDeps, type KubeRequest } from '../connect.js';
import { kindCreate, kindLoadImages } from './kind.js';
import { minikubeLoadImages, minikubeStart } from './minikube.js';

/** Returns the deps with the opened profile, so the guard does not read it again. */
export async function prepareCluster<D extends KubeDeps>(request: KubeRequest, deps: D): Promise<D> {
  const opened = await openProfile(request.profile, deps);
  const { profile } = opened;
  const runtime = clusterRuntimeOf(request.runtime, profile.runtime);
  if (runtime !== 'kind' && runtime !== 'minikube') return { ...deps, opened };
  const images = [...profileImages(profile), ...toolImages(profile), ...clusterMonitoringImages(profile)].map(
    (i) => i.image,
  );
  // On a reused cluster too: the profile may name images the nodes do not have yet.
  if (runtime === 'kind') {
    const name = profile.cluster.kind?.name ?? 'omrs';
    await kindCreate({ name, config: profile.cluster.kind?.config ?? 'kind/dev.yaml' }, deps.env, deps.cwd);
    await step(deps.events, 'load-images', `kind load docker-image into cluster ${name}`, () =>
      kindLoadImages(name, images, deps.env),
    );
  } else {
    const name = profile.cluster.minikube?.profile ?? 'omrs';
    await minikubeStart(name, deps.env);
    await step(deps.events, 'load-images', `minikube image load into profile ${name}`, () =>
      minikubeLoadImages(name, images, deps.env),
    );
  }
  return { ...deps, opened };
}
