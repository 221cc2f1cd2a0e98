import { describe, expect, it } from 'vitest';
import { ProfileSchema, type ProfileInput } from '../profile/schema.js';
import { OmrsError } from '../errors.js';
import {
  digestLabel,
  durationSeconds,
  labelValue,
  pinImages,
  profileImages,
  profileToValues,
  renderProblems,
  rewriteImage,
  tenantValues,
  toolImages,
  type RenderIdentity,
} from './values.js';

const id = { env: 'dev', profile: 'dev', appDigest: `sha256:${'ab'.repeat(32)}` };
const profile = (input: ProfileInput = {}) => ProfileSchema.parse(input);

describe('durationSeconds', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['1500ms', 2],
  ])('%s → %i', (d, s) => expect(durationSeconds(d)).toBe(s));
  it('rejects other text', () => expect(() => durationSeconds('soon')).toThrow(OmrsError));
});

describe('rewriteImage', () => {
  it('leaves references alone without a mirror', () =>
    expect(rewriteImage('openmrs/x:1', undefined)).toBe('openmrs/x:1'));
  it.each([
    [
      'openmrs/openmrs-reference-application-3-backend:3.4.0',
      'registry.local:5000/openmrs/openmrs-reference-application-3-backend:3.4.0',
    ],
    ['mariadb:10.11.7', 'registry.local:5000/mariadb:10.11.7'],
    ['docker.io/library/mariadb:10.11', 'registry.local:5000/mariadb:10.11'],
    ['library/mariadb:10.11', 'registry.local:5000/mariadb:10.11'],
    ['docker.io/bitnami/mariadb:10.11', 'registry.local:5000/bitnami/mariadb:10.11'],
    ['quay.io/library/x:1', 'registry.local:5000/library/x:1'],
    ['localhost/x/y@sha256:' + 'c'.repeat(64), 'registry.local:5000/x/y@sha256:' + 'c'.repeat(64)],
  ])('%s → %s', (ref, want) => expect(rewriteImage(ref, 'registry.local:5000/')).toBe(want));
});

describe('labels', () => {
  it('keeps label values valid', () => {
    expect(labelValue('My Profile!')).toBe('My-Profile');
    expect(labelValue('x'.repeat(80))).toHaveLength(63);
    expect(digestLabel(id.appDigest)).toMatch(/^[0-9a-f]{63}$/);
  });
});

describe('tenantValues', () => {
  it('gives the first tenant without host or path the root, the others their name as a path', () => {
    expect(
      tenantValues([
        { name: 'main' },
        { name: 'north', host: 'n.example.org' },
        { name: 'south-clinic' },
        { name: 'east', path: '/e' },
      ]),
    ).toEqual([
      { name: 'main', database: 'openmrs_main', user: 'omrs_main', host: '', path: '/' },
      { name: 'north', database: 'openmrs_north', user: 'omrs_north', host: 'n.example.org', path: '' },
      {
        name: 'south-clinic',
        database: 'openmrs_south_clinic',
        user: 'omrs_south_clinic',
        host: '',
        path: '/south-clinic',
      },
      { name: 'east', database: 'openmrs_east', user: 'omrs_east', host: '', path: '/e' },
    ]);
  });
  it('respects an explicit root path', () => {
    expect(tenantValues([{ name: 'a' }, { name: 'b', path: '/' }]).map((t) => t.path)).toEqual(['/a', '/']);
  });
});

describe('renderProblems', () => {
  it('finds duplicate tenant names and routes', () => {
    const p = profile();
    p.tenants = [{ name: 'a' }, { name: 'a', host: 'x.org' }, { name: 'b', host: 'x.org' }];
    expect(renderProblems(p).map((x) => x.code)).toEqual([
      'RENDER_TENANT_DUPLICATE',
      'RENDER_TENANT_ROUTE_DUPLICATE',
    ]);
  });
  it('finds an external database without a Secret and two admin passwords', () => {
    const p = profile({ admin: { password: 'x', passwordSecretRef: { name: 'a' } } });
    p.database = { mode: 'external', storage: '1Gi' };
    expect(renderProblems(p).map((x) => x.code)).toEqual([
      'RENDER_EXTERNAL_DB_SECRET',
      'RENDER_ADMIN_PASSWORD_TWICE',
    ]);
    expect(() => profileToValues(p, id)).toThrow(/cannot be rendered \(2 problems\)/);
  });
});

