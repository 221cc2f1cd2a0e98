// The live dashboard on a cluster (the harness API server, kwok nodes): `omrs up --runtime kube`
// with -d returns, in a terminal it opens the dashboard; the kube source reports every workload,
// restarts the backend by a rollout (new pod template annotation, Ready again), takes the release
// down keeping the volume claims. No assertion depends on pod log lines (kwok has no kubelet).
import { PassThrough } from 'node:stream';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { EventBus } from '../../../src/events/bus.js';
import type { ResourceEvent } from '../../../src/events/types.js';
import { connect } from '../../../src/runtime/kube/connect.js';
import { RESTARTED_AT } from '../../../src/runtime/kube/restart.js';
import { Dashboard } from '../../../src/ui/dashboard/dashboard.js';
import { kubeSource } from '../../../src/runtime/kube/dashboard-source.js';
import type { DashboardSource } from '../../../src/runtime/runtime.js';
import type { Io } from '../../../src/ui/io.js';
import { createViewStore } from '../../../src/ui/progress-view.js';
import { environmentSources } from '../../../src/ui/shell/sources.js';
import { CollectingStream, runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { stripAnsi } from '../../helpers/ink.js';
import { admin, deps, project, removeNamespace, type Admin } from './cluster.js';

// Ink decides at import whether it runs in CI (is-in-ci reads CI) and then draws no frame until it
// exits; this file checks what a person sees in a terminal, so it runs without CI (set by .ci/run).
const ciWas = vi.hoisted(() => {
  const was = process.env.CI;
  delete process.env.CI;
  return was;
});

const kube = requireEngine('kube');
const helm = requireEngine('helm');
const SERVICES = ['db', 'init-default', 'backend-default', 'frontend', 'gateway'];

describe.skipIf(!kube || !helm)('the dashboard on a cluster', () => {
  const env = `kd${process.pid % 10000}`;
  const namespace = `omrs-${env}`;
  let a: Admin;
  let proj: { root: string; remove: () => void };
  let cliEnv: Record<string, string | undefined>;
  let bus: EventBus;
  let source: DashboardSource;
  const latest = new Map<string, ResourceEvent>();

  beforeAll(async () => {
    a = admin(kube!);
    proj = project(kube!, {});
    cliEnv = { KUBECONFIG: kube!.kubeconfig, OMRS_HELM: helm!.helm, CI: undefined };
    // In a terminal with -d: up returns once ready, without opening the dashboard.
    const up = await runCli(['up', '--runtime', 'kube', '--profile', 'kt', '--env', env, '-d'], {
      cwd: proj.root,
      env: cliEnv,
      isTTY: true,
    });
    expect(up.code, up.stderr).toBe(0);
    expect(stripAnsi(up.stdout)).toMatch(new RegExp(`${env} is up on ${kube!.context}`));
    expect(up.stdout).not.toContain('q quit');
    bus = new EventBus();
    bus.subscribe((e) => {
      if (e.type === 'resource') latest.set(e.name, e);
    });
    const d = deps(kube!, proj.root, { events: bus });
    source = kubeSource({
      target: await connect({ env }, d, 'open'),
      bus,
      env: d.env,
      cwd: proj.root,
      signal: d.signal,
    });
  });
  afterAll(async () => {
    if (ciWas !== undefined) process.env.CI = ciWas;
    source?.close?.();
    await removeNamespace(a, namespace);
    proj?.remove();
  });

  it('opens after `omrs up --runtime kube` in a terminal, shows the services and leaves on q', async () => {
    const stdout = new CollectingStream(true, 120);
    const stdin = Object.assign(new PassThrough(), {
      isTTY: true,
      setRawMode: () => stdin,
      ref: () => stdin,
      unref: () => stdin,
    });
    const io: Io = {
      stdout,
      stderr: new CollectingStream(true, 120),
      stdin,
      env: { ...process.env, ...cliEnv },
      cwd: proj.root,
      signal: new AbortController().signal,
    };
    const exited = main(['up', '--runtime', 'kube', '--profile', 'kt', '--env', env], io);
    await vi.waitFor(
      () => {
        const screen = stripAnsi(stdout.text());
        expect(screen).toContain(`omrs · ${env}`);
        for (const s of SERVICES) expect(screen).toMatch(new RegExp(`${s}\\s+\\w+\\s+ok\\b`));
      },
      { timeout: 30_000, interval: 200 },
    );
    stdin.write('q');
    await expect(exited).resolves.toBe(0);
    expect(stripAnsi(stdout.text())).toMatch(/↑\/↓ select\s+l logs\s+r restart\s+s seed\s+d down/);
  });

  it('refresh reports every workload of the release with its state', async () => {
    const result = await source.refresh();
    expect(result.exists).toBe(true);
    expect([...latest.keys()].sort()).toEqual([...SERVICES].sort());
    expect(latest.get('db')).toMatchObject({ kind: 'StatefulSet', runtime: 'ok', health: 'healthy' });
    expect(latest.get('init-default')).toMatchObject({ kind: 'Job', runtime: 'ok', health: 'none' });
    for (const s of ['backend-default', 'frontend', 'gateway'])
      expect(latest.get(s)).toMatchObject({ kind: 'Deployment', runtime: 'ok', health: 'healthy' });
  });

  it('draws the services table of the cluster in the Dashboard', async () => {
    const store = createViewStore(bus);
    const view = render(<Dashboard store={store} source={source} onQuit={() => undefined} pollMs={500} />);
    try {
      await vi.waitFor(
        () => {
          const lines = stripAnsi(view.lastFrame()).split('\n');
          expect(lines[0]).toBe(`omrs · ${env}`);
          expect(lines.some((l) => /NAME\s+KIND\s+STATE\s+HEALTH/.test(l))).toBe(true);
          expect(lines.some((l) => /backend-default\s+Deployment\s+ok\s+healthy/.test(l))).toBe(true);
          expect(lines.some((l) => /db\s+StatefulSet\s+ok\s+healthy/.test(l))).toBe(true);
        },
        { timeout: 10_000, interval: 100 },
      );
    } finally {
      view.unmount();
      store.close();
    }
  });

  it('restarts the backend by a new pod template annotation and returns once it is Ready again', async () => {
    const name = `${env}-backend-default`;
    const before = await a.apps.readNamespacedDeployment({ namespace, name });
    expect(before.spec?.template.metadata?.annotations?.[RESTARTED_AT]).toBeUndefined();
    const line = await source.restart('backend-default');
    expect(line).toMatch(/^backend-default restarted and healthy again \(\d+\.\ds\)$/);
    const after = await a.apps.readNamespacedDeployment({ namespace, name });
    expect(after.spec?.template.metadata?.annotations?.[RESTARTED_AT]).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(after.metadata?.generation).toBe((before.metadata?.generation ?? 0) + 1);
    expect(after.status?.observedGeneration).toBe(after.metadata?.generation);
    expect(after.status?.readyReplicas).toBe(after.spec?.replicas);
    expect(after.status?.updatedReplicas).toBe(after.spec?.replicas);
    expect(latest.get('backend-default')).toMatchObject({ runtime: 'ok', health: 'healthy' });
  });

  it('seeds through a port-forward to the database pod (here no database was made for it: a clear error), and opens a port-forward', async () => {
    // kwok forwards the pod's 3306 to the harness MariaDB, which has no login for this tenant
    // (test/e2e/kind/up.test.ts seeds through the real init Job and database pod).
    await expect(source.seed()).rejects.toThrow(/omrs_default@127\.0\.0\.1:\d+\/openmrs_default/);
    expect(await source.open()).toMatch(/http:\/\/127\.0\.0\.1:\d+\/openmrs\/spa.*forwarded to/);
    // Its profile has no monitoring: key g (Grafana) says so, the gateway's forward stays.
    await expect(source.open('grafana')).rejects.toThrow(/has no grafana Service/);
    expect(await source.open()).toMatch(/http:\/\/127\.0\.0\.1:\d+\/openmrs\/spa.*forwarded to/);
  });

  it('is listed by the shell, which opens its dashboard on the same cluster', async () => {
    const shell = environmentSources({
      cwd: proj.root,
      env: { ...process.env, ...cliEnv },
      signal: new AbortController().signal,
    });
    const listed = (await shell.listEnvironments()).find((e) => e.name === env);
    expect(listed).toMatchObject({ profile: 'kt', runtime: 'kube', status: 'deployed', namespace });
    const opened = await shell.dashboardFor(listed!);
    try {
      expect(await opened.source.refresh()).toMatchObject({ exists: true });
      expect(opened.store.getState().resources.map((r) => r.name)).toEqual(expect.arrayContaining(SERVICES));
    } finally {
      opened.close();
    }
  });

  it('down removes the release but keeps the volume claims', async () => {
    const line = await source.down();
    expect(line).toMatch(new RegExp(`^${env} is down: release uninstalled; kept volume claims \\S+`));
    expect((await a.apps.listNamespacedDeployment({ namespace })).items).toHaveLength(0);
    const releases = await a.core.listNamespacedSecret({
      namespace,
      labelSelector: `owner=helm,name=${env}`,
    });
    expect(releases.items).toHaveLength(0);
    expect((await a.core.listNamespacedPersistentVolumeClaim({ namespace })).items).toHaveLength(1);
    expect((await source.refresh()).exists).toBe(false);
  });
});
