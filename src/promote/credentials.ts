// Database passwords that outlive the colours (the tenants', and the metrics exporter's). Blue and
// green share one database, and each colour's init Jobs set its users' passwords: if each colour
// drew its own, deploying the idle colour would change the password the live colour logs in with.
// So the passwords live in one Secret per environment, in the base namespace that no colour's
// release owns; each colour's chart reads it (database.sharedCredentials, a helm lookup). Values
// are never printed.
import { randomInt } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import type { EventSink } from '../events/types.js';
import { apiError, isConflict, isNotFound, type KubeClient } from '../runtime/kube/client.js';
import { colourNamespace, type Colour } from './cluster.js';

export const CREDENTIALS_SECRET = 'omrs-credentials';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** 32 alphanumeric characters (the chart's init script accepts nothing else), base64 for Secret data. */
const newPassword = (): string =>
  Buffer.from(
    Array.from({ length: 32 }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join(''),
  ).toString('base64');

/** The key of the metrics exporter's database password (a tenant name has no dot: no clash). */
const MONITORING_KEY = 'monitoring.exporter';

/** The chart's name for a key's own Secret in a colour (omrs.tenantSecretName; the exporter's). */
const ownSecretName = (release: string, key: string): string => {
  const fullname = release.slice(0, 30).replace(/-+$/, '');
  return key === MONITORING_KEY ? `${fullname}-db-exporter` : `${fullname}-db-${key}`;
};

export interface CredentialsRequest {
  client: KubeClient;
  /** The base namespace of the environment. */
  ns: string;
  release: string;
  tenants: string[];
  /** monitoring.enabled: the exporter's database user has a shared password too. */
  monitoring: boolean;
  /** The colour that serves now: a tenant without a shared password takes the one it logs in with. */
  live?: Colour;
  labels: Record<string, string>;
  events: EventSink;
}

/**
 * Makes sure the Secret has a password for every tenant: kept when there, else the live colour's
 * own (a colour deployed before the Secret existed), else a new one. Returns the chart values that
 * point both colours at it.
 */
export async function ensureCredentials(
  r: CredentialsRequest,
): Promise<{ namespace: string; secret: string }> {
  const { client, ns } = r;
  for (let attempt = 0; ; attempt++) {
    let existing: k8s.V1Secret | undefined;
    try {
      existing = await client.core.readNamespacedSecret({ name: CREDENTIALS_SECRET, namespace: ns });
    } catch (error) {
      if (!isNotFound(error))
        throw apiError(error, `read secret ${CREDENTIALS_SECRET} in ${ns}`, client.context);
    }
    const data: Record<string, string> = { ...(existing?.data ?? {}) };
    const adopted: string[] = [];
    const generated: string[] = [];
    for (const key of [...r.tenants, ...(r.monitoring ? [MONITORING_KEY] : [])]) {
      if (data[key]) continue;
      const own = r.live ? await livePassword(r, r.live, key) : undefined;
      if (own) adopted.push(key);
      else generated.push(key);
      data[key] = own ?? newPassword();
    }
    if (existing && adopted.length === 0 && generated.length === 0)
      return { namespace: ns, secret: CREDENTIALS_SECRET };
    const body: k8s.V1Secret = {
      metadata: {
        name: CREDENTIALS_SECRET,
        namespace: ns,
        labels: r.labels,
        ...(existing?.metadata?.resourceVersion && { resourceVersion: existing.metadata.resourceVersion }),
      },
      type: 'Opaque',
      data,
    };
    try {
      if (existing)
        await client.core.replaceNamespacedSecret({ name: CREDENTIALS_SECRET, namespace: ns, body });
      else await client.core.createNamespacedSecret({ namespace: ns, body });
    } catch (error) {
      // 409: another run wrote it first (a conflicting update, or an AlreadyExists create): read it again.
      if (isConflict(error) && attempt < 5) continue;
      throw apiError(error, `write secret ${CREDENTIALS_SECRET} in ${ns}`, client.context);
    }
    const what = [
      adopted.length && `taken from the live colour for ${adopted.join(', ')}`,
      generated.length && `generated for ${generated.join(', ')}`,
    ].filter(Boolean);
    r.events.emit({
      type: 'info',
      message: `tenant database passwords in secret ${CREDENTIALS_SECRET} of ${ns}: ${what.join('; ')}`,
    });
    return { namespace: ns, secret: CREDENTIALS_SECRET };
  }
}

async function livePassword(r: CredentialsRequest, live: Colour, key: string): Promise<string | undefined> {
  const name = ownSecretName(r.release, key);
  const namespace = colourNamespace(r.ns, live);
  try {
    return (await r.client.core.readNamespacedSecret({ name, namespace })).data?.password;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw apiError(error, `read secret ${name} in ${namespace}`, r.client.context);
  }
}
