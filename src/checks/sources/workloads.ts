// Pod templates of workload objects, with their containers, for the manifest rules.
import type { KubeObject } from '../../render/objects.js';

export type Json = Record<string, unknown>;
export const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const rec = (v: unknown): Json => (isRecord(v) ? v : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

export const WORKLOAD_KINDS = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'Pod',
] as const;
/** Workloads that serve traffic for a long time (probes, replicas, PDBs apply to them). */
export const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

export interface Container {
  name: string;
  init: boolean;
  spec: Json;
  securityContext: Json;
}

export interface Workload {
  object: KubeObject;
  ref: string;
  kind: string;
  /** The pod template's metadata and spec (or the Pod's own). */
  podMeta: Json;
  pod: Json;
  containers: Container[];
  replicas: number | undefined;
  labels: Record<string, string>;
}

export const refOf = (o: KubeObject): string => `${o.kind}/${o.metadata.name}`;

function podTemplate(o: KubeObject): { meta: Json; spec: Json } | undefined {
  const spec = rec(o.raw.spec);
  switch (o.kind) {
    case 'Pod':
      return { meta: rec(o.raw.metadata), spec };
    case 'CronJob': {
      const t = rec(rec(rec(spec.jobTemplate).spec).template);
      return { meta: rec(t.metadata), spec: rec(t.spec) };
    }
    default:
      if (!(WORKLOAD_KINDS as readonly string[]).includes(o.kind)) return undefined;
      return { meta: rec(rec(spec.template).metadata), spec: rec(rec(spec.template).spec) };
  }
}

export function workloads(objects: KubeObject[]): Workload[] {
  const out: Workload[] = [];
  for (const object of objects) {
    const t = podTemplate(object);
    if (!t) continue;
    const containers = (key: string, init: boolean): Container[] =>
      arr(t.spec[key])
        .filter(isRecord)
        .map((c) => ({ name: str(c.name) ?? '?', init, spec: c, securityContext: rec(c.securityContext) }));
    const replicas = rec(object.raw.spec).replicas;
    out.push({
      object,
      ref: refOf(object),
      kind: object.kind,
      podMeta: t.meta,
      pod: t.spec,
      containers: [...containers('initContainers', true), ...containers('containers', false)],
      replicas:
        typeof replicas === 'number'
          ? replicas
          : LONG_RUNNING.has(object.kind) && object.kind !== 'DaemonSet'
            ? 1
            : undefined,
      labels: Object.fromEntries(Object.entries(rec(t.meta.labels)).map(([k, v]) => [k, String(v)])),
    });
  }
  return out;
}

/** The container setting, falling back to the pod's securityContext where Kubernetes does. */
export function effective(w: Workload, c: Container, key: string): unknown {
  if (c.securityContext[key] !== undefined) return c.securityContext[key];
  return rec(w.pod.securityContext)[key];
}

/** Label selector semantics: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist). */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  const sel = rec(selector);
  const matchLabels = rec(sel.matchLabels);
  for (const [k, v] of Object.entries(matchLabels)) if (labels[k] !== String(v)) return false;
  for (const e of arr(sel.matchExpressions).filter(isRecord)) {
    const key = str(e.key) ?? '';
    const values = arr(e.values).map(String);
    const has = key in labels;
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

export interface EnvVar {
  name: string;
  value?: string;
  fromSecret: boolean;
  fromOther: boolean;
}

export function envOf(c: Container): EnvVar[] {
  return arr(c.spec.env)
    .filter(isRecord)
    .map((e) => {
      const from = rec(e.valueFrom);
      return {
        name: str(e.name) ?? '',
        ...(e.value !== undefined && { value: str(e.value) ?? '' }),
        fromSecret: from.secretKeyRef !== undefined,
        fromOther: Object.keys(from).length > 0 && from.secretKeyRef === undefined,
      };
    });
}

/** The OpenMRS backend (openmrs-core or the reference application backend image, or a container configured with OMRS_DB_*). */
export function isOpenmrsBackend(c: Container): boolean {
  const image = str(c.spec.image) ?? '';
  if (/openmrs\/openmrs-(core|reference-application-3-backend|reference-application-distro)/.test(image))
    return true;
  return envOf(c).some((e) => /^OMRS_DB(_|$)/.test(e.name));
}
