// The individual prerequisite checks behind `omrs doctor`. Each one looks, never changes
// anything, and never reports a secret: credentials are only ever "present" or "absent".
import { existsSync } from 'node:fs';
import { stat, statfs } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { dockerTarget } from '../platform/docker-host.js';
import { findBinary, runVersion, type Env } from '../platform/exec.js';

export type CheckStatus = 'ok' | 'missing' | 'warning';

export interface CheckOutcome {
  status: CheckStatus;
  version?: string;
  detail: string;
  /** How to get it, when it is not ok. */
  fix?: string;
}

export interface CheckDeps {
  env: Env;
  cwd: string;
  home: string;
  signal?: AbortSignal;
}

const DOCKER_TIMEOUT_MS = 2_000;
const VERSION_TIMEOUT_MS = 5_000;
const LOW_DISK_BYTES = 10 * 1024 ** 3;
const MAX_CONTEXTS_SHOWN = 5;

export async function checkDocker(deps: CheckDeps): Promise<CheckOutcome> {
  const target = dockerTarget(deps.env, deps.home);
  const fix =
    'Start the Docker engine (e.g. `sudo systemctl start docker`, or `dockerd`), or set DOCKER_HOST to a reachable engine.';
  if ('unsupported' in target) return { status: 'warning', detail: target.unsupported, fix };
  const { default: Docker } = await import('dockerode');
  const docker = new Docker({ ...target.options, timeout: DOCKER_TIMEOUT_MS });
  try {
    await docker.ping();
    const version = await docker.version();
    return {
      status: 'ok',
      version: version.Version,
      detail: `API ${version.ApiVersion} at ${target.display}`,
    };
  } catch (error) {
    return {
      status: 'missing',
      detail: `no Docker engine at ${target.display}: ${describeError(error)}`,
      fix,
    };
  }
}

/** Where omrs keeps binaries it provides itself, searched after PATH. */
export const providedBinDirs = (env: Env, home: string): string[] =>
  [env.OMRS_HOME ? join(env.OMRS_HOME, 'bin') : undefined, join(home, '.cache', 'omrs', 'bin')].filter(
    (d): d is string => d !== undefined,
  );

interface BinarySpec {
  name: string;
  args: string[];
  fix: string;
  parse?: (stdout: string) => string | undefined;
  extraEnv?: Env;
  searchProvided?: boolean;
}

async function checkBinary(spec: BinarySpec, deps: CheckDeps): Promise<CheckOutcome> {
  const extraDirs = spec.searchProvided ? providedBinDirs(deps.env, deps.home) : [];
  const binary = await findBinary(spec.name, deps.env, { extraDirs });
  if (!binary) {
    const where = extraDirs.length > 0 ? `PATH, ${extraDirs.join(', ')}` : 'PATH';
    return { status: 'missing', detail: `not found on ${where}`, fix: spec.fix };
  }
  const result = await runVersion(binary, spec.args, {
    env: { ...deps.env, ...spec.extraEnv },
    timeoutMs: VERSION_TIMEOUT_MS,
    ...(deps.signal && { signal: deps.signal }),
    ...(spec.parse && { parse: spec.parse }),
  });
  if (!result.ok) return { status: 'warning', detail: `${binary} failed: ${result.output}`, fix: spec.fix };
  return { status: 'ok', ...(result.version && { version: result.version }), detail: binary };
}

const withoutBuild = (version: string | undefined) => version?.replace(/\+.*$/, '');

export const checkHelm = (deps: CheckDeps) =>
  checkBinary(
    {
      name: 'helm',
      args: ['version', '--short'],
      searchProvided: true,
      parse: (out) => withoutBuild(/v\d+\.\d+\.\d+\S*/.exec(out)?.[0]),
      fix: 'Install helm (https://helm.sh/docs/intro/install/), or run `npm run engines -- up helm` to provide one.',
    },
    deps,
  );

