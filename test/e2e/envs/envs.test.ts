// Disposable environments and the context guard, through the CLI, against the harness API server.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { createEnv } from '../../../src/envs/index.js';
import { admin, deleteNamespaces, deps, HELM, project, until, type Admin } from '../kube/cluster.js';
import { buildPrivateCli } from '../../helpers/built-cli.js';

const kube = requireEngine('kube');

describe.skipIf(!kube)('disposable environments and the context guard', () => {
  let a: Admin;
  let proj: { root: string; remove: () => void };
  let server: Server;
  let requests = 0;
  let twoContexts: string;
  const env = (): Record<string, string> => ({
    KUBECONFIG: kube!.kubeconfig,
    OMRS_HELM: process.env.OMRS_HELM ?? HELM,
  });
  const cli = (argv: string[], extra: Record<string, string> = {}) =>
    runCli(argv, { cwd: proj.root, env: { ...env(), ...extra } });
  const disposable = async () =>
    (await a.core.listNamespace({ labelSelector: 'omrs.dev/disposable=true' })).items;

  /** Disposable namespaces that were there before (a developer's own): left alone. */
  let others = new Set<string>();

  beforeAll(async () => {
    a = admin(kube!);
    others = new Set((await disposable()).map((n) => n.metadata!.name!));
    proj = project(kube!, {
      named: `extends: base\nruntime: kube\ncluster: { context: missing-context }\n`,
      prodless: `extends: base\nruntime: kube\nchecks: { level: prod }\n`,
    });
    server = createServer((_req, res) => {
      requests++;
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    // The real harness context plus "other", whose server counts every request that reaches it.
    const original = readFileSync(kube!.kubeconfig, 'utf8');
    const token = /token:\s*(\S+)/.exec(original)![1];
    const ca = /certificate-authority-data:\s*(\S+)/.exec(original)![1];
    twoContexts = join(proj.root, 'two-contexts.kubeconfig');
    writeFileSync(
      twoContexts,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: real\n  cluster: { server: '${kube!.server}', certificate-authority-data: ${ca} }\n- name: other\n  cluster: { server: 'http://127.0.0.1:${port}' }\nusers:\n- name: u\n  user: { token: ${token} }\ncontexts:\n- name: ${kube!.context}\n  context: { cluster: real, user: u }\n- name: other\n  context: { cluster: other, user: u }\ncurrent-context: other\n`,
    );
  });
  afterAll(async () => {
    const left = (await disposable()).map((n) => n.metadata!.name!).filter((n) => !others.has(n));
    await deleteNamespaces(a, left);
    await new Promise((r) => server?.close(r));
    proj?.remove();
  });

  it('refuses a --context that does not match the profile before any API call (exit 2, zero requests)', async () => {
    const run = await cli(['env', 'ls', '--context', 'other', '--kubeconfig', twoContexts]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--context other does not match the context of the profile: omrs-harness/);
    const missing = await cli(['env', 'ls', '-p', 'named', '--kubeconfig', twoContexts]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/missing-context is not in the kubeconfig/);
    const prod = await cli(['env', 'ls', '-p', 'prodless', '--kubeconfig', twoContexts]);
    expect(prod.code).toBe(4);
    expect(requests).toBe(0);
    // The same kubeconfig with the allowed context works, still without touching "other".
    const ok = await cli(['env', 'ls', '--kubeconfig', twoContexts, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(requests).toBe(0);
  });

  it('an RBAC denial reaches the user as the API reason, exit 1, no stack trace', async () => {
    const ns = 'default';
    await a.core
      .createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'omrs-limited' } } })
      .catch(() => undefined);
    await a.rbac
      .createNamespacedRole({
        namespace: ns,
        body: {
          metadata: { name: 'omrs-limited' },
          rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
        },
      })
      .catch(() => undefined);
    await a.rbac
      .createNamespacedRoleBinding({
        namespace: ns,
        body: {
          metadata: { name: 'omrs-limited' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'omrs-limited' },
          subjects: [{ kind: 'ServiceAccount', name: 'omrs-limited', namespace: ns }],
        },
      })
      .catch(() => undefined);
    const tr = await a.core.createNamespacedServiceAccountToken({
      namespace: ns,
      name: 'omrs-limited',
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const ca = /certificate-authority-data:\s*(\S+)/.exec(readFileSync(kube!.kubeconfig, 'utf8'))![1];
    const limited = join(proj.root, 'limited.kubeconfig');
    writeFileSync(
      limited,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: { server: '${kube!.server}', certificate-authority-data: ${ca} }\nusers:\n- name: sa\n  user: { token: ${tr.status!.token} }\ncontexts:\n- name: ${kube!.context}\n  context: { cluster: c, user: sa }\ncurrent-context: ${kube!.context}\n`,
    );
    try {
      const run = await cli(['env', 'create', '--ttl', '1h', '--kubeconfig', limited]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/Forbidden/);
      expect(run.stderr).toMatch(/system:serviceaccount:default:omrs-limited/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stderr).not.toMatch(/Internal error/);
    } finally {
      await a.rbac
        .deleteNamespacedRoleBinding({ namespace: ns, name: 'omrs-limited' })
        .catch(() => undefined);
      await a.rbac.deleteNamespacedRole({ namespace: ns, name: 'omrs-limited' }).catch(() => undefined);
      await a.core
        .deleteNamespacedServiceAccount({ namespace: ns, name: 'omrs-limited' })
        .catch(() => undefined);
    }
  });

  it('gc removes exactly the 10 expired environments with their claims and namespaces; the 2 others remain', async () => {
    const d = deps(kube!, proj.root);
    const created: { name: string; ttl: string }[] = [];
    const jobs = [...Array.from({ length: 10 }, () => '5s'), '1h', '1h'];
    const queue = [...jobs];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let ttl = queue.shift(); ttl; ttl = queue.shift()) {
          const r = await createEnv({ ttl }, d);
          created.push({ name: r.name, ttl });
        }
      }),
    );
    const short = created
      .filter((c) => c.ttl === '5s')
      .map((c) => c.name)
      .sort();
    const long = created
      .filter((c) => c.ttl === '1h')
      .map((c) => c.name)
      .sort();
    expect(new Set(created.map((c) => c.name)).size).toBe(12);
    const ls = await cli(['env', 'ls', '--json']);
    const listed = (
      JSON.parse(ls.stdout) as { environments: { name: string; state: string; runtime: string }[] }
    ).environments;
    // Judge only what this test created: a developer's own environments may share the cluster.
    const ours = (name: string) => created.some((c) => c.name === name);
    expect(
      listed
        .map((e) => e.name)
        .filter(ours)
        .sort(),
    ).toEqual(created.map((c) => c.name).sort());
    // Wait (polling, no fixed sleep) until every 5 s environment has expired.
    await until(
      async () =>
        (
          JSON.parse((await cli(['env', 'ls', '--json'])).stdout) as {
            environments: { name: string; state: string }[];
          }
        ).environments.filter((e) => short.includes(e.name) && e.state === 'expired').length === 10,
      60_000,
      '10 expired',
    );
    const dry = await cli(['env', 'gc', '--runtime', 'kube', '--dry-run', '--json']);
    expect(
      (JSON.parse(dry.stdout) as { removed: { name: string }[] }).removed.map((r) => r.name).filter(ours),
    ).toEqual(short);
    const gc = await cli(['env', 'gc', '--runtime', 'kube', '--json']);
    expect(gc.code, gc.stderr).toBe(0);
    const result = JSON.parse(gc.stdout) as { removed: { name: string; pvcs: string[] }[]; kept: number };
    const removedOurs = result.removed.filter((r) => ours(r.name));
    expect(removedOurs.map((r) => r.name)).toEqual(short);
    expect(removedOurs.every((r) => r.pvcs.length === 1)).toBe(true);
    // Kept: our two 1 h environments, and whatever else lives on the cluster.
    expect(result.kept).toBeGreaterThanOrEqual(2);
    await until(
      async () => (await disposable()).every((n) => !short.includes(n.metadata!.labels!['omrs.dev/env']!)),
      90_000,
      'namespaces of the 10 gone',
    );
    const claims = await a.core.listPersistentVolumeClaimForAllNamespaces({});
    expect(claims.items.filter((c) => short.some((s) => c.metadata!.namespace === `omrs-${s}`))).toHaveLength(
      0,
    );
    expect(
      (await disposable())
        .map((n) => n.metadata!.labels!['omrs.dev/env']!)
        .filter(ours)
        .sort(),
    ).toEqual(long);
    for (const name of long) expect((await cli(['env', 'rm', name])).code).toBe(0);
  }, 240_000);

  it('kill -9 during env create leaves no orphan; gc and a new create converge', async () => {
    // Its own build: a `npm run build` elsewhere empties the shared dist/ under a running child.
    const built = buildPrivateCli('envs-kill');
    onTestFinished(() => built.remove());
    const before = new Set((await disposable()).map((n) => n.metadata!.name!));
    // Namespaces that existed before this test (a developer's own ones included) are not judged.
    const existing = new Set((await a.core.listNamespace({})).items.map((n) => n.metadata!.name!));
    const child = spawn(process.execPath, [built.bin, 'env', 'create', '--ttl', '2s', '--plain'], {
      cwd: proj.root,
      env: { ...process.env, ...env() },
      stdio: 'ignore',
    });
    // Kill it as soon as its namespace exists: helm is running or about to.
    await until(
      async () => (await disposable()).some((n) => !before.has(n.metadata!.name!)),
      30_000,
      'the namespace of the new environment',
    );
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const killed = (await disposable()).find((n) => !before.has(n.metadata!.name!))!.metadata!.labels![
      'omrs.dev/env'
    ]!;
    const assertNoOrphans = async (): Promise<void> => {
      const all = (await a.core.listNamespace({})).items.filter(
        (n) => n.metadata!.name!.startsWith('omrs-') && !existing.has(n.metadata!.name!),
      );
      for (const ns of all) {
        if (ns.status?.phase === 'Terminating') continue;
        expect(ns.metadata!.labels, ns.metadata!.name).toMatchObject({
          'omrs.dev/disposable': 'true',
          'app.kubernetes.io/managed-by': 'omrs',
        });
        for (const key of ['omrs.dev/env', 'omrs.dev/profile', 'omrs.dev/app-digest', 'omrs.dev/expires'])
          expect(ns.metadata!.labels![key], key).toBeTruthy();
        for (const key of ['omrs.dev/owner', 'omrs.dev/created', 'omrs.dev/expires'])
          expect(ns.metadata!.annotations![key], key).toBeTruthy();
      }
      const releases = await a.core.listSecretForAllNamespaces({ labelSelector: 'owner=helm' });
      for (const r of releases.items) {
        const ns = all.find((n) => n.metadata!.name === r.metadata!.namespace);
        if (r.metadata!.namespace!.startsWith('omrs-') && !existing.has(r.metadata!.namespace!))
          expect(ns?.metadata?.labels?.['omrs.dev/env'], r.metadata!.namespace).toBeTruthy();
      }
    };
    await assertNoOrphans();
    const again = await cli(['env', 'create', '--ttl', '2s', '--json']);
    expect(again.code, again.stderr).toBe(0);
    await assertNoOrphans();
    const mine = [killed, (JSON.parse(again.stdout) as { name: string }).name];
    await until(
      async () =>
        (
          JSON.parse((await cli(['env', 'ls', '--json'])).stdout) as {
            environments: { name: string; state: string }[];
          }
        ).environments
          .filter((e) => mine.includes(e.name))
          .every((e) => e.state === 'expired' || e.state === 'deleting'),
      30_000,
      'expiry',
    );
    const gc = await cli(['env', 'gc', '--runtime', 'kube', '--json']);
    expect(gc.code, gc.stderr).toBe(0);
    expect(
      (JSON.parse(gc.stdout) as { removed: { name: string }[] }).removed
        .map((r) => r.name)
        .filter((name) => mine.includes(name))
        .sort(),
    ).toEqual([...mine].sort());
    await assertNoOrphans();
  }, 240_000);
});
