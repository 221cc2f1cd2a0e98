// Tenant database passwords that outlive the colours. Blue and green share one database, and each
// colour's init Job sets its tenant users' passwords: if each colour drew its own, deploying the
// idle colour would change the password the live colour logs in with. So the passwords live in one
// Secret per environment, in the base namespace that no colour's release owns; each colour's chart
// reads it (database.sharedCredentials, a helm lookup). Values are never printed.
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

/** The chart's name for a tenant's own Secret in a colour (omrs.tenantSecretName). */
const tenantSecretName = (release: string, tenant: string): string =>
  `${release.slice(0, 30).replace(/-+$/, '')}-db-${tenant}`;

export interface CredentialsRequest {
  client: KubeClient;
  /** The base namespace of the environment. */
  ns: string;
  release: string;
  tenants: string[];
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
    for (const tenant of r.tenants) {
      if (data[tenant]) continue;
      const own = r.live ? await liveTenantPassword(r, r.live, tenant) : undefined;
      if (own) adopted.push(tenant);
      else generated.push(tenant);
      data[tenant] = own ?? newPassword();
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

async function liveTenantPassword(
  r: CredentialsRequest,
  live: Colour,
  tenant: string,
): Promise<string | undefined> {
  const name = tenantSecretName(r.release, tenant);
  const namespace = colourNamespace(r.ns, live);
  try {
    return (await r.client.core.readNamespacedSecret({ name, namespace })).data?.password;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw apiError(error, `read secret ${name} in ${namespace}`, r.client.context);
  }
}
