// `omrs env gc-cronjob` on the harness API server: the CronJob, its ServiceAccount and role are
// applied (and applied again in place), and the script the CronJob runs, run here as that
// ServiceAccount with the harness kubectl, deletes exactly the expired disposable namespaces.
// kwok runs no containers, so the schedule itself is not exercised; the script and RBAC are.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GC_NAME, GC_NAMESPACE } from '../../../src/envs/gc-cronjob.js';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { admin, deleteNamespaces, project, type Admin } from '../kube/cluster.js';

const kube = requireEngine('kube');
const helm = requireEngine('helm');

describe.skipIf(!kube || !helm)('omrs env gc-cronjob (in-cluster garbage collection)', () => {
  let a: Admin;
  let proj: { root: string; remove: () => void };
  const tag = `${process.pid % 100000}`;
  const names = {
    expired: `omrs-gcx-old-${tag}`,
    live: `omrs-gcx-new-${tag}`,
    other: `omrs-gcx-other-${tag}`,
  };
  const cli = (argv: string[]) =>
    runCli(argv, { cwd: proj.root, env: { KUBECONFIG: kube!.kubeconfig, CI: 'true' } });

  beforeAll(async () => {
    a = admin(kube!);
    proj = project(kube!, {});
    const now = Math.floor(Date.now() / 1000);
    const make = (name: string, labels: Record<string, string>) =>
      a.core.createNamespace({ body: { metadata: { name, labels } } });
    await make(names.expired, { 'omrs.dev/disposable': 'true', 'omrs.dev/expires': String(now - 60) });
    await make(names.live, { 'omrs.dev/disposable': 'true', 'omrs.dev/expires': String(now + 3600) });
    // Expired by its label, but not a disposable environment: never touched.
    await make(names.other, { 'omrs.dev/expires': String(now - 60) });
  });

  afterAll(async () => {
    if (a) await deleteNamespaces(a, [...Object.values(names), GC_NAMESPACE]);
    proj?.remove();
  });

  it('applies the CronJob, its ServiceAccount and role; again with another schedule, in place', async () => {
    const first = await cli(['env', 'gc-cronjob', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      context: kube!.context,
      namespace: GC_NAMESPACE,
      applied: [
        `Namespace/${GC_NAMESPACE}`,
        `ServiceAccount/${GC_NAME}`,
        `ClusterRole/${GC_NAME}`,
        `ClusterRoleBinding/${GC_NAME}`,
        `CronJob/${GC_NAME}`,
      ],
    });
    const cron = await a.batch.readNamespacedCronJob({ name: GC_NAME, namespace: GC_NAMESPACE });
    expect(cron.spec?.schedule).toBe('*/15 * * * *');
    expect(cron.spec?.jobTemplate.spec?.template.spec?.serviceAccountName).toBe(GC_NAME);

    const again = await cli([
      'env',
      'gc-cronjob',
      '--schedule',
      '*/5 * * * *',
      '--image',
      'example.org/kubectl:1',
      '--json',
    ]);
    expect(again.code, again.stderr).toBe(0);
    const updated = await a.batch.readNamespacedCronJob({ name: GC_NAME, namespace: GC_NAMESPACE });
    expect(updated.spec?.schedule).toBe('*/5 * * * *');
    expect(updated.spec?.jobTemplate.spec?.template.spec?.containers[0]?.image).toBe('example.org/kubectl:1');
    expect(updated.metadata?.uid).toBe(cron.metadata?.uid);
  });

  it('its script, run as its ServiceAccount, deletes exactly the expired disposable namespaces', async () => {
    const cron = await a.batch.readNamespacedCronJob({ name: GC_NAME, namespace: GC_NAMESPACE });
    const command = cron.spec!.jobTemplate.spec!.template.spec!.containers[0]!.command!;
    expect(command.slice(0, 2)).toEqual(['sh', '-c']);

    const token = await a.core.createNamespacedServiceAccountToken({
      name: GC_NAME,
      namespace: GC_NAMESPACE,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const ca = /certificate-authority-data:\s*(\S+)/.exec(readFileSync(kube!.kubeconfig, 'utf8'))![1];
    const kubeconfig = join(proj.root, 'gc.kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: { server: '${kube!.server}', certificate-authority-data: ${ca} }\nusers:\n- name: gc\n  user: { token: ${token.status!.token} }\ncontexts:\n- name: gc\n  context: { cluster: c, user: gc }\ncurrent-context: gc\n`,
    );
    const env = {
      ...process.env,
      KUBECONFIG: kubeconfig,
      PATH: `${dirname(helm!.kubectl)}:${process.env.PATH}`,
    };
    const kubectl = (...args: string[]) => spawnSync(helm!.kubectl, args, { env, encoding: 'utf8' });

    expect(kubectl('auth', 'can-i', 'delete', 'namespaces').stdout.trim()).toBe('yes');
    expect(kubectl('auth', 'can-i', 'delete', 'deployments', '-A').stdout.trim()).toBe('no');
    expect(kubectl('auth', 'can-i', 'get', 'secrets', '-A').stdout.trim()).toBe('no');

    const run = spawnSync(command[0]!, command.slice(1), { env, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`removing namespace ${names.expired}`);
    expect(run.stdout).not.toContain(names.live);
    expect(run.stdout).not.toContain(names.other);

    const phase = async (name: string) =>
      (await a.core.readNamespace({ name }).catch(() => undefined))?.status?.phase ?? 'gone';
    expect(['Terminating', 'gone']).toContain(await phase(names.expired));
    expect(await phase(names.live)).toBe('Active');
    expect(await phase(names.other)).toBe('Active');

    // A second pass finds nothing more to do (a Terminating namespace is skipped).
    const second = spawnSync(command[0]!, command.slice(1), { env, encoding: 'utf8', timeout: 60_000 });
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).not.toContain('removing');
  });

  it('refuses a context the profile does not name (exit 2)', async () => {
    const run = await cli(['env', 'gc-cronjob', '--context', 'elsewhere']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--context elsewhere does not match/);
  });

  it('--uninstall removes what it installed; a second --uninstall removes nothing', async () => {
    const run = await cli(['env', 'gc-cronjob', '--uninstall', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { deleted: string[] }).deleted).toContain(`CronJob/${GC_NAME}`);
    await expect(a.batch.readNamespacedCronJob({ name: GC_NAME, namespace: GC_NAMESPACE })).rejects.toThrow();
    await expect(a.rbac.readClusterRole({ name: GC_NAME })).rejects.toThrow();
  });
});
