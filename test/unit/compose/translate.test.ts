// The translation of rendered Kubernetes objects into the compose plan, on small hand-written objects.
import { describe, expect, it } from 'vitest';
import { OmrsError } from '../../../src/errors.js';
import { containerSpec, specHash } from '../../../src/runtime/compose/docker-spec.js';
import { expandVars } from '../../../src/runtime/compose/env.js';
import type { RawObject as KubeObject } from '../../../src/render/kube-spec.js';
import { cpuToNano, memoryToBytes } from '../../../src/render/quantities.js';
import { exportDocument } from '../../../src/runtime/compose/export-document.js';
import { translate } from '../../../src/runtime/compose/translate.js';
import { sinceSeconds } from '../../../src/duration.js';
import { adminLogin } from '../../../src/runtime/compose/up.js';
import type { Profile } from '../../../src/profile/schema.js';

const meta = (name: string, component: string) => ({
  name,
  labels: { 'app.kubernetes.io/instance': 'dev', 'app.kubernetes.io/component': component },
});
const b64 = (s: string) => Buffer.from(s).toString('base64');

const secret: KubeObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'dev-db' },
  data: { password: b64('s3cret'), user: b64('omrs') },
};
const config: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'dev-scripts' },
  data: { 'run.sh': 'echo hi', 'other.txt': 'x' },
};
const backendService: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: meta('dev-backend', 'backend'),
  spec: {
    selector: { 'app.kubernetes.io/component': 'backend' },
    ports: [{ port: 8080, targetPort: 'http' }],
  },
};
const backend: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta('dev-backend', 'backend'),
  spec: {
    replicas: 1,
    template: {
      metadata: { labels: { 'app.kubernetes.io/component': 'backend' } },
      spec: {
        securityContext: { runAsUser: 10101, runAsGroup: 10101, fsGroup: 10101 },
        initContainers: [
          {
            name: 'wait',
            image: 'db:1',
            command: ['/bin/sh', '/opt/run.sh'],
            volumeMounts: [
              { name: 'scripts', mountPath: '/opt' },
              { name: 'tmp', mountPath: '/tmp' },
            ],
          },
        ],
        containers: [
          {
            name: 'backend',
            image: 'backend:1',
            args: ['--db', '$(DB_USER)@$(DB_HOST)', '$$(literal)'],
            env: [
              { name: 'DB_HOST', value: 'dev-db' },
              { name: 'DB_USER', valueFrom: { secretKeyRef: { name: 'dev-db', key: 'user' } } },
              { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'dev-db', key: 'password' } } },
              { name: 'OPTIONAL', valueFrom: { secretKeyRef: { name: 'absent', key: 'x', optional: true } } },
              { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'URL', value: 'http://$(DB_HOST):3306' },
            ],
            envFrom: [{ configMapRef: { name: 'dev-scripts' }, prefix: 'CM_' }],
            ports: [{ name: 'http', containerPort: 8080 }],
            startupProbe: {
              httpGet: { path: '/openmrs/health/started', port: 'http' },
              periodSeconds: 10,
              failureThreshold: 90,
            },
            readinessProbe: { httpGet: { path: '/openmrs/health/started', port: 'http' } },
            livenessProbe: { tcpSocket: { port: 8080 } },
            resources: { limits: { cpu: '500m', memory: '512Mi' } },
            securityContext: {
              readOnlyRootFilesystem: true,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'] },
            },
            volumeMounts: [
              { name: 'tmp', mountPath: '/tmp' },
              { name: 'secret', mountPath: '/etc/db/password', subPath: 'password' },
              { name: 'work', mountPath: '/work', subPath: 'a' },
            ],
          },
        ],
        volumes: [
          {
            name: 'scripts',
            configMap: { name: 'dev-scripts', items: [{ key: 'run.sh', path: 'run.sh', mode: 0o755 }] },
          },
          { name: 'secret', secret: { secretName: 'dev-db' } },
          { name: 'tmp', emptyDir: {} },
          { name: 'work', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
        ],
      },
    },
  },
};
const db: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: meta('dev-db', 'db'),
  spec: {
    serviceName: 'dev-db',
    replicas: 1,
    template: {
      metadata: { labels: { 'app.kubernetes.io/component': 'db' } },
      spec: {
        containers: [
          {
            name: 'mariadb',
            image: 'mariadb:1',
            readinessProbe: { exec: { command: ['healthcheck.sh', '--connect'] } },
            volumeMounts: [{ name: 'data', mountPath: '/var/lib/mysql' }],
          },
        ],
      },
    },
    volumeClaimTemplates: [{ metadata: { name: 'data' } }],
  },
};
const dbService: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: meta('dev-db', 'db'),
  spec: { clusterIP: 'None', selector: { 'app.kubernetes.io/component': 'db' }, ports: [{ port: 3306 }] },
};
const job: KubeObject = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: meta('dev-init-default', 'init'),
  spec: {
    backoffLimit: 2,
    template: {
      spec: { restartPolicy: 'OnFailure', containers: [{ name: 'init', image: 'db:1', command: ['true'] }] },
    },
  },
};
const gateway: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta('dev-gateway', 'gateway'),
  spec: {
    template: {
      metadata: { labels: { 'app.kubernetes.io/component': 'gateway' } },
      spec: {
        containers: [{ name: 'gateway', image: 'gw:1', ports: [{ name: 'http', containerPort: 8080 }] }],
      },
    },
  },
};
const gatewayService: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: meta('dev-gateway', 'gateway'),
  spec: { selector: { 'app.kubernetes.io/component': 'gateway' }, ports: [{ port: 80, targetPort: 'http' }] },
};
const skipped: KubeObject[] = [
  'NetworkPolicy',
  'PodDisruptionBudget',
  'HorizontalPodAutoscaler',
  'Ingress',
  'ServiceAccount',
].map((kind) => ({ apiVersion: 'v1', kind, metadata: { name: `dev-${kind.toLowerCase()}` } }));

