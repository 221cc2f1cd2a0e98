// The environment's entry, which no colour owns: in the base namespace, the Ingress `openmrs` routes
// the profile's hosts to the Service `openmrs`, an ExternalName that names the live colour's gateway.
// The colours' releases carry no Ingress of their own (two Ingresses claiming one host leave the
// choice to the ingress controller), so the switch is one write of that Service: the controller
// watches it and moves every new request at once. The old colour keeps running for rollback.
import type * as k8s from '@kubernetes/client-node';
import type { EventSink } from '../events/types.js';
import type { KubeObject } from '../render/objects.js';
import { api, apiError, isNotFound, type KubeClient } from '../runtime/kube/client.js';
import { colourNamespace, SWITCH_SERVICE, type Colour } from './cluster.js';

const isIngress = (o: KubeObject): boolean => o.kind === 'Ingress';

/** What a colour's release installs: the rendered objects without the Ingress (the entry's). */
export const colourObjects = (objects: KubeObject[]): KubeObject[] => objects.filter((o) => !isIngress(o));

/** Helm values for a colour: the chart's Ingress off, since the entry owns the hosts. */
export function colourValues<V extends { ingress: object }>(values: V): V {
  return { ...values, ingress: { ...values.ingress, enabled: false } };
}

/**
 * The entry Ingress of the base namespace, from the Ingress the chart rendered for the colour: same
 * hosts, TLS and annotations, its backend the switch Service. Undefined when the profile has none.
 */
export function entryIngress(
  objects: KubeObject[],
  ns: string,
  labels: Record<string, string>,
): KubeObject | undefined {
  const rendered = objects.find(isIngress);
  if (!rendered) return undefined;
  const spec = structuredClone(rendered.raw.spec ?? {}) as k8s.V1IngressSpec;
  for (const rule of spec.rules ?? [])
    for (const path of rule.http?.paths ?? [])
      path.backend = { service: { name: SWITCH_SERVICE, port: { name: 'http' } } };
  // The release's app digest belongs to a colour; the entry serves whichever is live.
  const { 'omrs.dev/app-digest': _digest, ...annotations } = rendered.metadata.annotations;
  void _digest;
  const metadata = { name: SWITCH_SERVICE, namespace: ns, labels, annotations };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata,
    raw: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata, spec },
    text: '',
  };
}

const networking = (client: KubeClient): k8s.NetworkingV1Api =>
  client.config.makeApiClient(client.k8s.NetworkingV1Api);

/** Creates or replaces the entry Ingress; with none rendered, removes the one an earlier promotion made. */
export async function applyEntry(
  client: KubeClient,
  ns: string,
  entry: KubeObject | undefined,
): Promise<void> {
  const net = networking(client);
  let live: k8s.V1Ingress | undefined;
  try {
    live = await net.readNamespacedIngress({ name: SWITCH_SERVICE, namespace: ns });
  } catch (error) {
    if (!isNotFound(error)) throw apiError(error, `read ingress ${SWITCH_SERVICE} in ${ns}`, client.context);
  }
  if (!entry) {
    if (live)
      await api(`delete ingress ${SWITCH_SERVICE}`, client.context, () =>
        net.deleteNamespacedIngress({ name: SWITCH_SERVICE, namespace: ns }),
      );
    return;
  }
  const body = structuredClone(entry.raw) as k8s.V1Ingress;
  if (live) {
    body.metadata!.resourceVersion = live.metadata?.resourceVersion;
    await api(`replace ingress ${SWITCH_SERVICE}`, client.context, () =>
      net.replaceNamespacedIngress({ name: SWITCH_SERVICE, namespace: ns, body }),
    );
  } else
    await api(`create ingress ${SWITCH_SERVICE}`, client.context, () =>
      net.createNamespacedIngress({ namespace: ns, body }),
    );
}

/**
 * Removes the Ingresses a colour's own release still has (deployed by an omrs from before the
 * entry): they claim the entry's hosts. Helm does not bring them back: the colours' values turn
 * the chart's Ingress off.
 */
export async function dropColourIngresses(
  client: KubeClient,
  ns: string,
  release: string,
  events: EventSink,
): Promise<void> {
  const net = networking(client);
  for (const colour of ['blue', 'green'] as Colour[]) {
    const namespace = colourNamespace(ns, colour);
    let items: k8s.V1Ingress[];
    try {
      items = (
        await net.listNamespacedIngress({ namespace, labelSelector: `app.kubernetes.io/instance=${release}` })
      ).items;
    } catch (error) {
      if (isNotFound(error)) continue;
      throw apiError(error, `list ingresses in ${namespace}`, client.context);
    }
    for (const ingress of items) {
      const name = ingress.metadata!.name!;
      try {
        await net.deleteNamespacedIngress({ name, namespace });
      } catch (error) {
        if (!isNotFound(error))
          throw apiError(error, `delete ingress ${name} in ${namespace}`, client.context);
      }
      events.emit({
        type: 'info',
        message: `removed ${namespace}/Ingress ${name}: the colour's own Ingress (an older omrs) claimed the entry's hosts`,
      });
    }
  }
}
