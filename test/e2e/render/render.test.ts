// omrs render through the real CLI and the real helm: golden files per built-in profile and a
// three-tenant profile, helm lint, and bad values that must be rejected before anything runs.
// Update the golden files with OMRS_UPDATE_GOLDEN=1.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseObjects, select, selectOne, type KubeObject } from '../../../src/render/objects.js';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';

const root = join(import.meta.dirname, '../../..');
const goldenDir = join(root, 'test/fixtures/render/golden');
const helm = requireEngine('helm');
const env = { OMRS_HELM: helm?.helm };
const update = process.env.OMRS_UPDATE_GOLDEN === '1';

export const PROFILES: Record<string, string> = {
  dev: 'dev',
  qa: 'qa',
  prod: 'prod',
  'three-tenants': join(root, 'test/fixtures/profiles/good/three-tenants.yaml'),
};

async function render(
  profile: string,
  extra: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(['render', '--profile', profile, '--env', 'golden', ...extra], { cwd: root, env });
}

const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.skipIf(!helm)('omrs render (helm template of charts/openmrs)', () => {
  it.each(Object.keys(PROFILES))('renders %s like its golden file', async (name) => {
    const { code, stdout, stderr } = await render(PROFILES[name] as string);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const file = join(goldenDir, `${name}.yaml`);
    if (update || !existsSync(file)) writeFileSync(file, stdout);
    expect(stdout).toBe(readFileSync(file, 'utf8'));
  });

  it('gives every object the omrs labels, and never prints a Secret value', async () => {
    const { stdout } = await render('dev', []);
    const objects = parseObjects(stdout);
    expect(objects.length).toBeGreaterThan(20);
    for (const o of objects) {
      expect(o.metadata.labels, `${o.kind}/${o.metadata.name}`).toMatchObject({
        'app.kubernetes.io/name': 'openmrs',
        'app.kubernetes.io/instance': 'golden',
        'omrs.dev/env': 'golden',
        'omrs.dev/profile': 'dev',
        'omrs.dev/app-digest': expect.stringMatching(/^[0-9a-f]{63}$/),
        'omrs.dev/component': expect.stringMatching(/^(gateway|frontend|backend|db|init|backup)$/),
      });
      expect(o.metadata.annotations['omrs.dev/app-digest'] ?? '').toMatch(/^sha256:[0-9a-f]{64}$/);
    }
    for (const secret of select(objects, { kind: 'Secret' }))
      expect(Object.values(secret.raw.data as object).every((v) => v === '***')).toBe(true);
    const leaked = await render('dev', []);
    expect(leaked.stdout).not.toContain(Buffer.from('Admin123').toString('base64'));
  });

  it('gives each of three tenants its own init Job, database, user, Secret, backend and route', async () => {
    const { stdout } = await render(PROFILES['three-tenants'] as string);
    const objects = parseObjects(stdout);
    const gateway = selectOne(objects, { kind: 'ConfigMap', component: 'gateway' });
    const nginx = (gateway.raw.data as Record<string, string>)['nginx.conf'] as string;
    const tenants = [
      {
        name: 'main',
        db: 'openmrs_main',
        user: 'omrs_main',
        route: /# tenant main: the default route\n\s+location = \/openmrs\/spa/,
      },
      {
        name: 'north',
        db: 'openmrs_north',
        user: 'omrs_north',
        route: /server_name north\.qa\.openmrs\.example\.org;/,
      },
      {
        name: 'south-clinic',
        db: 'openmrs_south_clinic',
        user: 'omrs_south_clinic',
        route:
          /location \/south\/openmrs \{\n\s+set \$omrs_upstream "golden-backend-south-clinic\$omrs_dns_suffix";/,
      },
    ];
    for (const t of tenants) {
      const job = selectOne(objects, { kind: 'Job', component: 'init', tenant: t.name });
      expect(job.metadata.name).toBe(`golden-init-${t.name}`);
      expect(job.metadata.labels['omrs.dev/spec-hash']).toMatch(/^[0-9a-f]{16}$/);
      const jobEnv = envOf(job, 'init');
      expect(jobEnv).toMatchObject({ TENANT_DB: t.db, TENANT_USER: t.user });
      const secret = selectOne(objects, { kind: 'Secret', tenant: t.name });
      expect(secret.metadata.name).toBe(`golden-db-${t.name}`);
      expect(volumeSecrets(job)).toContain(secret.metadata.name);
      const backend = selectOne(objects, { kind: 'Deployment', component: 'backend', tenant: t.name });
      expect(envOf(backend, 'backend')).toMatchObject({
        OMRS_DB: 'mysql',
        OMRS_DB_NAME: t.db,
        OMRS_DB_USERNAME: t.user,
        OMRS_DB_PASSWORD: `secret:${secret.metadata.name}/password`,
      });
      selectOne(objects, { kind: 'Service', component: 'backend', tenant: t.name });
      expect(nginx).toMatch(t.route);
    }
    // one backend's Secret is read by no other tenant's pods
    for (const o of select(objects, { component: ['backend', 'init'], kind: ['Deployment', 'Job'] })) {
      const own = `golden-db-${o.metadata.labels['omrs.dev/tenant']}`;
      expect(volumeSecrets(o).filter((s) => s.startsWith('golden-db-') && s !== 'golden-db-admin')).toEqual([
        own,
      ]);
    }
    const ingress = selectOne(objects, { kind: 'Ingress' });
    expect(JSON.stringify(ingress.raw)).toContain('north.qa.openmrs.example.org');
  });

  it('maps the profile contract: probes, body limit, security context, replicas with spread', async () => {
    const objects = parseObjects((await render('prod')).stdout);
    const backend = selectOne(objects, { kind: 'Deployment', component: 'backend' });
    const c = container(backend, 'backend');
    expect(c.startupProbe).toMatchObject({
      httpGet: { path: '/openmrs/health/started' },
      periodSeconds: 10,
      failureThreshold: 90,
    });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/openmrs/health/started' } });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/openmrs/health/alive' } });
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect((c.securityContext as { runAsUser: number }).runAsUser).toBeGreaterThan(10000);
    expect(envOf(backend, 'backend')).toMatchObject({
      OMRS_DB_HOSTNAME: 'openmrs-prod.cluster.internal',
      OMRS_ADMIN_USER_PASSWORD: 'secret:openmrs-admin/password',
      OMRS_ADMIN_PASSWORD_LOCKED: 'true',
    });
    const spec = backend.raw.spec as { replicas: number; template: { spec: Record<string, unknown> } };
    expect(spec.replicas).toBe(3);
    expect(spec.template.spec).toHaveProperty('affinity.podAntiAffinity');
    expect(spec.template.spec).toHaveProperty('topologySpreadConstraints');
    expect(spec.template.spec).toMatchObject({ automountServiceAccountToken: false });
    expect(select(objects, { kind: 'StatefulSet' })).toEqual([]);
    // gateway, frontend, the backend; Prometheus, the exporter, the Pushgateway, the certificate
    // probe and Grafana (prod has monitoring, backups and a TLS Ingress on)
    expect(select(objects, { kind: 'PodDisruptionBudget' }).length).toBe(8);
    expect(select(objects, { kind: 'CronJob', component: 'backup' }).length).toBe(1);
    const nginx = (
      selectOne(objects, { kind: 'ConfigMap', component: 'gateway' }).raw.data as Record<string, string>
    )['nginx.conf'];
    expect(nginx).toContain('client_max_body_size 50m;');
    const ingress = selectOne(objects, { kind: 'Ingress' });
    expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt');
    // prod: the admin and database passwords are existing Secrets; only generated ones are rendered
    // (the tenant's, and the metrics exporter's: prod has monitoring on)
    expect(select(objects, { kind: 'Secret' }).map((o) => o.metadata.name)).toEqual([
      'golden-db-default',
      'golden-db-exporter',
    ]);
  });

  it('with modules: two init containers fill the modules folder, the backend reads it, its NetworkPolicy lets the fetch out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omrs-render-'));
    tmp.push(dir);
    const profile = join(dir, 'modules.yaml');
    const sha256 = 'f'.repeat(64);
    writeFileSync(
      profile,
      [
        `extends: ${join(root, 'profiles/prod.yaml')}`,
        'moduleRepository: https://nexus.example.org/openmrs',
        'openmrs:',
        '  modules:',
        `    - { id: fhir2, version: 2.2.0, coordinate: "org.openmrs.module:fhir2-omod:2.2.0", sha256: ${sha256} }`,
        `    - { id: own, version: "1.0", url: "http://mirror.internal:8081/own-1.0.omod", sha256: ${sha256} }`,
        '',
      ].join('\n'),
    );
    const run = await render(profile);
    expect(run.code, run.stderr).toBe(0);
    const objects = parseObjects(run.stdout);
    const backend = selectOne(objects, { kind: 'Deployment', component: 'backend' });
    const pod = (backend.raw.spec as { template: { spec: Record<string, unknown> } }).template.spec as {
      initContainers: { name: string; image: string; env?: { name: string; value: string }[] }[];
      containers: { name: string; volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] }[];
    };
    expect(pod.initContainers.map((c) => c.name)).toEqual([
      'wait-for-database',
      'distribution-modules',
      'fetch-modules',
    ]);
    const fetcher = pod.initContainers[2]!;
    expect(fetcher.image).toBe('busybox:1.37.0');
    expect(
      fetcher.env
        ?.find((e) => e.name === 'MODULES')
        ?.value.trim()
        .split('\n'),
    ).toEqual([
      `fhir2 fhir2-2.2.0.omod ${sha256} https://nexus.example.org/openmrs/org/openmrs/module/fhir2-omod/2.2.0/fhir2-omod-2.2.0.jar`,
      `own own-1.0.omod ${sha256} http://mirror.internal:8081/own-1.0.omod`,
    ]);
    expect(pod.containers[0]!.volumeMounts).toContainEqual({
      name: 'modules',
      mountPath: '/openmrs/distribution/openmrs_modules',
      readOnly: true,
    });
    const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name.endsWith('-backend'))!;
    const egress = (policy.raw.spec as { egress: { to?: unknown; ports: { port: number }[] }[] }).egress;
    expect(egress.filter((rule) => !rule.to).map((rule) => rule.ports.map((p) => p.port))).toEqual([
      [53, 53],
      [3306], // prod's external database
      [443, 8081],
    ]);
    // The scripts ConfigMap carries the fetch script only when there are modules.
    const scripts = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-db-scripts'))!;
    expect(Object.keys(scripts.raw.data as object)).toContain('fetch-modules.sh');
    const plain = parseObjects((await render('prod')).stdout);
    const plainScripts = plain.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-db-scripts'),
    )!;
    expect(Object.keys(plainScripts.raw.data as object)).not.toContain('fetch-modules.sh');
  });

  it('writes one file per object with --output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omrs-render-'));
    tmp.push(dir);
    const { code, stdout } = await runCli(['render', '--profile', 'qa', '--output', dir, '--json'], {
      cwd: root,
      env,
    });
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { files: string[]; env: string };
    expect(report.env).toBe('qa');
    expect(readdirSync(dir).length).toBe(report.files.length);
    for (const f of report.files) expect(parseAllDocuments(readFileSync(f, 'utf8')).length).toBe(1);
  });

  it('lists the images of a profile, rewritten for a registry mirror', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omrs-render-'));
    tmp.push(dir);
    const file = join(dir, 'mirror.yaml');
    writeFileSync(
      file,
      `extends: ${join(root, 'profiles/dev.yaml')}\nimages: { registry: registry.local:5000 }\nopenmrs:\n  images:\n    db: mariadb:10.11.7@sha256:${'a'.repeat(64)}\n`,
    );
    const { code, stdout } = await runCli(['images', 'ls', '--profile', file, '--json'], { cwd: root, env });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      images: [
        {
          component: 'gateway',
          image: 'registry.local:5000/openmrs/openmrs-reference-application-3-gateway:3.4.0',
        },
        {
          component: 'frontend',
          image: 'registry.local:5000/openmrs/openmrs-reference-application-3-frontend:3.4.0',
        },
        {
          component: 'backend',
          image: 'registry.local:5000/openmrs/openmrs-reference-application-3-backend:3.4.0',
        },
        {
          component: 'db',
          image: `registry.local:5000/mariadb:10.11.7@sha256:${'a'.repeat(64)}`,
          digest: `sha256:${'a'.repeat(64)}`,
        },
      ],
    });
    const rendered = parseObjects((await runCli(['render', '--profile', file], { cwd: root, env })).stdout);
    const images = select(rendered, { kind: ['Deployment', 'StatefulSet', 'Job'] }).flatMap((o) =>
      (
        o.raw.spec as { template: { spec: { containers: { image: string }[] } } }
      ).template.spec.containers.map((c) => c.image),
    );
    expect(images.every((i) => i.startsWith('registry.local:5000/'))).toBe(true);
  });

  it.each(['openmrs', 'omrs-monitoring'])('charts/%s passes helm lint --strict', async (chart) => {
    const { stdout } = await promisify(execFile)(helm!.helm, [
      'lint',
      '--strict',
      join(root, 'charts', chart),
    ]);
    expect(stdout).toContain('0 chart(s) failed');
  });

  it('omrs check fails the cluster’s monitoring chart only where a node log shipper must', async () => {
    const check = await runCli(['check', 'charts/omrs-monitoring', '--json'], { cwd: root, env });
    expect(check.code, check.stderr).toBe(3);
    const failing = (
      JSON.parse(check.stdout) as { findings: { rule: string; resource: string; status: string }[] }
    ).findings
      .filter((f) => f.status === 'fail')
      .map((f) => `${f.rule} ${f.resource}`)
      .sort();
    // Root (the kubelet's files are root's), the node's folders, the API token (which pod a file is
    // of): what docs/monitoring.md says the shipper needs. The digests come from the profile.
    expect(failing).toEqual([
      'OMRS-K8S-006 DaemonSet/check-log-shipper',
      'OMRS-K8S-007 DaemonSet/check-log-shipper',
      'OMRS-K8S-015 DaemonSet/check-log-shipper',
      'OMRS-K8S-017 DaemonSet/check-log-shipper',
      'OMRS-K8S-024 DaemonSet/check-log-shipper',
      'OMRS-K8S-024 Deployment/check-logs',
    ]);
  });
});

function container(o: KubeObject, name: string): Record<string, unknown> {
  const spec = (o.raw.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template
    .spec;
  const found = spec.containers.find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name} in ${o.metadata.name}`);
  return found;
}

/** The container's env as name → value, or "secret:<name>/<key>" for Secret references. */
function envOf(o: KubeObject, name: string): Record<string, string> {
  const envs = (container(o, name).env ?? []) as {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }[];
  return Object.fromEntries(
    envs.map((e) => [
      e.name,
      e.value ??
        (e.valueFrom?.secretKeyRef
          ? `secret:${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`
          : ''),
    ]),
  );
}

function volumeSecrets(o: KubeObject): string[] {
  const volumes =
    (o.raw.spec as { template: { spec: { volumes?: { secret?: { secretName: string } }[] } } }).template.spec
      .volumes ?? [];
  return volumes.flatMap((v) => (v.secret ? [v.secret.secretName] : []));
}
