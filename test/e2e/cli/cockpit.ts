// What the shell's end-to-end tests share: a project whose profile runs the harness test images
// on Docker (sorted after the repository's profiles, so Down reaches it), and the variables that
// point the built CLI at the engines.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEngine, requireEngine } from '../../helpers/engines.js';
import { tmuxAvailable } from '../../helpers/tmux.js';
import { makeProfilesProject, type ProfilesProject } from '../../helpers/profiles.js';

/** Docker with the test images, helm and the API server (its kubeconfig feeds the runtime picker), and tmux. */
export function cockpitEngines(what: string) {
  const engines = {
    docker: requireEngine('docker'),
    images: requireEngine('images'),
    helm: requireEngine('helm'),
    kube: requireEngine('kube'),
  };
  const ready =
    Boolean(engines.docker && engines.images && engines.helm && engines.kube) && tmuxAvailable(what);
  return { ...engines, ready };
}

export interface CockpitProject extends ProfilesProject {
  /** The profile on the test images; also the name of the environment `u` starts. */
  profile: string;
  /** OMRS_HOME, OMRS_HELM, DOCKER_HOST and KUBECONFIG of the engines. */
  env: Record<string, string>;
  /** The same as `VAR=value …` for a shell command line. */
  envLine: string;
}

/**
 * `cluster: false` gives the shell a kubeconfig with no context, for walks that judge the environments
 * panel: the harness cluster's environments come and go with the cluster tests running beside them.
 */
export function cockpitProject({ cluster = true }: { cluster?: boolean } = {}): CockpitProject {
  const profile = `tui-${randomBytes(3).toString('hex')}`;
  const project = makeProfilesProject({ [`${profile}.yaml`]: profileOnTestImages() });
  const home = mkdtempSync(join(tmpdir(), 'omrs-cockpit-'));
  const env = {
    OMRS_HOME: home,
    OMRS_HELM: readEngine('helm')!.helm,
    DOCKER_HOST: `unix://${readEngine('docker')!.socketPath}`,
    KUBECONFIG: cluster ? readEngine('kube')!.kubeconfig : noContexts(home),
  };
  return {
    ...project,
    profile,
    env,
    envLine: Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
    remove() {
      project.remove();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

function noContexts(home: string): string {
  const file = join(home, 'kubeconfig');
  writeFileSync(file, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
  return file;
}

/** dev on the harness's test images, on a gateway port of its own (other tests use 18080). */
const profileOnTestImages = (): string => `extends: dev
description: dev on the omrs-test images (the shell's end-to-end tests)
openmrs:
  images:
    gateway: omrs-test/gateway:1
    frontend: omrs-test/frontend:1
    backend: omrs-test/backend:1
    db: omrs-test/mariadb:10.11
images:
  pullPolicy: Never
seed:
  enabled: false
ports:
  gateway: ${19_000 + Math.floor(Math.random() * 900)}
timeouts:
  database: 90s
  init: 60s
  backend: 120s
  frontend: 60s
  gateway: 30s
`;
