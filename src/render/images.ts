// Image bundles for sites without registry access: `omrs images save` writes every image a
// profile needs into one docker-save tar, `omrs images load` loads it into the local engine and
// can retag and push the images to a private registry. dockerode is loaded lazily (docker.ts).
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ExitCode, InterruptedError, OmrsError, type Problem } from '../errors.js';
import { step } from '../events/bus.js';
import type { EventSink } from '../events/types.js';
import { prepareOutputPath } from '../output-path.js';
import type { ProfileDeps } from '../profile/index.js';
import { connectDocker, type Docker } from '../platform/docker.js';
import { registryAuth } from './image-digests.js';
import { saveModules, type SavedModule } from './module-bundle.js';
import { listImages } from './index.js';
import { rewriteImage } from './values.js';

export interface ImageDeps extends ProfileDeps {
  events: EventSink;
  signal?: AbortSignal;
}

export interface SavedBundle {
  profile: string;
  file: string;
  bytes: number;
  images: { component: string; image: string; saved: string }[];
  /** The profile's modules, fetched into `modulesDir` (a mirror of the module repository). */
  modules: SavedModule[];
  modulesDir?: string;
}

export interface LoadedBundle {
  file: string;
  images: string[];
  untagged: string[];
  /** Each pushed image with the manifest digest the registry stored it under. */
  pushed: { image: string; target: string; digest?: string }[];
}