export const checkKubectl = (deps: CheckDeps) =>
  checkBinary(
    {
      name: 'kubectl',
      args: ['version', '--client', '-o', 'json'],
      parse: (out) =>
        (JSON.parse(out) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion,
      fix: 'Install kubectl (https://kubernetes.io/docs/tasks/tools/); omrs itself talks to the API directly.',
    },
    deps,
  );

export const checkKind = (deps: CheckDeps) =>
  checkBinary(
    {
      name: 'kind',
      args: ['version'],
      fix: 'Install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation).',
    },
    deps,
  );

export const checkMinikube = (deps: CheckDeps) =>
  checkBinary(
    {
      name: 'minikube',
      args: ['version', '--short'],
      fix: 'Install minikube (https://minikube.sigs.k8s.io/docs/start/).',
    },
    deps,
  );

export const checkTerraform = (deps: CheckDeps) =>
  checkBinary(
    {
      name: 'terraform',
      args: ['version', '-json'],
      // Without this terraform asks checkpoint.hashicorp.com whether it is outdated.
      extraEnv: { CHECKPOINT_DISABLE: '1' },
      parse: (out) => {
        const version = (JSON.parse(out) as { terraform_version?: string }).terraform_version;
        return version ? `v${version}` : undefined;
      },
      fix: 'Install terraform (https://developer.hashicorp.com/terraform/install) or OpenTofu.',
    },
    deps,
  );

/** The kubeconfig files, as KubeConfig.loadFromDefault finds them, but from the injected env. */
export function kubeconfigFiles(env: Env, home: string): string[] {
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter(Boolean);
  const file = join(home, '.kube', 'config');
  return existsSync(file) ? [file] : [];
}

export async function checkKubeContext(deps: CheckDeps): Promise<CheckOutcome> {
  const fix =
    'Point KUBECONFIG at your cluster (or create one with kind or minikube), then `kubectl config use-context <name>`.';
  const files = kubeconfigFiles(deps.env, deps.home).filter((f) => existsSync(f));
  if (files.length === 0) {
    if (deps.env.KUBERNETES_SERVICE_HOST) return { status: 'ok', detail: 'in-cluster service account' };
    return {
      status: 'missing',
      detail: deps.env.KUBECONFIG
        ? 'no file named by KUBECONFIG exists'
        : 'no kubeconfig (KUBECONFIG unset, no ~/.kube/config)',
      fix,
    };
  }
  const { KubeConfig } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  for (const [index, file] of files.entries()) {
    try {
      const layer = index === 0 ? config : new KubeConfig();
      layer.loadFromFile(file);
      if (layer !== config) config.mergeConfig(layer, true);
    } catch {
      // The parser's message may quote the file, tokens included: name the file only.
      return { status: 'missing', detail: `${file} could not be read as a kubeconfig`, fix };
    }
  }
  const names = config.getContexts().map((c) => c.name);
  const current = config.getCurrentContext();
  const shown =
    names.slice(0, MAX_CONTEXTS_SHOWN).join(', ') +
    (names.length > MAX_CONTEXTS_SHOWN ? `, … (${names.length} in all)` : '');
  if (names.length === 0) return { status: 'missing', detail: `no contexts in ${files.join(', ')}`, fix };
  if (!current || !names.includes(current))
    return {
      status: 'warning',
      detail: `no current context; contexts: ${shown}`,
      fix: `kubectl config use-context ${names[0]}`,
    };
  return { status: 'ok', detail: `current: ${current}; contexts: ${shown}` };
}

export async function checkAwsCredentials(deps: CheckDeps): Promise<CheckOutcome> {
  const { env, home } = deps;
  const fix =
    'Run `aws configure` or `aws sso login`, or export AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).';
  if (env.AWS_ACCESS_KEY_ID) {
    if (!env.AWS_SECRET_ACCESS_KEY)
      return { status: 'warning', detail: 'AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not', fix };
    return { status: 'ok', detail: 'present (environment: AWS_ACCESS_KEY_ID)' };
  }
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN)
    return { status: 'ok', detail: 'present (web identity: AWS_WEB_IDENTITY_TOKEN_FILE)' };
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI)
    return { status: 'ok', detail: 'present (container credentials endpoint)' };
  const credentials = env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials');
  const config = env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config');
  const viaProfile = env.AWS_PROFILE ? ' for AWS_PROFILE' : '';
  if (await nonEmptyFile(credentials))
    return { status: 'ok', detail: `present (${displayPath(credentials, home)}${viaProfile})` };
  if (await nonEmptyFile(config))
    return {
      status: env.AWS_PROFILE ? 'ok' : 'warning',
      detail: `present (${displayPath(config, home)}${viaProfile}: SSO or credential_process)`,
      ...(!env.AWS_PROFILE && { fix }),
    };
  if (env.AWS_PROFILE)
    return {
      status: 'warning',
      detail: 'AWS_PROFILE is set but no shared credentials or config file exists',
      fix,
    };
  return {
    status: 'missing',
    detail: 'absent (no AWS_ACCESS_KEY_ID, AWS_PROFILE or ~/.aws/credentials)',
    fix,
  };
}

export async function checkDisk(deps: CheckDeps): Promise<CheckOutcome> {
  const fs = await statfs(deps.cwd);
  const free = fs.bavail * fs.bsize;
  const detail = `${formatGiB(free)} free at ${deps.cwd}`;
  if (free < LOW_DISK_BYTES)
    return {
      status: 'warning',
      detail: `${detail} (below ${formatGiB(LOW_DISK_BYTES)})`,
      fix: 'Free some space: images and database volumes need about 10 GiB (`docker system prune`).',
    };
  return { status: 'ok', detail };
}

const formatGiB = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

const displayPath = (file: string, home: string): string =>
  file.startsWith(home + '/') ? '~' + file.slice(home.length) : file;

async function nonEmptyFile(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    return info.isFile() && info.size > 0;
  } catch {
    return false;
  }
}

function describeError(error: unknown): string {
  const failure = error as { code?: string; message?: string };
  if (failure.code === 'ENOENT') return 'the socket does not exist';
  if (failure.code === 'EACCES') return 'permission denied on the socket (add yourself to the docker group)';
  if (failure.code === 'ECONNREFUSED') return 'connection refused';
  return failure.code ?? failure.message?.split('\n')[0] ?? String(error);
}
