// Render use cases: profile → chart values → helm template → typed objects.

import { appDigest } from '../profile/digest.js';
import { openProfile, type OpenedProfile, type ProfileDeps } from '../profile/index.js';
import { findHelm, helmTemplate } from './helm.js';
import { checkEnvName, envNameOf } from './env-name.js';
import { resolveDigests } from './image-digests.js';
import { maskSecretData, type KubeObject } from './objects.js';
import {
  moduleSource,
  pinImages,
  profileImages,
  profileToValues,
  toolImages,
  clusterMonitoringImages,
  type ChartValues,
  type ModuleFile,
} from './values.js';
import { MASK } from '../mask.js';

export { checkEnvName, envNameOf };

export interface RenderRequest {
  profile?: string;
  /** Environment (Helm release) name; default: the profile's name. */
  env?: string;
  namespace?: string;
  passwordSeed?: string;
  /** The profile the caller already opened: rendered as is, not read again. */
  opened?: OpenedProfile;
  /**
   * The exact image references to deploy, by component (promote's lock: `name:tag@sha256:…`), in
   * place of the profile's (the tools' too: prometheus, db-exporter, backup-s3). The app digest stays the profile's: it names what QA tested.
   */
  pinnedImages?: Record<string, string>;
}

export interface Rendered {
  profile: string;
  env: string;
  namespace: string;
  appDigest: string;
  values: ChartValues;
  objects: KubeObject[];
}

/** The profile's chart values, without running helm. */
export async function profileValues(request: RenderRequest, deps: ProfileDeps): Promise<ChartValues> {
  return (await resolveValues(request, deps)).values;
}

async function resolveValues(request: RenderRequest, deps: ProfileDeps) {
  const resolved = request.opened ?? (await openProfile(request.profile, deps));
  const env = checkEnvName(request.env ?? envNameOf(resolved.name));
  const namespace = request.namespace ?? resolved.profile.cluster.namespace ?? env;
  const digest = appDigest(resolved.profile);
  const fromProfile = profileToValues(resolved.profile, {
    env,
    profile: resolved.name,
    appDigest: digest,
    ...(request.passwordSeed && { passwordSeed: request.passwordSeed }),
  });
  const values = request.pinnedImages ? pinImages(fromProfile, request.pinnedImages) : fromProfile;
  return { resolved, env, namespace, digest, values };
}

export async function renderProfile(
  request: RenderRequest,
  deps: ProfileDeps & { signal?: AbortSignal },
): Promise<Rendered> {
  const { resolved, env, namespace, digest, values } = await resolveValues(request, deps);
  const helm = await findHelm(deps.env);
  const objects = await helmTemplate(values, {
    helm,
    release: env,
    namespace,
    env: deps.env,
    ...(deps.signal && { signal: deps.signal }),
  });
  return { profile: resolved.name, env, namespace, appDigest: digest, values, objects };
}

/** The values without secrets, for printing. */
export function printableValues(values: ChartValues): ChartValues {
  return {
    ...values,
    admin: { ...values.admin, ...(values.admin.password !== undefined && { password: MASK }) },
    database: { ...values.database, passwordSeed: values.database.passwordSeed ? MASK : '' },
  };
}

export function masked(objects: KubeObject[]): KubeObject[] {
  return objects.map(maskSecretData);
}

export interface ImageList {
  profile: string;
  /** The profile's registry mirror (images.registry), when it has one. */
  registry?: string;
  /** With `resolve`, each image has the digest its registry serves and `pinned`. */
  images: { component: string; image: string; digest?: string; pinned?: boolean }[];
  /** The profile's modules: images save fetches them into the bundle's mirror folder. */
  modules: ModuleFile[];
}

/** The images a profile needs; with `resolve`, their digests asked of the registry (Docker engine). */
export async function listImages(
  ref: string | undefined,
  deps: ProfileDeps,
  options: { resolve?: boolean } = {},
): Promise<ImageList> {
  const resolved = await openProfile(ref, deps);
  const registry = resolved.profile.images.registry;
  const images = [
    ...profileImages(resolved.profile),
    ...toolImages(resolved.profile),
    ...clusterMonitoringImages(resolved.profile),
  ];
  const head = {
    profile: resolved.name,
    ...(registry && { registry }),
    modules: resolved.profile.openmrs.modules.map((m) => ({
      id: m.id,
      version: m.version,
      sha256: m.sha256,
      ...moduleSource(m, resolved.profile.moduleRepository),
    })),
  };
  if (!options.resolve) return { ...head, images };
  return { ...head, images: await resolveDigests(images, { env: deps.env, mirror: registry }) };
}

export type { KubeObject } from './objects.js';