describe('profileToValues', () => {
  it('maps a default profile', () => {
    const v = profileToValues(profile({ admin: { password: 'dev-only' } }), { ...id, passwordSeed: 'seed' });
    expect(v.omrs).toEqual({
      env: 'dev',
      profile: 'dev',
      appDigest: 'ab'.repeat(31) + 'a',
      appDigestFull: id.appDigest,
    });
    expect(v.images).toEqual({
      pullPolicy: 'IfNotPresent',
      gateway: 'openmrs/openmrs-reference-application-3-gateway:3.4.0',
      frontend: 'openmrs/openmrs-reference-application-3-frontend:3.4.0',
      backend: 'openmrs/openmrs-reference-application-3-backend:3.4.0',
      db: 'mariadb:10.11.7',
      fetcher: 'busybox:1.37.0',
    });
    expect(v.backend).toEqual({
      replicas: 1,
      startupFailureThreshold: 90,
      globalProperties: {},
      modules: [],
    });
    expect(v.admin).toEqual({
      password: 'dev-only',
      existingSecret: { name: '', key: 'password' },
      passwordLocked: false,
    });
    expect(v.database).toMatchObject({
      mode: 'bundled',
      host: '',
      port: 3306,
      waitSeconds: 120,
      passwordSeed: 'seed',
      storage: '10Gi',
    });
    expect(v.tenants).toEqual([
      { name: 'default', database: 'openmrs_default', user: 'omrs_default', host: '', path: '/' },
    ]);
  });

  it('maps prod-like settings: external database, secret refs, TLS, replicas, resources, timeouts', () => {
    const v = profileToValues(
      profile({
        admin: { passwordSecretRef: { name: 'openmrs-admin' }, passwordLocked: true },
        database: {
          mode: 'external',
          external: { host: 'db.internal', port: 3307, secretRef: { name: 'openmrs-db', key: 'pw' } },
        },
        openmrs: { globalProperties: { 'security.passwordMinimumLength': '12' } },
        replicas: { backend: 3, gateway: 2 },
        resources: { backend: { limits: { memory: '6Gi' } } },
        ingress: { host: 'emr.example.org', tls: { enabled: true, clusterIssuer: 'letsencrypt' } },
        timeouts: { backend: '20m', database: '5m' },
        backup: { enabled: true, retentionDays: 30 },
        monitoring: { enabled: true },
        maintenance: { enabled: true },
        images: { pullPolicy: 'Always', registry: 'mirror.example.org/omrs' },
      }),
      id,
    );
    expect(v.admin).toEqual({
      existingSecret: { name: 'openmrs-admin', key: 'password' },
      passwordLocked: true,
    });
    expect(v.database).toMatchObject({
      mode: 'external',
      host: 'db.internal',
      port: 3307,
      existingSecret: { name: 'openmrs-db', key: 'pw' },
      waitSeconds: 300,
      passwordSeed: '',
    });
    expect(v.backend).toEqual({
      replicas: 3,
      startupFailureThreshold: 120,
      globalProperties: { 'security.passwordMinimumLength': '12' },
      modules: [],
      resources: { limits: { memory: '6Gi' } },
    });
    expect(v.gateway.replicas).toBe(2);
    expect(v.ingress).toEqual({
      host: 'emr.example.org',
      tls: { enabled: true, secretName: '', clusterIssuer: 'letsencrypt' },
    });
    // BackupStale's threshold: the daily schedule's gap plus an hour.
    expect(v.backup).toEqual({
      enabled: true,
      schedule: '0 2 * * *',
      retentionDays: 30,
      staleAfter: '90000s',
    });
    expect([v.monitoring.enabled, v.maintenance.enabled]).toEqual([true, true]);
    // Monitoring's defaults, its images through the registry mirror like the application's.
    expect(v.monitoring).toEqual({
      enabled: true,
      scrapeInterval: '15s',
      alertAfter: '2m',
      diskFreeBelow: 10,
      // Its TLS Ingress: 21 days' warning; the probe connects to each host on 443.
      certificates: { enabled: true, warnBeforeSeconds: 1_814_400, address: '' },
      retention: '7d',
      // Its data within 2Gi: blocks kept within 80 % of it, the alert's divisor in bytes.
      storage: '2Gi',
      retentionSize: '1717986918B',
      storageBytes: 2_147_483_648,
      // Grafana, its Logs datasource on the cluster's shared store (not a runtime that ships its own).
      grafana: { enabled: true, plugins: ['victoriametrics-logs-datasource'], clusterLogStore: true },
      // The log store only where the runtime ships logs to it (Docker: shipsLogs).
      logs: { enabled: false, retention: '7d' },
      images: {
        prometheus: 'mirror.example.org/omrs/prom/prometheus:v3.16.0',
        dbExporter: 'mirror.example.org/omrs/prom/mysqld-exporter:v0.16.0',
        logs: 'mirror.example.org/omrs/victoriametrics/victoria-logs:v1.52.2',
        pushgateway: 'mirror.example.org/omrs/prom/pushgateway:v1.11.5',
        diskExporter: 'mirror.example.org/omrs/prom/node-exporter:v1.9.1',
        gatewayExporter: 'mirror.example.org/omrs/nginx/nginx-prometheus-exporter:1.4.0',
        certProbe: 'mirror.example.org/omrs/prom/blackbox-exporter:v0.27.0',
        grafana: 'mirror.example.org/omrs/grafana/grafana:12.3.0',
      },
    });
    const monitored = profile({ monitoring: { enabled: true } });
    expect(profileToValues(monitored, { ...id, shipsLogs: true }).monitoring.logs.enabled).toBe(true);
    expect(profileToValues(monitored, id).monitoring.logs.enabled).toBe(false);
    expect(v.images.pullPolicy).toBe('Always');
    expect(v.images.backend).toBe(
      'mirror.example.org/omrs/openmrs/openmrs-reference-application-3-backend:3.4.0',
    );
  });

  it('maps modules: a coordinate under the module repository, a URL as written, the port of each', () => {
    const sha256 = 'c'.repeat(64);
    const v = profileToValues(
      profile({
        openmrs: {
          modules: [
            {
              id: 'webservices.rest',
              version: '2.44.0',
              coordinate: 'org.openmrs.module:webservices.rest-omod:2.44.0',
              sha256,
            },
            { id: 'fhir2', version: '2.2.0', coordinate: 'org.openmrs.module:fhir2-omod:2.2.0:omod', sha256 },
            { id: 'own', version: '1.0', url: 'http://mirror.local:8081/own-1.0.omod', sha256 },
          ],
          images: { fetcher: 'library/busybox:1.37.0' },
        },
        moduleRepository: 'https://nexus.example.org/repository/openmrs/',
        images: { registry: 'mirror.example.org' },
      }),
      id,
    );
    expect(v.backend.modules).toEqual([
      {
        id: 'webservices.rest',
        file: 'webservices.rest-2.44.0.omod',
        url: 'https://nexus.example.org/repository/openmrs/org/openmrs/module/webservices.rest-omod/2.44.0/webservices.rest-omod-2.44.0.jar',
        port: 443,
        sha256,
      },
      {
        id: 'fhir2',
        file: 'fhir2-2.2.0.omod',
        url: 'https://nexus.example.org/repository/openmrs/org/openmrs/module/fhir2-omod/2.2.0/fhir2-omod-2.2.0.omod',
        port: 443,
        sha256,
      },
      { id: 'own', file: 'own-1.0.omod', url: 'http://mirror.local:8081/own-1.0.omod', port: 8081, sha256 },
    ]);
    expect(v.images.fetcher).toBe('mirror.example.org/busybox:1.37.0');
  });

  it('maps the backup copy to S3, with the endpoint port for the NetworkPolicy and the image mirrored', () => {
    const v = profileToValues(
      profile({
        backup: {
          enabled: true,
          s3: { bucket: 'omrs-backups', endpoint: 'http://minio.local:9000', credentialsSecret: 'minio' },
        },
        images: { registry: 'mirror.example.org' },
      }),
      id,
    );
    expect(v.backup.s3).toEqual({
      bucket: 'omrs-backups',
      prefix: 'openmrs',
      region: '',
      endpoint: 'http://minio.local:9000',
      port: 9000,
      image: 'mirror.example.org/amazon/aws-cli:2.22.0',
      existingSecret: 'minio',
    });
    const aws = profileToValues(
      profile({ backup: { enabled: true, s3: { bucket: 'b-1', region: 'eu-west-1' } } }),
      id,
    );
    expect(aws.backup.s3).toMatchObject({ endpoint: '', port: 443, region: 'eu-west-1', existingSecret: '' });
    expect(profileToValues(profile(), id).backup).not.toHaveProperty('s3');
  });

  it('is pure: the same profile gives the same values', () => {
    const p = profile();
    expect(profileToValues(p, id)).toEqual(profileToValues(p, id));
  });
});

