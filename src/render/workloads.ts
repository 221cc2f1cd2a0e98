// The one model of the workloads in rendered Kubernetes objects, shared by the compose
// translation, the checks and the cluster's readiness watch: which kinds are workloads, their pod
// templates and containers, label selectors, and the order in which an environment becomes ready.
import { arr, isRecord, rec, str, stringMap, type Json } from './json.js';
import type { KubeObject } from './objects.js';

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

/** How findings, plans and messages name an object: "Kind/name". */
export const objectId = (o: { kind: string; metadata: { name: string } }): string =>
  `${o.kind}/${o.metadata.name}`;

/** An object as the API writes it: what the accessors below read. */
export interface Raw {
  kind: string;
  metadata?: unknown;
  spec?: unknown;
}

/** A parsed object as the API wrote it. */
export const rawOf = (o: KubeObject): Raw => ({ kind: o.kind, metadata: o.raw.metadata, spec: o.raw.spec });

/** A workload's pod template (metadata and spec): a Pod's own, a CronJob's job template's, else spec.template. */
export function podTemplateOf(o: Raw): { meta: Json; spec: Json } | undefined {
  const spec = rec(o.spec);
  switch (o.kind) {
    case 'Pod':
      return { meta: rec(o.metadata), spec };
    case 'CronJob': {
      const t = rec(rec(rec(spec.jobTemplate).spec).template);
      return { meta: rec(t.metadata), spec: rec(t.spec) };
    }
    default:
      if (!(WORKLOAD_KINDS as readonly string[]).includes(o.kind)) return undefined;
      return { meta: rec(rec(spec.template).metadata), spec: rec(rec(spec.template).spec) };
  }
}

export interface PodContainer {
  name: string;
  init: boolean;
  spec: Json;
  securityContext: Json;
}

/** A pod spec's containers, init containers first. */
export function containersOf(pod: Json): PodContainer[] {
  const list = (key: string, init: boolean): PodContainer[] =>
    arr(pod[key])
      .filter(isRecord)
      .map((c) => ({ name: str(c.name) ?? '?', init, spec: c, securityContext: rec(c.securityContext) }));
  return [...list('initContainers', true), ...list('containers', false)];
}

/** Container images of a workload (init containers first). */
export function imagesOf(o: KubeObject): string[] {
  return containersOf(podTemplateOf(rawOf(o))?.spec ?? {})
    .map((c) => (typeof c.spec.image === 'string' ? c.spec.image : ''))
    .filter(Boolean);
}

export interface Workload {
  object: KubeObject;
  ref: string;
  kind: string;
  /** The pod template's metadata and spec (or the Pod's own). */
  podMeta: Json;
  pod: Json;
  containers: PodContainer[];
  replicas: number | undefined;
  /** The pod template's labels. */
  labels: Record<string, string>;
}

/** The workloads among the objects, with their pod templates. */
export function workloads(objects: KubeObject[]): Workload[] {
  const out: Workload[] = [];
  for (const object of objects) {
    const t = podTemplateOf(rawOf(object));
    if (!t) continue;
    const replicas = rec(object.raw.spec).replicas;
    out.push({
      object,
      ref: objectId(object),
      kind: object.kind,
      podMeta: t.meta,
      pod: t.spec,
      containers: containersOf(t.spec),
      replicas:
        typeof replicas === 'number'
          ? replicas
          : LONG_RUNNING.has(object.kind) && object.kind !== 'DaemonSet'
            ? 1
            : undefined,
      labels: stringMap(t.meta.labels),
    });
  }
  return out;
}

/** The container setting, falling back to the pod's securityContext where Kubernetes does. */
export function effective(w: Workload, c: PodContainer, key: string): unknown {
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

/** A Service's selector (a plain map) selects the pods with these labels; an empty one selects none. */
export const serviceSelects = (selector: unknown, labels: Record<string, string>): boolean =>
  isRecord(selector) &&
  Object.keys(selector).length > 0 &&
  selectorMatches({ matchLabels: selector }, labels);

export interface ContainerEnvVar {
  name: string;
  value?: string;
  fromSecret: boolean;
  fromOther: boolean;
}

/** A container's env entries: literal values, and whether the others come from a Secret. */
export function envOf(c: PodContainer): ContainerEnvVar[] {
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

/** The component in a set of labels (the chart sets both app.kubernetes.io/component and omrs.dev/component). */
export const componentLabel = (labels: Record<string, string> | undefined): string | undefined =>
  labels?.['app.kubernetes.io/component'] ?? labels?.['omrs.dev/component'];

/**
 * The order in which an environment becomes ready, on every runtime: each phase starts (compose)
 * or is waited for (clusters) after the one before it. `component` is the chart's component of
 * the phase's workloads.
 */
export const READINESS_ORDER = [
  { phase: 'database', component: 'db' },
  { phase: 'init', component: 'init' },
  { phase: 'backend', component: 'backend' },
  { phase: 'frontend', component: 'frontend' },
  { phase: 'gateway', component: 'gateway' },
] as const;
export type Phase = (typeof READINESS_ORDER)[number]['phase'];
export const PHASES: readonly Phase[] = READINESS_ORDER.map((p) => p.phase);

/**
 * The phase of a Deployment, StatefulSet or Job: Jobs initialise, the rest go by the component of
 * their pod template (else of the object); a workload of no known component starts with the frontend.
 */
export function phaseOf(o: Raw): Phase {
  if (o.kind === 'Job') return 'init';
  const component =
    componentLabel(stringMap(podTemplateOf(o)?.meta.labels)) ??
    componentLabel(stringMap(rec(o.metadata).labels));
  if (component && /^(db|database|mariadb|mysql)$/.test(component)) return 'database';
  if (component === 'backend') return 'backend';
  if (component === 'gateway') return 'gateway';
  return 'frontend';
}
