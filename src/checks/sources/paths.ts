// Turns `omrs check path...` into inputs, as kube-score and checkov take them: manifest files
// (multi-document YAML or JSON), chart folders (rendered with `helm template`), Terraform folders.
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { ExitCode, OmrsError } from '../../errors.js';
import { parseObjects, type KubeObject } from '../../render/objects.js';

const PATHS_HINT =
  'Give manifest files (.yaml, .yml, .json), chart folders or Terraform folders; without paths, `omrs check` checks the profile render and terraform/.';

export type PathKind = 'manifest' | 'chart' | 'terraform' | 'manifest-dir';

export async function classifyPath(path: string): Promise<PathKind> {
  const info = await stat(path).catch(() => undefined);
  if (!info)
    throw new OmrsError({
      code: 'CHECK_PATH_NOT_FOUND',
      message: `${path} does not exist`,
      exitCode: ExitCode.usage,
      hint: PATHS_HINT,
    });
  if (info.isFile()) {
    if (/\.ya?ml$|\.json$/.test(path)) return 'manifest';
    if (/\.tf$/.test(path)) return 'terraform';
    throw new OmrsError({
      code: 'CHECK_PATH_UNKNOWN',
      message: `${path} is neither a manifest (.yaml, .yml, .json) nor Terraform (.tf)`,
      exitCode: ExitCode.usage,
      hint: PATHS_HINT,
    });
  }
  if (existsSync(join(path, 'Chart.yaml'))) return 'chart';
  const files = await listFiles(path);
  if (files.some((f) => f.endsWith('.tf'))) return 'terraform';
  if (files.some((f) => /\.ya?ml$/.test(f))) return 'manifest-dir';
  throw new OmrsError({
    code: 'CHECK_PATH_UNKNOWN',
    message: `${path} holds no manifests, chart or Terraform files`,
    exitCode: ExitCode.usage,
    hint: PATHS_HINT,
  });
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out.sort();
}

/** Objects of one manifest file; `source` is the file, relative to cwd. */
export async function readManifestFile(file: string, cwd: string): Promise<KubeObject[]> {
  const text = await readFile(file, 'utf8');
  const rel = relative(cwd, file);
  let objects: KubeObject[];
  try {
    objects = parseObjects(file.endsWith('.json') ? JSON.stringify(JSON.parse(text)) : text, 'file');
  } catch (error) {
    throw new OmrsError({
      code: 'CHECK_BAD_MANIFEST',
      message: `${rel}: ${error instanceof Error ? error.message : String(error)}`,
      exitCode: ExitCode.usage,
      ...(error instanceof OmrsError && error.hint && { hint: error.hint }),
    });
  }
  // A List (kubectl get -o yaml) holds the objects in items.
  return objects
    .flatMap((o) =>
      o.kind === 'List' && Array.isArray(o.raw.items)
        ? parseObjects((o.raw.items as unknown[]).map((i) => JSON.stringify(i)).join('\n---\n'))
        : [o],
    )
    .map((o) => ({ ...o, source: rel }));
}

export async function readManifestDir(dir: string, cwd: string): Promise<KubeObject[]> {
  const files = (await listFiles(dir)).filter((f) => /\.ya?ml$|\.json$/.test(f));
  return (await Promise.all(files.map((f) => readManifestFile(f, cwd)))).flat();
}

export const absolute = (cwd: string, p: string): string => resolve(cwd, p);
