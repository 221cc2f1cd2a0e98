// The modules of an image bundle: `omrs images save` fetches every module of the profile into a
// folder beside the bundle, laid out like the module repository (moduleSource's mirrorPath), so
// that a site without internet serves that folder as its `moduleRepository`. Each file is checked
// against the profile's SHA-256 before it takes its name; a cut-off or wrong file never does.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { OmrsError } from '../errors.js';
import { maskCredentials } from '../mask.js';
import type { ModuleFile } from './values.js';

export interface SavedModule {
  id: string;
  version: string;
  /** Where it was fetched from (credentials masked). */
  url: string;
  /** The file, under the bundle's modules folder. */
  file: string;
  sha256: string;
}

/** Fetches the modules into `dir`, each checked; answers what it wrote. */
export async function saveModules(
  modules: ModuleFile[],
  dir: string,
  signal?: AbortSignal,
): Promise<SavedModule[]> {
  const saved: SavedModule[] = [];
  for (const module of modules) {
    const { url, mirrorPath } = module;
    const file = join(dir, mirrorPath);
    const shown = maskCredentials(url);
    await mkdir(dirname(file), { recursive: true });
    const partial = `${file}.partial-${process.pid}`;
    const hash = createHash('sha256');
    try {
      const response = await fetch(url, { ...(signal && { signal }) });
      if (!response.ok || !response.body)
        throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
      const digest = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      await pipeline(
        Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
        digest,
        createWriteStream(partial, { mode: 0o644 }),
      );
    } catch (error) {
      await rm(partial, { force: true });
      if (signal?.aborted) throw error;
      throw new OmrsError({
        code: 'MODULE_FETCH_FAILED',
        message: `Module ${module.id} ${module.version} could not be fetched from ${shown}: ${maskCredentials(error instanceof Error ? error.message : String(error))}`,
        hint: 'Run omrs images save where the module repository (moduleRepository) or the URL is reachable.',
        cause: error,
      });
    }
    const got = hash.digest('hex');
    if (got !== module.sha256) {
      await rm(partial, { force: true });
      throw new OmrsError({
        code: 'MODULE_CHECKSUM_MISMATCH',
        message: `Module ${module.id} ${module.version} from ${shown} has SHA-256 ${got}; the profile expects ${module.sha256}.`,
        hint: 'Check openmrs.modules[].sha256 against the file you mean to ship (sha256sum); nothing was saved for it.',
      });
    }
    await rename(partial, file);
    saved.push({ id: module.id, version: module.version, url: shown, file, sha256: got });
  }
  return saved;
}