const all = [
  secret,
  config,
  backendService,
  backend,
  db,
  dbService,
  job,
  gateway,
  gatewayService,
  ...skipped,
];
const plan = () => translate(all, { env: 'dev', gatewayPort: 8080 });

describe('translate', () => {
  it('turns workloads into services ordered by phase, with short names', () => {
    const p = plan();
    expect(p.network).toBe('omrs-dev');
    expect(p.services.map((s) => [s.name, s.kind, s.phase])).toEqual([
      ['backend', 'Deployment', 'backend'],
      ['db', 'StatefulSet', 'database'],
      ['init-default', 'Job', 'init'],
      ['gateway', 'Deployment', 'gateway'],
    ]);
    expect(p.skipped.map((s) => s.object)).toEqual(skipped.map((o) => `${o.kind}/${o.metadata.name}`));
  });

  it('resolves env from Secrets (base64), ConfigMaps, fieldRefs and $(VAR) references', () => {
    const c = plan().services[0]!.containers[0]!;
    expect(c.env).toEqual({
      'CM_run.sh': 'echo hi',
      'CM_other.txt': 'x',
      DB_HOST: 'dev-db',
      DB_USER: 'omrs',
      DB_PASSWORD: 's3cret',
      POD: 'omrs-dev-backend',
      URL: 'http://dev-db:3306',
    });
    expect(c.env).not.toHaveProperty('OPTIONAL');
    expect(c.envSources).toEqual({
      DB_USER: 'Secret/dev-db key user',
      DB_PASSWORD: 'Secret/dev-db key password',
    });
    expect(c.cmd).toEqual(['--db', 'omrs@dev-db', '$(literal)']);
  });

  it('maps security context, resources, probes, ports and mounts', () => {
    const s = plan().services[0]!;
    const c = s.containers[0]!;
    expect(c).toMatchObject({
      user: '10101:10101',
      groupAdd: ['10101'],
      readOnlyRootfs: true,
      capDrop: ['ALL'],
      noNewPrivileges: true,
      memoryBytes: 512 * 1024 ** 2,
      nanoCpus: 5e8,
      ports: [8080],
    });
    expect(c.readinessProbe?.action).toEqual({
      type: 'http',
      path: '/openmrs/health/started',
      port: 8080,
      scheme: 'http',
      headers: {},
    });
    expect(c.livenessProbe?.action).toEqual({ type: 'tcp', port: 8080 });
    expect(c.mounts).toEqual([
      { type: 'emptyDir', volume: 'tmp', target: '/tmp' },
      { type: 'bind', source: 'backend/secret/password', target: '/etc/db/password', readOnly: true },
      { type: 'tmpfs', target: '/work', sizeBytes: 64 * 1024 ** 2 },
    ]);
    expect(s.aliases).toEqual(['dev-backend']);
    expect(s.initContainers[0]!.mounts).toEqual([
      { type: 'bind', source: 'backend/scripts', target: '/opt', readOnly: true },
      { type: 'emptyDir', volume: 'tmp', target: '/tmp' },
    ]);
  });

  it('writes Secret files 0600 and ConfigMap items with their mode, owned by the pod user', () => {
    const files = plan().files.map((f) => ({ ...f, content: f.content.toString() }));
    expect(files).toEqual(
      expect.arrayContaining([
        { path: 'backend/scripts/run.sh', content: 'echo hi', mode: 0o755, uid: 10101, gid: 10101 },
        {
          path: 'backend/secret/password',
          content: 's3cret',
          mode: 0o600,
          uid: 10101,
          gid: 10101,
          secret: { name: 'dev-db', key: 'password' },
        },
        {
          path: 'backend/secret/user',
          content: 'omrs',
          mode: 0o600,
          uid: 10101,
          gid: 10101,
          secret: { name: 'dev-db', key: 'user' },
        },
      ]),
    );
  });

  it('gives StatefulSets named volumes and pod DNS aliases, Jobs a retry budget, the gateway a published port', () => {
    const p = plan();
    expect(p.volumes).toEqual(['omrs-dev-db-data']);
    const dbPlan = p.services.find((s) => s.name === 'db')!;
    expect(dbPlan.aliases).toEqual(['dev-db', 'dev-db-0', 'dev-db-0.dev-db']);
    expect(dbPlan.containers[0]!.mounts).toEqual([
      { type: 'volume', source: 'omrs-dev-db-data', target: '/var/lib/mysql', readOnly: false },
    ]);
    expect(dbPlan.containers[0]!.readinessProbe?.action).toEqual({
      type: 'exec',
      command: ['healthcheck.sh', '--connect'],
    });
    expect(p.services.find((s) => s.name === 'init-default')).toMatchObject({
      backoffLimit: 2,
      replicas: 1,
      aliases: [],
    });
    expect(p.services.find((s) => s.name === 'gateway')!.publish).toEqual({
      as: 'gateway',
      containerPort: 8080,
      hostPort: 8080,
    });
  });

  it('publishes Prometheus and Grafana on their own host ports, and nothing else besides the gateway', () => {
    const tool = (component: string) => {
      const o = structuredClone(gateway);
      o.metadata = meta(`dev-${component}`, component);
      const template = (o.spec as { template: { metadata: { labels: Record<string, string> } } }).template;
      template.metadata.labels['app.kubernetes.io/component'] = component;
      return o;
    };
    const objects = [...all, tool('prometheus'), tool('grafana')];
    const published = (p: ReturnType<typeof plan>) =>
      p.services.filter((s) => s.publish).map((s) => [s.name, s.publish]);
    expect(
      published(
        translate(objects, {
          env: 'dev',
          gatewayPort: 8080,
          toolPorts: { prometheus: 9090, grafana: 3000 },
        }),
      ),
    ).toEqual([
      ['gateway', { as: 'gateway', containerPort: 8080, hostPort: 8080 }],
      ['prometheus', { as: 'prometheus', containerPort: 8080, hostPort: 9090 }],
      ['grafana', { as: 'grafana', containerPort: 8080, hostPort: 3000 }],
    ]);
    // No port asked for: not published.
    expect(published(translate(objects, { env: 'dev', gatewayPort: 8080 })).map(([n]) => n)).toEqual([
      'gateway',
    ]);
  });

  it('names the object when it cannot express something', () => {
    const hostPath = structuredClone(gateway);
    (hostPath.spec as { template: { spec: { volumes: unknown[] } } }).template.spec.volumes = [
      { name: 'h', hostPath: { path: '/etc' } },
    ];
    expect(() => translate([hostPath], { env: 'dev', gatewayPort: 1 })).toThrow(
      /cannot express volume "h" of type hostPath in Deployment\/dev-gateway/,
    );
    const missing = structuredClone(backend);
    expect(() => translate([missing], { env: 'dev', gatewayPort: 1 })).toThrow(OmrsError);
    expect(() => translate([missing], { env: 'dev', gatewayPort: 1 })).toThrow(/ConfigMap "dev-scripts"/);
    expect(() =>
      translate([{ apiVersion: 'v1', kind: 'DaemonSet', metadata: { name: 'x' } }], {
        env: 'dev',
        gatewayPort: 1,
      }),
    ).toThrow(/DaemonSet\/x/);
    const field = structuredClone(gateway);
    (
      field.spec as { template: { spec: { containers: { env?: unknown[] }[] } } }
    ).template.spec.containers[0]!.env = [
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    ];
    expect(() => translate([field], { env: 'dev', gatewayPort: 1 })).toThrow(/fieldRef status.podIP/);
  });
});

