// kind clusters: create/delete from kind/*.yaml, load local images into the nodes.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ExitCode, OmrsError } from '../../../errors.js';
import { packageRoot } from '../../../package-info.js';
import { findBinary, type Env } from '../../../platform/exec.js';
import { loadProjectConfig } from '../../../profile/project-config.js';
import { localImages, missingBinary, tool, toolFailure } from './cluster-tool.js';

export interface KindCluster {
  name: string;
  config: string;
}

const kindBinary = async (env: Env): Promise<string> =>
  env.OMRS_KIND ??
  (await findBinary('kind', env)) ??
  Promise.reject(
    missingBinary(
      'kind',
      'Install kind (https://kind.sigs.k8s.io/), e.g. `go install sigs.k8s.io/kind@v0.33.0`, or set OMRS_KIND.',
    ),
  );

export const kindContext = (name: string): string => `kind-${name}`;

export async function kindClusters(env: Env): Promise<string[]> {
  const r = await tool(await kindBinary(env), ['get', 'clusters'], env);
  if (r.code !== 0) throw toolFailure('kind get clusters', r);
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('No kind clusters'));
}

/**
 * The kind cluster file a profile names (`cluster.kind.config`): an absolute path as it is; a relative
 * one from the project root (where the omrs config is found), else from the omrs package, which ships
 * kind/dev.yaml. So `omrs up --runtime kind` works from any folder of the project, or outside one.
 */
export async function kindConfigFile(config: string, cwd: string): Promise<string> {
  const candidates = isAbsolute(config)
    ? [config]
    : [resolve((await loadProjectConfig(cwd)).root, config), resolve(packageRoot(), config)];
  const found = candidates.find((file) => existsSync(file));
  if (found) return found;
  throw new OmrsError({
    code: 'KIND_CONFIG_NOT_FOUND',
    message: `kind cluster config ${config} not found (looked for ${[...new Set(candidates)].join(', ')})`,
    exitCode: ExitCode.usage,
    hint: 'Set cluster.kind.config in the profile to a kind cluster file: an absolute path, or one relative to the project root.',
  });
}

/** Creates the cluster unless it exists; returns whether it was created. */
export async function kindCreate(cluster: KindCluster, env: Env, cwd: string): Promise<boolean> {
  if ((await kindClusters(env)).includes(cluster.name)) return false;
  const r = await tool(
    await kindBinary(env),
    [
      'create',
      'cluster',
      '--name',
      cluster.name,
      '--config',
      await kindConfigFile(cluster.config, cwd),
      ...(env.KUBECONFIG ? ['--kubeconfig', env.KUBECONFIG.split(':')[0]!] : []),
    ],
    env,
  );
  if (r.code !== 0) throw toolFailure(`kind create cluster --name ${cluster.name}`, r);
  return true;
}

export async function kindDelete(name: string, env: Env): Promise<void> {
  const r = await tool(await kindBinary(env), ['delete', 'cluster', '--name', name], env);
  if (r.code !== 0) throw toolFailure(`kind delete cluster --name ${name}`, r);
}

/**
 * `kind load docker-image` for the images the local Docker engine has, so pods start without a
 * registry; kind skips the nodes that have an image already, so on a reused cluster this is cheap.
 * Returns the images handed to kind.
 */
export async function kindLoadImages(name: string, images: string[], env: Env): Promise<string[]> {
  const local = await localImages([...new Set(images)], env);
  if (local.length === 0) return [];
  const r = await tool(await kindBinary(env), ['load', 'docker-image', '--name', name, ...local], env);
  if (r.code !== 0) throw toolFailure(`kind load docker-image ${local.join(' ')}`, r);
  return local;
}
