// The Kubernetes side of a promotion: blue/green as two helm releases in `<ns>-blue` and
// `<ns>-green`; a stable ExternalName Service `openmrs` in `<ns>` names the live colour's gateway
// (the API server stores and validates it, and `kubectl get svc openmrs` shows where traffic goes);
// the promotion records in the ConfigMap `omrs-promotions` of `<ns>`.
import type * as k8s from '@kubernetes/client-node';
import { ExitCode, OmrsError } from '../errors.js';
import type { EventSink } from '../events/types.js';
import type { Profile } from '../profile/schema.js';
import type { KubeObject } from '../render/objects.js';
import { quantityValue } from '../render/quantities.js';
import {
  api,
  apiError,
  clientFor,
  isConflict,
  isNotFound,
  loadKubeConfig,
  type KubeClient,
} from '../runtime/kube/client.js';
import { guardContext } from '../runtime/kube/context-guard.js';
import { helmUpgrade } from '../runtime/kube/helm.js';
import { replaceChangedJobs } from '../runtime/kube/jobs.js';
import { ensureNamespace } from '../runtime/kube/namespace.js';
import { readySteps } from '../runtime/kube/up.js';
import { WorkloadWatch, waitOrdered } from '../runtime/kube/watch.js';

export type Colour = 'blue' | 'green';
export const otherColour = (c: Colour): Colour => (c === 'blue' ? 'green' : 'blue');
export const colourNamespace = (ns: string, c: Colour): string => `${ns}-${c}`;
export const SWITCH_SERVICE = 'openmrs';
export const RECORDS_CONFIGMAP = 'omrs-promotions';
export const LIVE_ANNOTATION = 'omrs.dev/live-colour';
/** The record of the promotion or rollback that wrote the switch (JSON): a run killed before it recorded can be finished. */
export const SWITCH_RECORD_ANNOTATION = 'omrs.dev/switch-record';
const KEEP_RECORDS = 50;

/** The namespace of a profile: cluster.namespace, else omrs-<profile>. */
export const baseNamespace = (profile: Profile, name: string): string =>
  profile.cluster.namespace ?? `omrs-${name.toLowerCase()}`;

/** The guarded client: only the profile's own context (checked on the kubeconfig file, before any request). */
export async function connectGuarded(
  profile: Profile,
  flag: string | undefined,
  env: Record<string, string | undefined>,
  kubeconfig?: string,
): Promise<KubeClient> {
  const { config, path } = await loadKubeConfig(env, kubeconfig);
  const decision = await guardContext({
    profile,
    runtime: profile.runtime,
    ...(flag !== undefined && { flag }),
    contexts: config.getContexts().map((c) => c.name),
    ...(config.getCurrentContext() && { current: config.getCurrentContext() }),
    // The promotion asks its own confirmation (the profile name, after showing the plan).
    yes: true,
  });
  return clientFor(config, decision.context, path);
}

export interface LiveState {
  live?: Colour;
  target?: string;
  /** The record the last switch carried. */
  switchRecord?: { at: string; action: string; to: string; appDigest?: string };
}

function parseRecord(text: string | undefined): LiveState['switchRecord'] {
  if (!text) return undefined;
  try {
    const r = JSON.parse(text) as LiveState['switchRecord'];
    return typeof r?.at === 'string' && typeof r.to === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

export async function readLive(client: KubeClient, ns: string): Promise<LiveState> {
  try {
    const svc = await client.core.readNamespacedService({ name: SWITCH_SERVICE, namespace: ns });
    const live = svc.metadata?.annotations?.[LIVE_ANNOTATION];
    const switchRecord = parseRecord(svc.metadata?.annotations?.[SWITCH_RECORD_ANNOTATION]);
    return {
      ...((live === 'blue' || live === 'green') && { live }),
      ...(svc.spec?.externalName && { target: svc.spec.externalName }),
      ...(switchRecord && { switchRecord }),
    };
  } catch (error) {
    if (isNotFound(error)) return {};
    throw apiError(error, `read service ${SWITCH_SERVICE} in ${ns}`, client.context);
  }
}

export interface ObjectChange {
  kind: string;
  name: string;
  change: 'added' | 'changed' | 'removed';
  /** First differing field, for changed objects. */
  field?: string;
}

/** Quantities and numbers as the API server normalises them ("0.5" cpu = "500m", 1 = "1"). */
function sameScalar(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === 'number' || typeof a === 'string') && (typeof b === 'number' || typeof b === 'string')) {
    if (String(a) === String(b)) return true;
    const x = quantityValue(String(a));
    return x !== undefined && x === quantityValue(String(b));
  }
  return false;
}