describe('docker spec and hash', () => {
  const p = plan();
  const s = p.services[0]!;
  const base = { plan: p, service: s, container: s.containers[0]!, role: 'main' as const, replica: 0 };

  it('labels every container and mounts files and emptyDirs from the env folder', () => {
    const spec = containerSpec({ ...base, stateDir: '/state', labels: { 'omrs.dev/env': 'dev' } });
    expect(spec.name).toBe('omrs-dev-backend');
    expect(spec.options.Labels).toMatchObject({
      'omrs.dev/env': 'dev',
      'omrs.dev/service': 'backend',
      'omrs.dev/spec-hash': spec.hash,
    });
    expect(spec.options.HostConfig?.Mounts).toEqual([
      { Type: 'bind', Source: '/state/scratch/backend/tmp', Target: '/tmp', ReadOnly: false },
      {
        Type: 'bind',
        Source: '/state/files/backend/secret/password',
        Target: '/etc/db/password',
        ReadOnly: true,
      },
      {
        Type: 'tmpfs',
        Source: '',
        Target: '/work',
        TmpfsOptions: { Mode: 0o1777, SizeBytes: 64 * 1024 ** 2 },
      },
    ]);
    expect(spec.options.NetworkingConfig?.EndpointsConfig?.['omrs-dev']?.Aliases).toEqual(['dev-backend']);
    expect(spec.options.HostConfig?.SecurityOpt).toEqual(['no-new-privileges']);
  });

  it('changes the hash with the spec and with the content of mounted files, not with the host port', () => {
    const hash = specHash(base);
    expect(specHash(base)).toBe(hash);
    const changedEnv = { ...base, container: { ...base.container, env: { ...base.container.env, X: '1' } } };
    expect(specHash(changedEnv)).not.toBe(hash);
    const changedFile = {
      ...base,
      plan: {
        ...p,
        files: p.files.map((f) =>
          f.path === 'backend/secret/password' ? { ...f, content: Buffer.from('new') } : f,
        ),
      },
    };
    expect(specHash(changedFile)).not.toBe(hash);
    const gw = p.services.find((x) => x.name === 'gateway')!;
    const g = {
      plan: p,
      service: gw,
      container: gw.containers[0]!,
      role: 'main' as const,
      replica: 0,
      stateDir: '/s',
      labels: {},
    };
    const a = containerSpec({ ...g, hostPort: 8080 });
    const b = containerSpec({ ...g, hostPort: 8081 });
    expect(a.hash).toBe(b.hash);
    expect(b.options.HostConfig?.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '8081' }],
    });
  });
});

