// The two Docker engines of the kind tests: the main one, where the images engine builds, and the
// kind engine, where the kind nodes run (test/harness/README.md). A user has one engine for both;
// the tests copy the images over first.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MAIN_DOCKER = 'unix:///var/run/docker.sock';

/** docker against one of the two engines. */
export const dockerOn = (host: string, args: string[], input?: Buffer): Buffer =>
  execFileSync('docker', args, {
    env: { ...process.env, DOCKER_HOST: host },
    ...(input && { input }),
    maxBuffer: 2 ** 31 - 1,
    stdio: ['pipe', 'pipe', 'pipe'],
  });

export const imageId = (host: string, image: string): string | undefined => {
  try {
    return dockerOn(host, ['image', 'inspect', '-f', '{{.Id}}', image]).toString().trim();
  } catch {
    return undefined;
  }
};

/** Copies images from the main engine into the kind engine, unless the kind engine has them already. */
export function copyToKindEngine(kindHost: string, images: string[], main: string = MAIN_DOCKER): void {
  for (const image of images) {
    const id = imageId(main, image);
    if (!id) throw new Error(`image ${image} is not in the main Docker engine: npm run engines -- up images`);
    if (imageId(kindHost, image) !== id) dockerOn(kindHost, ['load', '-q'], dockerOn(main, ['save', image]));
  }
}

/**
 * A profile of the omrs-test images on the harness kind cluster, for the kind tests' own profiles
 * to extend: the images are loaded into the nodes (never pulled), timeouts fit 2 cores.
 */
const kindStackProfile = (
  tags: Record<'gateway' | 'frontend' | 'backend' | 'mariadb', string>,
  cluster: string,
): string => `extends: dev
runtime: kind
openmrs:
  images:
    gateway: ${tags.gateway}
    frontend: ${tags.frontend}
    backend: ${tags.backend}
    db: ${tags.mariadb}
images:
  pullPolicy: Never
database:
  storage: 1Gi
cluster:
  kind:
    name: ${cluster}
timeouts:
  database: 4m
  init: 4m
  backend: 4m
  frontend: 2m
  gateway: 2m
`;

/** `<root>/profiles` with the shipped base and dev profiles and kind-stack.yaml (above). */
export function writeKindProfiles(
  root: string,
  tags: Parameters<typeof kindStackProfile>[0],
  cluster: string,
): void {
  const repo = join(import.meta.dirname, '../../..');
  mkdirSync(join(root, 'profiles'), { recursive: true });
  for (const f of ['base.yaml', 'dev.yaml'])
    writeFileSync(join(root, 'profiles', f), readFileSync(join(repo, 'profiles', f), 'utf8'));
  writeFileSync(join(root, 'profiles', 'kind-stack.yaml'), kindStackProfile(tags, cluster));
}
