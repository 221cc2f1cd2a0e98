// Cluster hygiene rules: leftover volumes, expired disposable environments, removed tenants.
// They read through @kubernetes/client-node in the profile's context only (sources/cluster.ts).
import type { Hit, Rule } from '../types.js';

export interface ClusterPvc {
  namespace: string;
  name: string;
  phase: string;
  volume?: string;
  labels: Record<string, string>;
}
export interface ClusterPv {
  name: string;
  phase: string;
  claim?: string;
  reclaimPolicy?: string;
}
export interface ClusterNamespace {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
export interface TenantObject {
  kind: string;
  namespace: string;
  name: string;
  tenant: string;
}

/** A snapshot of what the cluster rules look at, read once (sources/cluster.ts). */
export interface ClusterContext {
  context: string;
  now: Date;
  pvcs: ClusterPvc[];
  /** "namespace/claim" of every PVC that a pod or a CronJob's pod template mounts. */
  mountedClaims: Set<string>;
  pvs: ClusterPv[];
  namespaces: ClusterNamespace[];
  /** Objects labelled omrs.dev/tenant in the profile's namespace, and the tenants the profile has. */
  tenantObjects: TenantObject[];
  tenants: string[];
}
type R = Rule<ClusterContext>;

/** omrs.dev/expires: epoch seconds, or an ISO time with "-" for ":" (label values allow no colon). */
export function parseExpiry(value: string): Date | undefined {
  if (/^\d{9,11}$/.test(value)) return new Date(Number(value) * 1000);
  const iso = value.replace(/T(\d\d)[-.](\d\d)[-.](\d\d)/, 'T$1:$2:$3');
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : new Date(t);
}

export const clusterRules: R[] = [
  {
    id: 'OMRS-CL-001',
    title: 'PersistentVolumeClaims are bound',
    severity: 'medium',
    scope: 'cluster',
    levels: ['prod'],
    why: 'A Pending or Lost claim means a database or backup volume that is not there.',
    fix: 'Check the StorageClass and the claim events (`kubectl describe pvc`); delete claims nobody needs.',
    refs: {},
    check: (ctx) =>
      ctx.pvcs
        .filter((p) => p.phase !== 'Bound')
        .map((p): Hit => ({
          resource: `PersistentVolumeClaim/${p.namespace}/${p.name}`,
          message: `phase ${p.phase}`,
        })),
  },
  {
    id: 'OMRS-CL-002',
    title: 'PersistentVolumeClaims are in use',
    severity: 'low',
    scope: 'cluster',
    levels: ['prod'],
    why: 'A claim that no pod and no CronJob mounts is usually a leftover of a removed environment, still billed and still holding data.',
    fix: 'Delete the claim if its environment is gone (after a last backup), or label it kor/used=true if it is kept on purpose.',
    refs: {},
    check: (ctx) =>
      ctx.pvcs
        .filter(
          (p) =>
            p.phase === 'Bound' &&
            !ctx.mountedClaims.has(`${p.namespace}/${p.name}`) &&
            p.labels['kor/used'] !== 'true',
        )
        .map((p) => ({
          resource: `PersistentVolumeClaim/${p.namespace}/${p.name}`,
          message: 'no pod or CronJob mounts it',
        })),
  },
  {
    id: 'OMRS-CL-003',
    title: 'No orphaned PersistentVolumes',
    severity: 'medium',
    scope: 'cluster',
    levels: ['prod'],
    why: 'Released volumes keep the data of deleted claims (patient data of old environments); Available ones are unused disks.',
    fix: 'Back up what is needed, then delete the PersistentVolume (and its disk when the reclaim policy is Retain).',
    refs: {},
    check: (ctx) =>
      ctx.pvs
        .filter((v) => v.phase === 'Released' || v.phase === 'Available' || v.phase === 'Failed')
        .map((v) => ({
          resource: `PersistentVolume/${v.name}`,
          message: `phase ${v.phase}${v.claim ? ` (was ${v.claim})` : ''}${v.reclaimPolicy ? `, reclaim ${v.reclaimPolicy}` : ''}`,
        })),
  },
  {
    id: 'OMRS-CL-004',
    title: 'No expired disposable environments',
    severity: 'high',
    scope: 'cluster',
    levels: ['qa', 'prod'],
    why: 'Expired QA environments keep running seeded databases and public URLs nobody watches.',
    fix: 'Run `omrs env gc` (or `omrs env rm <name>`).',
    refs: {},
    check: (ctx) =>
      ctx.namespaces.flatMap((n) => {
        const raw = n.labels['omrs.dev/expires'] ?? n.annotations['omrs.dev/expires'];
        if (raw === undefined) return [];
        const at = parseExpiry(raw);
        if (!at)
          return [{ resource: `Namespace/${n.name}`, message: `omrs.dev/expires "${raw}" is not a time` }];
        return at.getTime() < ctx.now.getTime()
          ? [{ resource: `Namespace/${n.name}`, message: `expired ${at.toISOString()}` }]
          : [];
      }),
  },
  {
    id: 'OMRS-CL-005',
    title: 'No objects of removed tenants',
    severity: 'medium',
    scope: 'cluster',
    levels: ['prod'],
    why: 'A tenant removed from the profile still runs a backend and keeps its database secret.',
    fix: 'Delete the objects labelled with the removed tenant (helm upgrade with the current profile removes chart objects).',
    refs: {},
    check: (ctx) => {
      const known = new Set(ctx.tenants);
      return ctx.tenantObjects
        .filter((o) => !known.has(o.tenant))
        .map((o) => ({
          resource: `${o.kind}/${o.namespace}/${o.name}`,
          message: `tenant ${o.tenant} is not in the profile`,
        }));
    },
  },
];