describe('helpers', () => {
  it('parses quantities, durations and $(VAR)', () => {
    expect(cpuToNano('2')).toBe(2e9);
    expect(cpuToNano('250m')).toBe(2.5e8);
    expect(memoryToBytes('1Gi')).toBe(1024 ** 3);
    expect(memoryToBytes('1G')).toBe(1e9);
    expect(expandVars('$(A)-$(B)-$$(A)', { A: 'x' })).toBe('x-$(B)-$(A)');
    expect(sinceSeconds('10m', 1_000_000_000)).toBe(1_000_000 - 600);
    expect(() => sinceSeconds('yesterday')).toThrow(/neither a duration nor a date/);
  });

  it('prints the admin password only when it is the dev default', () => {
    const admin = (a: Partial<Profile['admin']>) => ({ admin: { passwordLocked: false, ...a } }) as Profile;
    expect(adminLogin(admin({ password: 'Admin123' }), {}).password).toBe('Admin123');
    expect(
      adminLogin(admin({ password: 'Other-secret-1' }), { OMRS_ADMIN_PASSWORD: 'Other-secret-1' }).password,
    ).toBe('(from $OMRS_ADMIN_PASSWORD)');
    expect(adminLogin(admin({ password: 'Other-secret-1' }), {}).password).toBe(
      '(from the profile: admin.password)',
    );
    expect(
      adminLogin(admin({ passwordSecretRef: { name: 'openmrs-admin', key: 'password' } }), {}).password,
    ).toBe('(from Secret openmrs-admin key password)');
  });
});