describe('profileImages', () => {
  it('lists every image with the digest where pinned', () => {
    const digest = `sha256:${'d'.repeat(64)}`;
    const images = profileImages(profile({ openmrs: { images: { backend: `openmrs/b@${digest}` } } }));
    expect(images.map((i) => i.component)).toEqual(['gateway', 'frontend', 'backend', 'db']);
    expect(images[2]).toEqual({ component: 'backend', image: `openmrs/b@${digest}`, digest });
    expect(images[0]).not.toHaveProperty('digest');
  });

  it('gives BackupStale the schedule’s longest gap plus an hour, or the profile’s staleAfter', () => {
    const staleAfter = (backup: Record<string, unknown>) =>
      profileToValues(profile({ backup: { enabled: true, ...backup } }), id).backup.staleAfter;
    expect(staleAfter({ schedule: '*/15 * * * *' })).toBe(`${15 * 60 + 3600}s`);
    // Weekdays only: Friday's run to Monday's is the longest gap.
    expect(staleAfter({ schedule: '0 2 * * 1-5' })).toBe(`${3 * 86_400 + 3600}s`);
    expect(staleAfter({ schedule: '@monthly' })).toBe(`${31 * 86_400 + 3600}s`);
    expect(staleAfter({ staleAfter: '2h' })).toBe('7200s');
  });

  it('names the backup upload image as a tool image, apart from what promotion pins', () => {
    const withS3 = profile({ backup: { enabled: true, s3: { bucket: 'omrs-backups' } } });
    expect(toolImages(withS3)).toEqual([{ component: 'backup-s3', image: 'amazon/aws-cli:2.22.0' }]);
    expect(profileImages(withS3).map((i) => i.component)).not.toContain('backup-s3');
    expect(toolImages(profile({ backup: { enabled: false, s3: { bucket: 'omrs-backups' } } }))).toEqual([]);
  });

  it('pins the tools’ images as promote locked them, beside the application’s, leaving the values given alone', () => {
    const pin = (c: string) => `${c}@sha256:${c.length.toString(16).padStart(64, '0')}`;
    const values = profileToValues(
      profile({ monitoring: { enabled: true }, backup: { enabled: true, s3: { bucket: 'omrs-backups' } } }),
      id,
    );
    const pinned = pinImages(values, {
      backend: pin('b'),
      prometheus: pin('p'),
      'db-exporter': pin('e'),
      'backup-s3': pin('a'),
      pushgateway: pin('g'),
      'disk-exporter': pin('d'),
      'gateway-exporter': pin('n'),
      'cert-probe': pin('c'),
      grafana: pin('f'),
    });
    expect(pinned.images.backend).toBe(pin('b'));
    expect(pinned.images.gateway).toBe(values.images.gateway);
    expect(pinned.monitoring.images).toEqual({
      prometheus: pin('p'),
      dbExporter: pin('e'),
      logs: values.monitoring.images.logs,
      pushgateway: pin('g'),
      diskExporter: pin('d'),
      gatewayExporter: pin('n'),
      certProbe: pin('c'),
      grafana: pin('f'),
    });
    expect(pinned.backup.s3?.image).toBe(pin('a'));
    expect(values.monitoring.images.prometheus).toBe('prom/prometheus:v3.16.0');
  });

  it('names Prometheus and the exporters as tool images when monitoring is on', () => {
    expect(toolImages(profile({ monitoring: { enabled: true } }))).toEqual([
      { component: 'prometheus', image: 'prom/prometheus:v3.16.0' },
      { component: 'db-exporter', image: 'prom/mysqld-exporter:v0.16.0' },
      { component: 'disk-exporter', image: 'prom/node-exporter:v1.9.1' },
      { component: 'gateway-exporter', image: 'nginx/nginx-prometheus-exporter:1.4.0' },
      { component: 'grafana', image: 'grafana/grafana:12.3.0' },
    ]);
    // No bundled database, no gateway: neither sidecar runs, so neither image is needed.
    expect(
      toolImages(
        profile({
          monitoring: { enabled: true },
          gateway: { enabled: false },
          database: { mode: 'external', external: { host: 'db', secretRef: { name: 's' } } },
        }),
      ).map((i) => i.component),
    ).toEqual(['prometheus', 'db-exporter', 'grafana']);
    // Grafana off: its image is not needed.
    expect(
      toolImages(profile({ monitoring: { enabled: true, grafana: { enabled: false } } })).map(
        (i) => i.component,
      ),
    ).not.toContain('grafana');
    // A TLS Ingress: the probe that reads its certificates.
    expect(
      toolImages(profile({ monitoring: { enabled: true }, ingress: { tls: { enabled: true } } })).find(
        (i) => i.component === 'cert-probe',
      ),
    ).toEqual({ component: 'cert-probe', image: 'prom/blackbox-exporter:v0.27.0' });
  });

  it('watches the certificates of a TLS Ingress, except where the runtime serves no Ingress (Docker)', () => {
    const tls = profile({
      monitoring: { enabled: true, certificates: { warnBefore: '2w', address: 'traefik.ingress:8443' } },
      ingress: { tls: { enabled: true } },
    });
    expect(profileToValues(tls, id).monitoring.certificates).toEqual({
      enabled: true,
      warnBeforeSeconds: 1_209_600,
      address: 'traefik.ingress:8443',
    });
    expect(profileToValues(tls, { ...id, publishesGateway: true }).monitoring.certificates.enabled).toBe(
      false,
    );
    expect(toolImages(profile({ monitoring: { enabled: false } }))).toEqual([]);
  });

  it('points Grafana’s Logs datasource at the store the runtime has: its own (Docker), the cluster’s, or none', () => {
    const monitored = profile({ monitoring: { enabled: true } });
    // As the chart reads the values (omrs.grafanaLogStore): the own store first, else the cluster's.
    const store = (x: Partial<RenderIdentity>, p = monitored) => {
      const { logs, grafana } = profileToValues(p, { ...id, ...x }).monitoring;
      return logs.enabled ? 'own' : grafana.clusterLogStore ? 'cluster' : 'none';
    };
    expect(store({ shipsLogs: true, publishesGateway: true })).toBe('own');
    expect(store({})).toBe('cluster');
    // A compose export: no shipper, so no store.
    expect(store({ shipsLogs: false, publishesGateway: true })).toBe('none');
    expect(store({}, profile({ monitoring: { enabled: true, logs: { enabled: false } } }))).toBe('none');
  });

  it('adds the modules fetcher only when the profile has modules', () => {
    const module = { id: 'm', version: '1', url: 'https://example.org/m-1.omod', sha256: 'e'.repeat(64) };
    const images = profileImages(profile({ openmrs: { modules: [module] } }));
    expect(images.map((i) => i.component)).toEqual(['gateway', 'frontend', 'backend', 'db', 'fetcher']);
    expect(images[4]!.image).toBe('busybox:1.37.0');
  });
});