/** Splits `registry/path/name:tag@sha256:…` into repository, tag and digest. */
export function parseReference(ref: string): { repository: string; tag?: string; digest?: string } {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  const tag = colon > rest.lastIndexOf('/') ? rest.slice(colon + 1) : undefined;
  const repository = tag === undefined ? rest : rest.slice(0, colon);
  return { repository, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

const statusOf = (error: unknown): number | undefined =>
  typeof error === 'object' && error !== null && 'statusCode' in error
    ? Number((error as { statusCode: unknown }).statusCode)
    : undefined;

const messageOf = (error: unknown): string => {
  if (typeof error === 'object' && error !== null && 'json' in error) {
    const json = (error as { json: unknown }).json;
    if (json && typeof json === 'object' && 'message' in json) return String(json.message);
  }
  return error instanceof Error ? error.message : String(error);
};

/** The name to save an image under so that loading restores its tag, or undefined when absent. */
async function localName(docker: Docker, image: string): Promise<string | undefined> {
  const { repository, tag, digest } = parseReference(image);
  const lookup = digest ? `${repository}@${digest}` : image;
  try {
    const info = await docker.getImage(lookup).inspect();
    if (!digest || !tag) return image.includes('@') ? lookup : image;
    const tagged = `${repository}:${tag}`;
    return info.RepoTags?.includes(tagged) ? tagged : lookup;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

export async function saveImages(
  request: { profile?: string; output: string },
  deps: ImageDeps,
): Promise<SavedBundle> {
  const file = await prepareOutputPath(request.output, deps.cwd, {
    flag: '-o',
    kind: 'file',
    notStdout: {
      why: 'the bundle is written to a temporary file and renamed once complete, so that a cut-off bundle never looks whole',
      hint: 'Give -o a file path, e.g. -o bundle.tar.',
    },
  });
  const { profile, images, modules } = await listImages(request.profile, deps);
  const docker = await connectDocker(deps.env);

  const resolved = await step(deps.events, 'inspect', 'check the images exist locally', async () => {
    const found: SavedBundle['images'] = [];
    const missing: Problem[] = [];
    const absent: string[] = [];
    for (const { component, image } of images) {
      const saved = await localName(docker, image);
      if (saved) found.push({ component, image, saved });
      else {
        absent.push(image);
        missing.push({
          code: 'IMAGE_MISSING',
          message: `${component}: ${image} is not in the local engine`,
          hint: `docker pull ${image}`,
        });
      }
    }
    if (missing.length > 0) {
      throw new OmrsError({
        code: 'IMAGES_MISSING',
        message: `${missing.length} image${missing.length === 1 ? '' : 's'} of profile ${profile} ${missing.length === 1 ? 'is' : 'are'} not in the local Docker engine: ${absent.join(', ')}.`,
        hint: 'Pull them (docker pull <image>) or build them on a machine with registry access, then run omrs images save again.',
        exitCode: ExitCode.prerequisite,
        problems: missing,
      });
    }
    return found;
  });

  // The modules first: a module that cannot be had fails the save before the long image stream.
  const modulesDir = `${file}.modules`;
  const savedModules =
    modules.length === 0
      ? { modules: [] }
      : {
          modulesDir,
          modules: await step(
            deps.events,
            'modules',
            `fetch ${modules.length} module${modules.length === 1 ? '' : 's'} into ${modulesDir}`,
            async () => {
              try {
                return await saveModules(modules, modulesDir, deps.signal);
              } catch (error) {
                throwIfInterrupted(deps, 'images save');
                throw error;
              }
            },
          ),
        };

  const names = [...new Set(resolved.map((i) => i.saved))];
  const partial = join(dirname(file), `.${basename(file)}.partial-${process.pid}`);
  let bytes = 0;
  await step(deps.events, 'save', `write ${names.length} images to ${file}`, async () => {
    try {
      const stream = await new Promise<NodeJS.ReadableStream>((resolveStream, reject) => {
        // GET /images/get?names=a&names=b: one tar with every image (docker save a b).
        (docker.modem as { dial: (o: object, cb: (e: unknown, d: unknown) => void) => void }).dial(
          {
            path: '/images/get?',
            method: 'GET',
            options: { names },
            isStream: true,
            ...(deps.signal && { abortSignal: deps.signal }),
            statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
          },
          (error, data) => (error ? reject(error as Error) : resolveStream(data as NodeJS.ReadableStream)),
        );
      });
      let lastReport = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          if (bytes - lastReport >= 8 * 1024 * 1024) {
            lastReport = bytes;
            deps.events.emit({ type: 'progress', step: 'save', current: bytes, unit: 'B' });
          }
          done(null, chunk);
        },
      });
      const sink = createWriteStream(partial, { mode: 0o644 });
      await (deps.signal
        ? pipeline(stream, counter, sink, { signal: deps.signal })
        : pipeline(stream, counter, sink));
      deps.events.emit({ type: 'progress', step: 'save', current: bytes, unit: 'B' });
      await rename(partial, file);
    } catch (error) {
      await rm(partial, { force: true });
      throwIfInterrupted(deps, 'images save');
      if (error instanceof OmrsError) throw error;
      throw new OmrsError({
        code: 'IMAGES_SAVE_FAILED',
        message: `Saving the images to ${file} failed: ${messageOf(error)}`,
        hint: 'Check the free disk space and that the folder is writable; nothing was written.',
        cause: error,
      });
    }
  });
  return { profile, file, bytes, images: resolved, ...savedModules };
}

/** An aborted stream fails like a broken one: when Ctrl-C caused it, say so instead of blaming the file. */
const throwIfInterrupted = (deps: ImageDeps, what: string): void => {
  if (deps.signal?.aborted) throw new InterruptedError(what);
};

const corrupt = (file: string, why: string, cause?: unknown): OmrsError =>
  new OmrsError({
    code: 'BUNDLE_CORRUPT',
    message: `${file} is not a usable image bundle: ${why}`,
    hint: 'Copy the bundle again (compare its sha256sum with the original) or recreate it with omrs images save.',
    exitCode: ExitCode.usage,
    ...(cause !== undefined && { cause }),
  });

async function checkBundle(file: string): Promise<void> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
    size = info.size;
  } catch (error) {
    throw new OmrsError({
      code: 'BUNDLE_NOT_FOUND',
      message: `No image bundle at ${file}.`,
      hint: 'Give the path of a tar written by omrs images save.',
      exitCode: ExitCode.usage,
      cause: error,
    });
  }
  if (size < 1024) throw corrupt(file, `it has only ${size} bytes`);
  const handle = await open(file, 'r');
  try {
    const header = Buffer.alloc(512);
    await handle.read(header, 0, 512, 0);
    if (header.toString('latin1', 257, 262) !== 'ustar') throw corrupt(file, 'it is not a tar archive');
  } finally {
    await handle.close();
  }
}

type Progress = {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  /** The last event of a push: the tag and the manifest digest the registry answered. */
  aux?: { Tag?: string; Digest?: string; Size?: number };
};

