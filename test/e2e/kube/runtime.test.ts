// The kube runtime against the real API server (kwok nodes): install, rollout, no-op, an upgrade
// that rolls only what changed, a rollback after a failure the API server enforces (ResourceQuota).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEngine } from '../../helpers/engines.js';
import { isOmrsError, type OmrsError } from '../../../src/errors.js';
import { EventBus } from '../../../src/events/bus.js';
import type { OmrsEvent } from '../../../src/events/types.js';
import type { Profile } from '../../../src/profile/schema.js';
import { kubeUp } from '../../../src/runtime/kube/up.js';
import { kubeDown } from '../../../src/runtime/kube/down.js';
import { kubeStatus } from '../../../src/runtime/kube/status.js';
import { kubeLogs } from '../../../src/runtime/kube/logs.js';
import { helmHistory } from '../../../src/runtime/kube/helm.js';
import { admin, deps, HELM, project, removeNamespace, until, type Admin } from './cluster.js';

const kube = requireEngine('kube');

describe.skipIf(!kube)('kube runtime on the harness API server', () => {
  const env = `kt${process.pid % 10000}`;
  const namespace = `omrs-${env}`;
  let a: Admin;
  let proj: { root: string; remove: () => void };

  beforeAll(() => {
    a = admin(kube!);
    proj = project(kube!, {});
  });
  afterAll(async () => {
    await removeNamespace(a, namespace);
    proj?.remove();
  });

  const generations = async () => {
    const d = await a.apps.listNamespacedDeployment({ namespace });
    const rs = await a.apps.listNamespacedReplicaSet({ namespace });
    return {
      gen: Object.fromEntries(d.items.map((x) => [x.metadata!.name!, x.metadata!.generation!])),
      rs: rs.items
        .filter((r) => (r.spec?.replicas ?? 0) > 0)
        .map((r) => r.metadata!.name!)
        .sort(),
    };
  };

  it('installs into a labelled namespace and waits for readiness in order', async () => {
    const bus = new EventBus();
    const seen: OmrsEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    const result = await kubeUp({ env }, deps(kube!, proj.root, { events: bus }));
    expect(result.noop).toBe(false);
    expect(result.namespace).toBe(namespace);
    const ns = await a.core.readNamespace({ name: namespace });
    expect(ns.metadata?.labels).toMatchObject({ 'omrs.dev/env': env, 'omrs.dev/profile': 'kt' });
    expect(ns.metadata?.labels?.['omrs.dev/app-digest']).toMatch(/^[a-f0-9]{63}$/);
    const done = seen
      .filter((e) => e.type === 'step' && e.status === 'done')
      .map((e) => (e as { id: string }).id);
    expect(done.filter((id) => ['db', 'init', 'backend', 'frontend', 'gateway'].includes(id))).toEqual([
      'db',
      'init',
      'backend',
      'frontend',
      'gateway',
    ]);
    expect(seen.some((e) => e.type === 'resource' && e.detail === 'job done')).toBe(true);
    const status = await kubeStatus({ env }, deps(kube!, proj.root));
    expect(status.exists).toBe(true);
    expect(status.services.every((s) => s.runtime === 'ok' || s.runtime === 'stopped')).toBe(true);
  });

  // Its speed is bench/'s to measure, not a timed assertion's.
  it('a second up with the same values does nothing', async () => {
    const result = await kubeUp({ env }, deps(kube!, proj.root));
    expect(result.noop).toBe(true);
    expect(result.changes).toEqual([]);
  });

  it('an upgrade with a changed value rolls only what changed', async () => {
    const before = await generations();
    const result = await kubeUp(
      {
        env,
        adjust: (p: Profile) => ({
          ...p,
          resources: {
            ...p.resources,
            frontend: { requests: { cpu: '60m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
          },
        }),
      },
      deps(kube!, proj.root),
    );
    expect(result.noop).toBe(false);
    const after = await generations();
    const frontend = `${env}-frontend`;
    for (const [name, gen] of Object.entries(before.gen)) {
      if (name === frontend) expect(after.gen[name]).toBe(gen + 1);
      else expect(after.gen[name], name).toBe(gen);
    }
    const changedRs = after.rs.filter((r) => !before.rs.includes(r));
    expect(changedRs).toHaveLength(1);
    expect(changedRs[0]).toMatch(new RegExp(`^${frontend}-`));
  });

  it('rolls back when the API server forbids the new pods (ResourceQuota), the previous release keeps serving', async () => {
    const keep = (p: Profile): Profile => ({
      ...p,
      resources: {
        ...p.resources,
        frontend: { requests: { cpu: '60m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      },
    });
    const pods = (await a.core.listNamespacedPod({ namespace })).items.filter(
      (p) => p.status?.phase === 'Running' || p.status?.phase === 'Pending',
    );
    await a.core.createNamespacedResourceQuota({
      namespace,
      body: { metadata: { name: 'no-more-pods' }, spec: { hard: { pods: String(pods.length) } } },
    });
    await until(
      async () =>
        (await a.core.readNamespacedResourceQuota({ namespace, name: 'no-more-pods' })).status?.hard !==
        undefined,
      10_000,
      'quota status',
    );
    const backendBefore = await a.apps.readNamespacedDeployment({
      namespace,
      name: `${env}-backend-default`,
    });
    const before = await generations();
    let error: OmrsError | undefined;
    try {
      await kubeUp(
        {
          env,
          adjust: (p: Profile) =>
            keep({
              ...p,
              resources: {
                ...p.resources,
                backend: { requests: { cpu: '300m', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } },
              },
            }),
        },
        deps(kube!, proj.root),
      );
    } catch (e) {
      if (!isOmrsError(e)) throw e;
      error = e;
    }
    expect(error?.code).toBe('KUBE_ROLLOUT_FAILED');
    expect(error?.message).toMatch(/backend-default/);
    expect(error?.message).toMatch(/Rolled back to revision/);
    expect(error?.problems.map((p) => p.message).join('\n')).toMatch(/exceeded quota/);
    // The last log lines of a backend pod (kwok serves them through the API server's pods/log).
    expect(error?.problems.some((p) => p.code === 'LOG')).toBe(true);
    const history = await helmHistory({
      helm: HELM,
      release: env,
      namespace,
      context: kube!.context,
      kubeconfig: kube!.kubeconfig,
      env: process.env,
    });
    expect(history[history.length - 1]?.description).toMatch(/Rollback to/);
    const backendAfter = await a.apps.readNamespacedDeployment({ namespace, name: `${env}-backend-default` });
    expect(backendAfter.spec?.template.spec?.containers[0]?.resources).toEqual(
      backendBefore.spec?.template.spec?.containers[0]?.resources,
    );
    // The old ReplicaSet still serves: same ReplicaSets with replicas as before the failed upgrade.
    await until(
      async () => JSON.stringify((await generations()).rs) === JSON.stringify(before.rs),
      30_000,
      'old replica sets serving',
    );
    await a.core.deleteNamespacedResourceQuota({ namespace, name: 'no-more-pods' });
  });

  it("logs come through the API server from the nodes' kubelet endpoint (kwok)", async () => {
    const lines: string[] = [];
    const result = await kubeLogs(
      { env, service: 'gateway' },
      { ...deps(kube!, proj.root), onLine: (l) => lines.push(l.line) },
    );
    expect(result.pods.length).toBeGreaterThan(0);
    expect(result.unavailable).toEqual([]);
    expect(lines.length).toBeGreaterThan(0);
  });

  it('down keeps the volume claims and the namespace; down --volumes removes both', async () => {
    const kept = await kubeDown({ env }, deps(kube!, proj.root));
    expect(kept.uninstalled).toBe(true);
    expect(kept.keptPvcs.length).toBe(1);
    expect(kept.namespaceDeleted).toBe(false);
    expect((await a.apps.listNamespacedDeployment({ namespace })).items).toHaveLength(0);
    const gone = await kubeDown({ env, volumes: true }, deps(kube!, proj.root));
    expect(gone.deletedPvcs.length).toBe(1);
    expect(gone.namespaceDeleted).toBe(true);
  });
});
