// The manifest digest a registry serves for each image reference, asked through the Docker engine
// (GET /distribution/<ref>/json, dockerode's image.distribution()): the engine's own registry
// settings apply (insecure registries, proxies, certificates) and omrs needs no registry client.
// Credentials (OMRS_REGISTRY_USERNAME / OMRS_REGISTRY_PASSWORD) go only to the profile's mirror.
import { ExitCode, OmrsError, type Problem } from '../errors.js';
import { connectDocker } from '../platform/docker.js';
import { hasRegistryHost } from './values.js';

/** The engine's X-Registry-Auth payload; an empty object means anonymous. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  serveraddress?: string;
}

/** Credentials for `registry` (host[:port][/path]) from the environment, or anonymous. */
export function registryAuth(env: Record<string, string | undefined>, registry: string): RegistryAuth {
  const username = env.OMRS_REGISTRY_USERNAME;
  if (!username) return {};
  return { username, password: env.OMRS_REGISTRY_PASSWORD ?? '', serveraddress: registry };
}

/** The registry host of a reference: "r.local:5000/a/b:1" → "r.local:5000", "openmrs/x" → "docker.io". */
export function registryHost(ref: string): string {
  const slash = ref.indexOf('/');
  const first = slash > 0 ? ref.slice(0, slash) : '';
  return first && hasRegistryHost(first) ? first : 'docker.io';
}

export interface ImageDigest {
  component: string;
  image: string;
  /** The manifest digest the registry serves for the reference (an index for multi-arch images). */
  digest: string;
  /** Whether the reference itself pins that digest (image@sha256:…). */
  pinned: boolean;
}

const messageOf = (error: unknown): string => {
  if (typeof error === 'object' && error !== null && 'json' in error) {
    const json = (error as { json: unknown }).json;
    if (json && typeof json === 'object' && 'message' in json) return String(json.message);
  }
  return error instanceof Error ? error.message : String(error);
};

/**
 * Asks the registry of every image for its digest. `mirror` is the profile's images.registry:
 * only images on that host get the credentials from the environment.
 */
export async function resolveDigests(
  images: { component: string; image: string; digest?: string }[],
  deps: { env: Record<string, string | undefined>; mirror?: string | undefined },
): Promise<ImageDigest[]> {
  const docker = await connectDocker(deps.env);
  const mirrorHost = deps.mirror ? registryHost(`${deps.mirror.replace(/\/+$/, '')}/x`) : undefined;
  const problems: Problem[] = [];
  const resolved = await Promise.all(
    images.map(async ({ component, image, digest: pinned }) => {
      const host = registryHost(image);
      const authconfig = host === mirrorHost ? registryAuth(deps.env, host) : {};
      try {
        const info = (await docker.getImage(image).distribution({ authconfig })) as {
          Descriptor?: { digest?: string };
        };
        const digest = info.Descriptor?.digest;
        if (!digest) throw new Error('the engine returned no digest');
        return { component, image, digest, pinned: pinned === digest };
      } catch (error) {
        problems.push({
          code: 'IMAGE_RESOLVE_FAILED',
          message: `${component}: ${image}: ${messageOf(error).split('\n')[0]}`,
          hint: `Check that ${image} is in ${host} (omrs images load <bundle.tar> --push <registry> puts it there).`,
        });
        return undefined;
      }
    }),
  );
  if (problems.length > 0)
    throw new OmrsError({
      code: 'IMAGES_RESOLVE_FAILED',
      message: [
        `The registry gave no digest for ${problems.length} image${problems.length === 1 ? '' : 's'}:`,
        ...problems.map((p) => `  - ${p.message}`),
      ].join('\n'),
      hint: 'Push the missing images (omrs images load <bundle.tar> --push <registry>), check that the registry is reachable from the Docker engine and, if it needs a login, set OMRS_REGISTRY_USERNAME and OMRS_REGISTRY_PASSWORD.',
      exitCode: ExitCode.failed,
      problems,
    });
  return resolved.filter((r): r is ImageDigest => r !== undefined);
}