/** Follows a JSON progress stream; an error the engine reports inside the stream rejects it. */
function follow(docker: Docker, stream: NodeJS.ReadableStream, onEvent: (e: Progress) => void) {
  return new Promise<void>((resolveDone, reject) => {
    let reported: string | undefined;
    docker.modem.followProgress(
      stream,
      (error: unknown) => {
        if (error) reject(error as Error);
        else if (reported !== undefined) reject(new Error(reported));
        else resolveDone();
      },
      (event: Progress) => {
        const message = event.errorDetail?.message ?? event.error;
        if (message !== undefined) reported ??= message;
        else onEvent(event);
      },
    );
  });
}

export async function loadImages(
  request: { file: string; push?: string },
  deps: ImageDeps,
): Promise<LoadedBundle> {
  const file = resolve(deps.cwd, request.file);
  await checkBundle(file);
  const docker = await connectDocker(deps.env);

  const images: string[] = [];
  const untagged: string[] = [];
  await step(deps.events, 'load', `load ${file}`, async () => {
    throwIfInterrupted(deps, 'images load');
    let stream: NodeJS.ReadableStream;
    try {
      stream = await docker.loadImage(createReadStream(file), {
        quiet: false,
        ...(deps.signal && { abortSignal: deps.signal }),
      });
    } catch (error) {
      throwIfInterrupted(deps, 'images load');
      throw corrupt(file, messageOf(error), error);
    }
    try {
      await follow(docker, stream, (event) => {
        const text = event.stream?.trim() ?? '';
        const tagged = /^Loaded image: (.+)$/.exec(text)?.[1];
        const id = /^Loaded image ID: (.+)$/.exec(text)?.[1];
        if (tagged) images.push(tagged);
        if (id) untagged.push(id);
        if (tagged || id) deps.events.emit({ type: 'info', message: text });
      });
    } catch (error) {
      throwIfInterrupted(deps, 'images load');
      throw corrupt(file, messageOf(error), error);
    }
    if (images.length + untagged.length === 0) throw corrupt(file, 'the engine loaded no image from it');
  });

  const pushed: LoadedBundle['pushed'] = [];
  const registry = request.push?.replace(/\/+$/, '');
  if (registry) {
    if (untagged.length > 0)
      deps.events.emit({
        type: 'warning',
        message: `${untagged.length} image(s) of the bundle have no tag and are not pushed: ${untagged.join(', ')}`,
      });
    const authconfig = registryAuth(deps.env, registry);
    for (const image of images) {
      throwIfInterrupted(deps, 'images load --push');
      const { repository, tag = 'latest' } = parseReference(image);
      // The mirror path the profile's images.registry renders (rewriteImage), so `up` finds them.
      const targetRepository = rewriteImage(repository, registry);
      const target = `${targetRepository}:${tag}`;
      let digest: string | undefined;
      await step(deps.events, `push:${target}`, `push ${target}`, async () => {
        try {
          await docker.getImage(image).tag({ repo: targetRepository, tag });
          const stream = await docker.getImage(targetRepository).push({
            tag,
            authconfig,
            ...(deps.signal && { abortSignal: deps.signal }),
          } as Parameters<ReturnType<Docker['getImage']>['push']>[0]);
          let lastStatus = '';
          await follow(docker, stream, (event) => {
            if (event.aux?.Digest) digest = event.aux.Digest;
            if (event.status && event.status !== lastStatus) {
              lastStatus = event.status;
              deps.events.emit({ type: 'debug', message: `${target}: ${event.status}` });
            }
          });
        } catch (error) {
          throwIfInterrupted(deps, 'images load --push');
          throw new OmrsError({
            code: 'IMAGE_PUSH_FAILED',
            message: `Pushing ${image} to registry ${registry} failed: ${messageOf(error)}`,
            hint: `Check that ${registry} is reachable from the Docker engine, that it is trusted (insecure-registries in daemon.json for plain HTTP) and, if it needs a login, set OMRS_REGISTRY_USERNAME and OMRS_REGISTRY_PASSWORD.`,
            cause: error,
          });
        }
      });
      pushed.push({ image, target, ...(digest && { digest }) });
    }
  }
  return { file, images, untagged, pushed };
}