describe('compose export document', () => {
  const options = { configDir: './dev', gatewayPort: 8080, profile: 'dev', appDigest: 'sha256:0' };
  // The backend mounts its Secret as a folder (the export cannot mount one key of it as a file).
  const folderPlan = () => {
    const p = plan();
    const mounts = p.services[0]!.containers[0]!.mounts;
    mounts[1] = { type: 'bind', source: 'backend/secret', target: '/etc/db', readOnly: true };
    return p;
  };

  it('orders services by phase with depends_on, env files, healthchecks for exec probes and named volumes', () => {
    const doc = exportDocument(folderPlan(), options);
    const services = doc.compose.services;
    expect(Object.keys(services).sort()).toEqual([
      'backend',
      'backend-init-wait',
      'db',
      'gateway',
      'init-default',
      'prepare',
    ]);
    expect(services.db!.healthcheck).toMatchObject({ test: ['CMD', 'healthcheck.sh', '--connect'] });
    expect(services['init-default']!.depends_on).toEqual({ db: { condition: 'service_healthy' } });
    expect(services['backend-init-wait']!.depends_on).toEqual({
      prepare: { condition: 'service_completed_successfully' },
      'init-default': { condition: 'service_completed_successfully' },
      db: { condition: 'service_healthy' },
    });
    expect(services.backend!.depends_on).toEqual({
      prepare: { condition: 'service_completed_successfully' },
      'backend-init-wait': { condition: 'service_completed_successfully' },
    });
    expect(services.gateway!.ports).toEqual(['127.0.0.1:${OMRS_GATEWAY_PORT:-8080}:8080']);
    expect(doc.compose.volumes).toMatchObject({
      'db-data': { name: 'omrs-dev-db-data', labels: { 'omrs.dev/env': 'dev' } },
    });
  });

  it('keeps every Secret value out of what it writes: variables of .env instead', () => {
    const doc = exportDocument(folderPlan(), options);
    const written =
      JSON.stringify(doc.compose) +
      Object.values(doc.envFiles).join('') +
      (doc.prepareScript ?? '') +
      doc.files.map((f) => f.content.toString()).join('');
    expect(written).not.toContain('s3cret');
    expect(doc.secrets).toEqual({ OMRS_DB_PASSWORD: 's3cret' });
    expect(doc.defaults).toEqual({ OMRS_DB_USER: 'omrs' });
    expect(doc.compose.services.backend!.environment).toMatchObject({
      DB_PASSWORD: '${OMRS_DB_PASSWORD:?OMRS_DB_PASSWORD is not set: see README.md beside this file}',
      DB_USER: '${OMRS_DB_USER:-omrs}',
    });
    expect(doc.envFiles.backend).not.toMatch(/DB_PASSWORD/);
    expect(doc.prepareScript).toContain(
      'put /omrs/secret-backend-secret/password 10101:10101 0600 OMRS_DB_PASSWORD',
    );
    expect(doc.compose.services.prepare!.environment).toEqual({
      OMRS_DB_PASSWORD: '${OMRS_DB_PASSWORD:?OMRS_DB_PASSWORD is not set: see README.md beside this file}',
      OMRS_DB_USER: '${OMRS_DB_USER:-omrs}',
    });
  });

  it('refuses one Secret key mounted as a file, naming the object', () => {
    expect(() => exportDocument(plan(), options)).toThrow(
      /Deployment\/dev-backend mounts one key of a Secret as a file \(\/etc\/db\/password\)/,
    );
  });
});