/** The first path where `want` (rendered) is not contained in `have` (live, with server defaults). */
export function firstDifference(want: unknown, have: unknown, path = ''): string | undefined {
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || have.length !== want.length) return path || '.';
    for (let i = 0; i < want.length; i++) {
      const d = firstDifference(want[i], have[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (typeof want === 'object' && want !== null) {
    if (typeof have !== 'object' || have === null || Array.isArray(have)) return path || '.';
    for (const [k, v] of Object.entries(want)) {
      if (v === null || v === undefined) continue;
      const d = firstDifference(v, (have as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return undefined;
  }
  return sameScalar(want, have) ? undefined : path || '.';
}

function compareObject(o: KubeObject, live: Record<string, unknown>): string | undefined {
  const want = o.raw;
  const meta = (want.metadata ?? {}) as Record<string, unknown>;
  const labels = firstDifference(
    meta.labels ?? {},
    (live.metadata as Record<string, unknown> | undefined)?.labels ?? {},
    'metadata.labels',
  );
  if (labels) return labels;
  for (const [key, value] of Object.entries(want)) {
    if (key === 'metadata' || key === 'apiVersion' || key === 'kind' || key === 'status') continue;
    // Secrets the chart generates differ per render: compare their keys, not their values.
    if (o.kind === 'Secret' && (key === 'data' || key === 'stringData')) {
      const have = Object.keys((live.data ?? {}) as object)
        .sort()
        .join(',');
      const wantKeys = Object.keys((value ?? {}) as object)
        .sort()
        .join(',');
      if (have !== wantKeys) return key;
      continue;
    }
    const d = firstDifference(value, live[key], key);
    if (d) return d;
  }
  return undefined;
}

/** What installing `objects` into `namespace` changes: added, changed and removed objects by kind/name. */
export async function planObjects(
  client: KubeClient,
  namespace: string,
  release: string,
  objects: KubeObject[],
): Promise<ObjectChange[]> {
  const objectApi = client.k8s.KubernetesObjectApi.makeApiClient(client.config);
  const changes: ObjectChange[] = [];
  let nsExists = true;
  try {
    await client.core.readNamespace({ name: namespace });
  } catch (error) {
    if (!isNotFound(error)) throw apiError(error, `read namespace ${namespace}`, client.context);
    nsExists = false;
  }
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  for (const o of objects) {
    kinds.set(`${o.apiVersion}/${o.kind}`, { apiVersion: o.apiVersion, kind: o.kind });
    if (!nsExists) {
      changes.push({ kind: o.kind, name: o.metadata.name, change: 'added' });
      continue;
    }
    try {
      const live = (await objectApi.read({
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name: o.metadata.name, namespace },
      })) as unknown as Record<string, unknown>;
      const field = compareObject(o, live);
      if (field) changes.push({ kind: o.kind, name: o.metadata.name, change: 'changed', field });
    } catch (error) {
      if (isNotFound(error)) changes.push({ kind: o.kind, name: o.metadata.name, change: 'added' });
      else throw apiError(error, `read ${o.kind}/${o.metadata.name}`, client.context);
    }
  }
  if (nsExists) {
    const rendered = new Set(objects.map((o) => `${o.kind}/${o.metadata.name}`));
    for (const { apiVersion, kind } of kinds.values()) {
      const list = await api(`list ${kind}`, client.context, () =>
        objectApi.list(
          apiVersion,
          kind,
          namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          `app.kubernetes.io/instance=${release}`,
        ),
      );
      for (const item of list.items) {
        const name = item.metadata?.name ?? '';
        if (!rendered.has(`${kind}/${name}`)) changes.push({ kind, name, change: 'removed' });
      }
    }
  }
  return changes.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

export interface DeployRequest {
  client: KubeClient;
  helm: string;
  release: string;
  namespace: string;
  values: unknown;
  objects: KubeObject[];
  timeouts: Profile['timeouts'];
  /** Overrides every readiness step's timeout. */
  readyTimeoutMs?: number;
  labels: Record<string, string>;
  env: Record<string, string | undefined>;
  events: EventSink;
  signal: AbortSignal;
}

/** helm upgrade --install into the idle colour's namespace, then wait for readiness (watches, per-step deadlines). */
export async function deployColour(r: DeployRequest): Promise<void> {
  await ensureNamespace(r.client, r.namespace, r.labels, {});
  // The colour may run an older app: its Jobs' pod templates (another app digest) cannot be patched.
  await replaceChangedJobs(r.client, r.namespace, r.objects);
  await helmUpgrade(
    {
      helm: r.helm,
      release: r.release,
      namespace: r.namespace,
      context: r.client.context,
      kubeconfig: r.client.kubeconfigPath,
      env: r.env,
      signal: r.signal,
    },
    r.values,
  );
  const steps = readySteps(r.objects, r.timeouts).map((s) =>
    r.readyTimeoutMs ? { ...s, timeoutMs: r.readyTimeoutMs } : s,
  );
  const watch = await WorkloadWatch.start(r.client, r.namespace);
  try {
    const failure = await waitOrdered(watch, steps, r.events, r.signal);
    if (failure)
      throw new OmrsError({
        code: 'PROMOTE_IDLE_NOT_READY',
        message: `the idle colour (${r.namespace}) did not become ready: ${failure.workload.kind}/${failure.workload.name}: ${failure.reason}`,
        exitCode: ExitCode.failed,
      });
  } finally {
    watch.close();
  }
}

export const gatewayService = (objects: KubeObject[]): string | undefined =>
  objects.find((o) => o.kind === 'Service' && o.metadata.labels['omrs.dev/component'] === 'gateway')?.metadata
    .name;

/**
 * Points the stable Service at the colour's gateway: one create or replace of an ExternalName
 * Service, carrying the record of the run that switched (recorded by that run right after).
 */
export async function switchTraffic(
  client: KubeClient,
  ns: string,
  colour: Colour,
  gateway: string,
  labels: Record<string, string>,
  record: { at: string },
): Promise<string> {
  const externalName = `${gateway}.${colourNamespace(ns, colour)}.svc.cluster.local`;
  const body: k8s.V1Service = {
    metadata: {
      name: SWITCH_SERVICE,
      namespace: ns,
      labels,
      annotations: {
        [LIVE_ANNOTATION]: colour,
        'omrs.dev/switched-at': new Date().toISOString(),
        [SWITCH_RECORD_ANNOTATION]: JSON.stringify(record),
      },
    },
    spec: { type: 'ExternalName', externalName, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  };
  try {
    const live = await client.core.readNamespacedService({ name: SWITCH_SERVICE, namespace: ns });
    body.metadata!.resourceVersion = live.metadata?.resourceVersion;
    await api(`switch service ${SWITCH_SERVICE}`, client.context, () =>
      client.core.replaceNamespacedService({ name: SWITCH_SERVICE, namespace: ns, body }),
    );
  } catch (error) {
    if (!isNotFound(error))
      throw error instanceof OmrsError
        ? error
        : apiError(error, `read service ${SWITCH_SERVICE}`, client.context);
    await api(`create service ${SWITCH_SERVICE}`, client.context, () =>
      client.core.createNamespacedService({ namespace: ns, body }),
    );
  }
  return externalName;
}

/** Are the colour's Deployments all ready right now (for rollback: never switch to a broken colour)? */
export async function colourReady(
  client: KubeClient,
  ns: string,
): Promise<{ ready: boolean; detail: string }> {
  try {
    const list = await client.apps.listNamespacedDeployment({ namespace: ns });
    if (list.items.length === 0) return { ready: false, detail: `no deployments in ${ns}` };
    const bad = list.items.filter((d) => (d.status?.readyReplicas ?? 0) < (d.spec?.replicas ?? 1));
    return bad.length
      ? {
          ready: false,
          detail: bad
            .map((d) => `${d.metadata?.name}: ${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1} ready`)
            .join(', '),
        }
      : { ready: true, detail: `${list.items.length} deployments ready` };
  } catch (error) {
    if (isNotFound(error)) return { ready: false, detail: `namespace ${ns} does not exist` };
    throw apiError(error, `list deployments in ${ns}`, client.context);
  }
}

export async function readRecords<R>(client: KubeClient, ns: string): Promise<R[]> {
  try {
    const cm = await client.core.readNamespacedConfigMap({ name: RECORDS_CONFIGMAP, namespace: ns });
    return JSON.parse(cm.data?.['promotions.json'] ?? '[]') as R[];
  } catch (error) {
    if (isNotFound(error)) return [];
    throw apiError(error, `read configmap ${RECORDS_CONFIGMAP}`, client.context);
  }
}

/** Appends a record to the ConfigMap (keeps the last 50); retries on a conflicting concurrent write. */
export async function appendRecord(
  client: KubeClient,
  ns: string,
  record: unknown,
  labels: Record<string, string>,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    let existing: k8s.V1ConfigMap | undefined;
    try {
      existing = await client.core.readNamespacedConfigMap({ name: RECORDS_CONFIGMAP, namespace: ns });
    } catch (error) {
      if (!isNotFound(error)) throw apiError(error, `read configmap ${RECORDS_CONFIGMAP}`, client.context);
    }
    const records = [...(JSON.parse(existing?.data?.['promotions.json'] ?? '[]') as unknown[]), record].slice(
      -KEEP_RECORDS,
    );
    const body: k8s.V1ConfigMap = {
      metadata: {
        name: RECORDS_CONFIGMAP,
        namespace: ns,
        labels,
        ...(existing?.metadata?.resourceVersion && { resourceVersion: existing.metadata.resourceVersion }),
      },
      data: { 'promotions.json': JSON.stringify(records, null, 1) },
    };
    try {
      if (existing)
        await client.core.replaceNamespacedConfigMap({ name: RECORDS_CONFIGMAP, namespace: ns, body });
      else await client.core.createNamespacedConfigMap({ namespace: ns, body });
      return;
    } catch (error) {
      if (isConflict(error) && attempt < 5) continue;
      throw apiError(error, `write configmap ${RECORDS_CONFIGMAP}`, client.context);
    }
  }
}
