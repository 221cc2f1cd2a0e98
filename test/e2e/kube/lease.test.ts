// The kube runtime's per-environment lock, a coordination.k8s.io Lease, on the harness API server:
// two holders serialise (the second waits and says for whom), a refusal is clear, and a Lease
// whose holder is gone (its process ended, or it stopped renewing) is taken over.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OmrsEvent } from '../../../src/events/types.js';
import { clientFor, loadKubeConfig, type KubeClient } from '../../../src/runtime/kube/client.js';
import type { Target } from '../../../src/runtime/kube/connect.js';
import { LEASE_SECONDS, leaseEnv, leaseName } from '../../../src/runtime/kube/lease.js';
import { requireEngine } from '../../helpers/engines.js';
import { admin } from './cluster.js';

const kube = requireEngine('kube');

/** An event sink that also tells when a message matching `pattern` arrives. */
function recorder() {
  const events: OmrsEvent[] = [];
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const messages = () =>
    events.flatMap((e) => ('message' in e && typeof e.message === 'string' ? [e.message] : []));
  return {
    messages,
    sink: {
      emit: (e: OmrsEvent) => {
        events.push(e);
        for (const w of waiters) if (messages().some((m) => w.pattern.test(m))) w.resolve();
      },
    },
    seen: (pattern: RegExp) =>
      new Promise<void>((resolve) =>
        messages().some((m) => pattern.test(m)) ? resolve() : waiters.push({ pattern, resolve }),
      ),
  };
}

describe.skipIf(!kube)('kube runtime: the per-environment Lease', () => {
  const namespace = `omrs-e2e-lease-${randomBytes(3).toString('hex')}`;
  const env = 'e2e-lease';
  const noWait = { OMRS_LOCK_WAIT: '0' };
  let client: KubeClient;
  const a = kube ? admin(kube) : undefined;
  const leases = () => a!.config.makeApiClient(k8s.CoordinationV1Api);

  beforeAll(async () => {
    const { config, path } = await loadKubeConfig({}, kube!.kubeconfig);
    client = await clientFor(config, kube!.context, path);
    await a!.core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  afterAll(async () => {
    for (const name of [namespace, `${namespace}-down`])
      await a?.core.deleteNamespace({ name }).catch(() => undefined);
  });

  it('serialises two holders: the second waits, naming the first, and gets it once the first gives it back', async () => {
    const order: string[] = [];
    const first = recorder();
    const releaseFirst = await leaseEnv(client, namespace, env, 'omrs up', { env: {}, events: first.sink });
    order.push('first holds');
    const second = recorder();
    const secondTakes = leaseEnv(client, namespace, env, 'omrs up', { env: {}, events: second.sink }).then(
      (release) => {
        order.push('second holds');
        return release;
      },
    );
    await second.seen(/waiting for another omrs/);
    expect(second.messages()).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^waiting for another omrs \\(pid ${process.pid}, omrs up\\) working on env ${env} \\(its lease runs \\d+ s more unless renewed\\)$`,
        ),
      ),
    );
    order.push('first gives back');
    await releaseFirst();
    const releaseSecond = await secondTakes;
    expect(order).toEqual(['first holds', 'first gives back', 'second holds']);
    await releaseSecond();
    await expect(leases().readNamespacedLease({ name: leaseName(env), namespace })).rejects.toMatchObject({
      code: 404,
    });
  });

  it('refuses clearly when told not to wait, naming the Lease and how to remove it', async () => {
    const release = await leaseEnv(client, namespace, env, 'omrs up', { env: {}, events: recorder().sink });
    try {
      await expect(
        leaseEnv(client, namespace, env, 'omrs up', { env: noWait, events: recorder().sink }),
      ).rejects.toMatchObject({
        code: 'ENV_LOCKED',
        exitCode: 1,
        message: expect.stringContaining(
          `another omrs (pid ${process.pid}, omrs up) is working on environment ${env}`,
        ),
        hint: expect.stringContaining(`kubectl delete lease ${leaseName(env)} -n ${namespace}`),
      });
    } finally {
      await release();
    }
  });

  it('is taken by `down` too: a down of an environment that an up works on waits for it', async () => {
    const { kubeDown } = await import('../../../src/runtime/kube/down.js');
    // Its own namespace: down removes a namespace that has no volume claims to keep.
    const ns = `${namespace}-down`;
    await a!.core.createNamespace({ body: { metadata: { name: ns } } });
    const target = { client, namespace: ns, env, decision: { context: kube!.context } } as unknown as Target;
    const deps = {
      env: noWait,
      cwd: process.cwd(),
      events: recorder().sink,
      signal: new AbortController().signal,
    };
    const release = await leaseEnv(client, ns, env, 'omrs up', { env: {}, events: recorder().sink });
    try {
      await expect(kubeDown({}, deps, target)).rejects.toMatchObject({ code: 'ENV_LOCKED' });
    } finally {
      await release();
    }
    await expect(kubeDown({}, deps, target)).resolves.toMatchObject({ env, namespace: ns });
  });

  it('renews while it holds, and takes over a Lease whose holder stopped renewing or whose process ended', async () => {
    const name = leaseName(env);
    const past = new k8s.V1MicroTime(Date.now() - 2 * LEASE_SECONDS * 1000);
    const foreign = (host: string, pid: number) => ({
      metadata: {
        name,
        annotations: {
          'omrs.dev/lock-owner': JSON.stringify({
            pid,
            host,
            command: 'omrs up',
            since: past.toISOString(),
            nonce: 'x',
          }),
        },
      },
      spec: {
        holderIdentity: `${host}/${pid}/x`,
        leaseDurationSeconds: LEASE_SECONDS,
        acquireTime: past,
        renewTime: past,
      },
    });
    // Another machine's omrs that stopped renewing a minute ago.
    await leases().createNamespacedLease({ namespace, body: foreign('elsewhere', 4242) });
    const events = recorder();
    const release = await leaseEnv(client, namespace, env, 'omrs up', {
      env: noWait,
      events: events.sink,
      renewMs: 200,
    });
    expect(events.messages()).toContain(
      `took over the lock of ${env} from pid 4242 on elsewhere, which stopped renewing it`,
    );
    const taken = await leases().readNamespacedLease({ name, namespace });
    expect(taken.spec?.holderIdentity).toMatch(new RegExp(`^${hostname()}/${process.pid}/`));
    // Renewed: the renew time moves on while it is held.
    const renewed = async () =>
      new Date((await leases().readNamespacedLease({ name, namespace })).spec!.renewTime!).getTime();
    const firstRenew = await renewed();
    for (let i = 0; i < 100 && (await renewed()) === firstRenew; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await renewed()).toBeGreaterThan(firstRenew);
    await release();

    // This machine's omrs whose process is gone: its Lease is still fresh, but nobody will renew it.
    const ended = spawnSync(process.execPath, ['-e', '']).pid;
    const fresh = foreign(hostname(), ended);
    fresh.spec.renewTime = new k8s.V1MicroTime();
    await leases().createNamespacedLease({ namespace, body: fresh });
    const again = await leaseEnv(client, namespace, env, 'omrs up', { env: noWait, events: recorder().sink });
    expect((await leases().readNamespacedLease({ name, namespace })).spec?.holderIdentity).toMatch(
      new RegExp(`^${hostname()}/${process.pid}/`),
    );
    await again();
  });
});
