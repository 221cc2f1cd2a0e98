// Cluster rules against the real Kubernetes API server: PVs and PVCs, an expired disposable
// environment, and objects of a tenant that the profile no longer has. The harness runs an API
// server with its controller manager: the persistent volume controller sets the phases.
//
// Where the test plays a part (a gap, not coverage): it creates the PersistentVolumes itself,
// bound to their claims by name, as a provisioner would; the harness API server has none. The pod
// and the CronJob that mount the claims never run (kwok nodes): the rules read their specs only.
// A real provisioner cannot stand in yet: kind's local-path reclaims with Delete, so a volume
// whose claim is deleted is removed and no Released volume stays to be found; and the kind
// cluster is shared by the kind lane's files, whose own claims would change what these
// cluster-wide rules find.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as k8s from '@kubernetes/client-node';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { makeProfilesProject, type ProfilesProject } from '../../helpers/profiles.js';

const kube = requireEngine('kube');
const id = `${process.pid}`;
const NS = `omrs-check-${id}`;
const EXPIRED = `omrs-check-exp-${id}`;
const FUTURE = `omrs-check-fut-${id}`;

describe.skipIf(!kube)('omrs check --scope cluster (real API server)', () => {
  let core: k8s.CoreV1Api;
  let batch: k8s.BatchV1Api;
  let project: ProfilesProject;
  let phasesNow: string[] = [];
  const pv = (name: string, claimRef?: k8s.V1ObjectReference): k8s.V1PersistentVolume => ({
    metadata: { name },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: '',
      hostPath: { path: `/tmp/${name}` },
      ...(claimRef && { claimRef }),
    },
  });
  const pvc = (
    name: string,
    extra: Partial<k8s.V1PersistentVolumeClaimSpec> = {},
  ): k8s.V1PersistentVolumeClaim => ({
    metadata: { name, namespace: NS },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: '',
      resources: { requests: { storage: '1Gi' } },
      ...extra,
    },
  });
  /** The API server's persistent volume controller moves the phases; wait for it. */
  const phases = async () => {
    const volumes = await core.listPersistentVolume();
    const claims = await core.listNamespacedPersistentVolumeClaim({ namespace: NS });
    return [
      ...volumes.items.map((v) => `${v.metadata?.name}=${v.status?.phase}`),
      ...claims.items.map((c) => `${c.metadata?.name}=${c.status?.phase}`),
    ];
  };

  beforeAll(async () => {
    const client = await import('@kubernetes/client-node');
    const kc = new client.KubeConfig();
    kc.loadFromFile(kube!.kubeconfig);
    kc.setCurrentContext(kube!.context);
    core = kc.makeApiClient(client.CoreV1Api);
    batch = kc.makeApiClient(client.BatchV1Api);
    const past = String(Math.floor(Date.now() / 1000) - 3600);
    const future = String(Math.floor(Date.now() / 1000) + 86_400);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    await core.createNamespace({
      body: { metadata: { name: EXPIRED, labels: { 'omrs.dev/expires': past } } },
    });
    await core.createNamespace({
      body: { metadata: { name: FUTURE, labels: { 'omrs.dev/expires': future } } },
    });
    await core.createPersistentVolume({ body: pv(`omrs-check-available-${id}`) });
    // Available: never claimed. Released: a Retain volume whose bound claim was deleted (below).
    for (const name of ['released', 'unused', 'used', 'scheduled']) {
      await core.createPersistentVolume({ body: pv(`omrs-check-${name}-${id}`, { namespace: NS, name }) });
      await core.createNamespacedPersistentVolumeClaim({
        namespace: NS,
        body: pvc(name, { volumeName: `omrs-check-${name}-${id}` }),
      });
    }
    await core.createNamespacedPersistentVolumeClaim({
      namespace: NS,
      body: pvc('pending', { storageClassName: 'no-such-class' }),
    });
    const settle = async (want: string[]) => {
      for (let i = 0; i < 100 && !want.every((w) => phasesNow.includes(w)); i++) {
        phasesNow = await phases();
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(phasesNow).toEqual(expect.arrayContaining(want));
    };
    await settle(['released=Bound']);
    await core.deleteNamespacedPersistentVolumeClaim({ name: 'released', namespace: NS });
    await settle([
      `omrs-check-released-${id}=Released`,
      `omrs-check-available-${id}=Available`,
      'unused=Bound',
      'used=Bound',
      'scheduled=Bound',
      'pending=Pending',
    ]);
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: 'app' },
        spec: {
          containers: [{ name: 'c', image: 'busybox:1' }],
          volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'used' } }],
        },
      },
    });
    // Mounted only while a Job of its CronJob runs, like the backups' claim.
    await batch.createNamespacedCronJob({
      namespace: NS,
      body: {
        metadata: { name: 'backup' },
        spec: {
          schedule: '0 3 * * *',
          jobTemplate: {
            spec: {
              template: {
                spec: {
                  restartPolicy: 'Never',
                  containers: [{ name: 'c', image: 'busybox:1' }],
                  volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'scheduled' } }],
                },
              },
            },
          },
        },
      },
    });
    await core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: 'db-clinic-b', labels: { 'omrs.dev/tenant': 'clinic-b' } } },
    });
    await core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: 'db-default', labels: { 'omrs.dev/tenant': 'default' } } },
    });
    project = makeProfilesProject({
      'clustered.yaml': `runtime: kube\ntenants: [{ name: default }]\ncluster: { context: ${kube!.context}, namespace: ${NS} }\nchecks: { level: prod }\n`,
    });
  });

  afterAll(async () => {
    project?.remove();
    for (const ns of [NS, EXPIRED, FUTURE]) await core?.deleteNamespace({ name: ns }).catch(() => undefined);
    for (const name of ['released', 'available', 'unused', 'used', 'scheduled'].map(
      (n) => `omrs-check-${n}-${id}`,
    ))
      await core?.deletePersistentVolume({ name }).catch(() => undefined);
  });

  it('finds leftover volumes, expired environments and removed tenants, in the profile context only', async () => {
    const run = await runCli(['check', '--profile', 'clustered', '--scope', 'cluster', '--format', 'json'], {
      cwd: project.root,
      env: { KUBECONFIG: kube!.kubeconfig },
    });
    expect(run.code, run.stderr).toBe(3);
    const report = JSON.parse(run.stdout) as { findings: { rule: string; resource: string }[] };
    const has = (rule: string, resource: string) =>
      report.findings.some((f) => f.rule === rule && f.resource === resource);
    expect(has('OMRS-CL-001', `PersistentVolumeClaim/${NS}/pending`)).toBe(true);
    expect(has('OMRS-CL-002', `PersistentVolumeClaim/${NS}/unused`)).toBe(true);
    expect(has('OMRS-CL-002', `PersistentVolumeClaim/${NS}/used`)).toBe(false);
    expect(has('OMRS-CL-002', `PersistentVolumeClaim/${NS}/scheduled`)).toBe(false);
    expect(has('OMRS-CL-003', `PersistentVolume/omrs-check-released-${id}`)).toBe(true);
    expect(has('OMRS-CL-003', `PersistentVolume/omrs-check-available-${id}`)).toBe(true);
    expect(has('OMRS-CL-003', `PersistentVolume/omrs-check-used-${id}`)).toBe(false);
    expect(has('OMRS-CL-004', `Namespace/${EXPIRED}`)).toBe(true);
    expect(has('OMRS-CL-004', `Namespace/${FUTURE}`)).toBe(false);
    expect(has('OMRS-CL-005', `Secret/${NS}/db-clinic-b`)).toBe(true);
    expect(has('OMRS-CL-005', `Secret/${NS}/db-default`)).toBe(false);
  });

  it('refuses a context that is not in the kubeconfig', async () => {
    const run = await runCli(
      ['check', '--profile', 'clustered', '--scope', 'cluster', '--context', 'not-there'],
      { cwd: project.root, env: { KUBECONFIG: kube!.kubeconfig } },
    );
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/not-there/);
  });
});
