// The two Docker engines of the kind tests: the main one, where the images engine builds, and the
// kind engine, where the kind nodes run (test/harness/README.md). A user has one engine for both;
// the tests copy the images over first.
import { execFileSync } from 'node:child_process';

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
