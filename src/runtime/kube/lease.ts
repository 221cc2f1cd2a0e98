// The per-environment lock of the kube runtime: a coordination.k8s.io Lease `omrs-<env>-lock` in
// the environment's namespace, so omrs on any machine sees it. The holder renews it while it works;
// a holder that stopped renewing (killed) loses it after LEASE_SECONDS, one on this machine whose
// process is gone loses it at once. Taking it over is a replace with the resourceVersion read, so
// two waiters never both win.
import type * as k8s from '@kubernetes/client-node';
import type { EventSink } from '../../events/types.js';
import { acquireWithWait, lockOwner, lockWaitMs, ownerAlive, type Attempt, type LockOwner } from '../lock.js';
import { apiError, isConflict, isNotFound, type KubeClient } from './client.js';

export const LEASE_SECONDS = 30;
const OWNER_ANNOTATION = 'omrs.dev/lock-owner';

export const leaseName = (env: string): string => `omrs-${env}-lock`;

export interface LeaseDeps {
  env: Record<string, string | undefined>;
  events: EventSink;
  signal?: AbortSignal;
  /** How often the holder renews (default a third of LEASE_SECONDS). */
  renewMs?: number;
}

const identityOf = (o: LockOwner): string => `${o.host}/${o.pid}/${o.nonce}`;

function ownerOf(lease: k8s.V1Lease): LockOwner | undefined {
  try {
    return JSON.parse(lease.metadata?.annotations?.[OWNER_ANNOTATION] ?? '') as LockOwner;
  } catch {
    return undefined;
  }
}

/** Seconds until the lease expires (negative: expired; undefined: nobody holds it). */
function secondsLeft(lease: k8s.V1Lease, now: number): number | undefined {
  const spec = lease.spec;
  if (!spec?.holderIdentity) return undefined;
  const renewed = new Date(spec.renewTime ?? spec.acquireTime ?? 0).getTime();
  return Math.round((renewed + (spec.leaseDurationSeconds ?? LEASE_SECONDS) * 1000 - now) / 1000);
}

function leaseBody(client: KubeClient, name: string, me: LockOwner, resourceVersion?: string): k8s.V1Lease {
  const now = new client.k8s.V1MicroTime();
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      labels: { 'app.kubernetes.io/managed-by': 'omrs' },
      annotations: { [OWNER_ANNOTATION]: JSON.stringify(me) },
      ...(resourceVersion && { resourceVersion }),
    },
    spec: {
      holderIdentity: identityOf(me),
      leaseDurationSeconds: LEASE_SECONDS,
      acquireTime: now,
      renewTime: now,
    },
  };
}

/**
 * Takes the env's Lease in `namespace` (which must exist), waiting for another omrs up to
 * OMRS_LOCK_WAIT; renews it until the answered function gives it back.
 */
export async function leaseEnv(
  client: KubeClient,
  namespace: string,
  env: string,
  command: string,
  deps: LeaseDeps,
): Promise<() => Promise<void>> {
  const leases = client.config.makeApiClient(client.k8s.CoordinationV1Api);
  const name = leaseName(env);
  const me = lockOwner(command);
  const what = `Lease ${name} in namespace ${namespace}`;
  const attempt = async (): Promise<Attempt> => {
    try {
      await leases.createNamespacedLease({ namespace, body: leaseBody(client, name, me) });
      return { acquired: true };
    } catch (error) {
      if (!isConflict(error)) throw apiError(error, `create ${what}`, client.context);
    }
    let lease: k8s.V1Lease;
    try {
      lease = await leases.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (isNotFound(error)) return attempt();
      throw apiError(error, `read ${what}`, client.context);
    }
    const holder = ownerOf(lease);
    const left = secondsLeft(lease, Date.now());
    const gone = left === undefined || left < 0 || (holder !== undefined && ownerAlive(holder) === false);
    if (gone) {
      try {
        await leases.replaceNamespacedLease({
          name,
          namespace,
          body: leaseBody(client, name, me, lease.metadata?.resourceVersion),
        });
        if (holder && left !== undefined)
          deps.events.emit({
            type: 'info',
            message: `took over the lock of ${env} from pid ${holder.pid} on ${holder.host}, which stopped renewing it`,
          });
        return { acquired: true };
      } catch (error) {
        if (!isConflict(error) && !isNotFound(error))
          throw apiError(error, `take over ${what}`, client.context);
        return { acquired: false, ...(holder && { holder }) };
      }
    }
    return {
      acquired: false,
      ...(holder && { holder }),
      note: `its lease runs ${left} s more unless renewed`,
    };
  };
  await acquireWithWait({
    env,
    attempt,
    events: deps.events,
    timeoutMs: lockWaitMs(deps.env),
    pollMs: 1000,
    where: what,
    breakHint: `delete it: kubectl delete lease ${name} -n ${namespace}`,
    ...(deps.signal && { signal: deps.signal }),
  });

  const renew = async (): Promise<void> => {
    const lease = await leases.readNamespacedLease({ name, namespace });
    if (lease.spec?.holderIdentity !== identityOf(me)) return;
    lease.spec.renewTime = new client.k8s.V1MicroTime();
    await leases.replaceNamespacedLease({ name, namespace, body: lease });
  };
  // A failed renewal is retried at the next tick; the lease outlives a few of them.
  const timer = setInterval(
    () => void renew().catch(() => undefined),
    deps.renewMs ?? (LEASE_SECONDS * 1000) / 3,
  );
  timer.unref();
  return async () => {
    clearInterval(timer);
    try {
      const lease = await leases.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identityOf(me)) return;
      await leases.deleteNamespacedLease({
        name,
        namespace,
        body: { preconditions: { resourceVersion: lease.metadata?.resourceVersion } },
      });
    } catch {
      // Gone with its namespace, or taken over: nothing of ours to give back.
    }
  };
}
