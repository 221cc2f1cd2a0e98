// The ONE mapping from a validated profile to the values of charts/openmrs. Pure: no I/O, so
// every runtime (compose through `helm template`, clusters through `helm upgrade`) gets the same
// values from the same profile, and the unit tests pin the mapping down.
import { parseDuration, TIMEOUT } from '../duration.js';
import { ExitCode, OmrsError, type Problem } from '../errors.js';
import { errorCodeOr } from '../error-codes.js';
import type { Profile } from '../profile/schema.js';
import { longestGapSeconds, normaliseSchedule } from '../profile/cron.js';
import { memoryToBytes } from './quantities.js';

export interface RenderIdentity {
  /** The environment (the Helm release name): DNS-safe. */
  env: string;
  /** The profile's name (label omrs.dev/profile). */
  profile: string;
  /** The profile's app digest, "sha256:<hex>". */
  appDigest: string;
  /** Seed for generated database passwords when no cluster can be asked (helm template). */
  passwordSeed?: string;
  /** The runtime ships every container's output to the chart's log store (Docker does). */
  shipsLogs?: boolean;
  /** The runtime publishes the gateway on the host and serves no Ingress (Docker): no certificate to watch. */
  publishesGateway?: boolean;
}

export interface TenantValues {
  name: string;
  database: string;
  user: string;
  host: string;
  path: string;
}

export interface SecretKeyRef {
  name: string;
  key: string;
}

type Resources = Profile['resources']['backend'];

/** The values omrs passes to the chart (the chart's values.schema.json is the other half). */
export interface ChartValues {
  omrs: { env: string; profile: string; appDigest: string; appDigestFull: string };
  images: {
    pullPolicy: string;
    gateway: string;
    frontend: string;
    backend: string;
    db: string;
    fetcher: string;
  };
  tenants: TenantValues[];
  gateway: { enabled: boolean; replicas: number; resources?: Resources };
  frontend: { replicas: number; configUrls: string[]; resources?: Resources };
  backend: {
    replicas: number;
    startupFailureThreshold: number;
    /** The profile's openmrs.globalProperties, applied at start (the Initializer module's globalproperties). */
    globalProperties: Record<string, string>;
    /** The profile's openmrs.modules, fetched and checked by an init container. */
    modules: ChartModule[];
    resources?: Resources;
  };
  admin: { password?: string; existingSecret: SecretKeyRef; passwordLocked: boolean };
  database: {
    mode: 'bundled' | 'external';
    host: string;
    port: number;
    existingSecret: SecretKeyRef;
    storage: string;
    waitSeconds: number;
    passwordSeed: string;
    resources?: Resources;
  };
  ingress: { host: string; tls: { enabled: boolean; secretName: string; clusterIssuer: string } };
  backup: {
    enabled: boolean;
    schedule: string;
    retentionDays: number;
    /** BackupStale's threshold, "<seconds>s" (with monitoring). */
    staleAfter: string;
    s3?: {
      bucket: string;
      prefix: string;
      region: string;
      endpoint: string;
      /** The endpoint's port (443 for AWS), for the backup's NetworkPolicy egress. */
      port: number;
      image: string;
      existingSecret: string;
    };
  };
  monitoring: {
    enabled: boolean;
    scrapeInterval: string;
    alertAfter: string;
    retention: string;
    /** Prometheus's emptyDir size limit; its size-based retention (80 % of it, "<bytes>B") and the bytes PrometheusStorageFilling divides by. */
    storage: string;
    retentionSize: string;
    storageBytes: number;
    logs: { enabled: boolean; retention: string };
    /** DatabaseDiskFilling's threshold: a percentage of the volume free. */
    diskFreeBelow: number;
    /** CertificateExpiring's threshold and where its probe connects ("" = each host on 443). */
    certificates: { enabled: boolean; warnBeforeSeconds: number; address: string };
    /**
     * clusterLogStore: its Logs datasource reads the cluster's shared store (where the environment
     * has no store of its own, logs.enabled, and its runtime has the shared one).
     */
    grafana: { enabled: boolean; plugins: string[]; clusterLogStore: boolean };
    images: {
      prometheus: string;
      dbExporter: string;
      logs: string;
      pushgateway: string;
      diskExporter: string;
      gatewayExporter: string;
      certProbe: string;
      grafana: string;
    };
  };
  maintenance: { enabled: boolean };
}

export interface ChartModule {
  id: string;
  file: string;
  url: string;
  /** The URL's port, for the backend's NetworkPolicy egress. */
  port: number;
  sha256: string;
}

/** The image that fetches the modules when the profile names none (wget and sha256sum). */
export const DEFAULT_FETCHER_IMAGE = 'busybox:1.37.0';

/** The TCP port an http(s) URL connects to. */
const urlPort = (href: string): number => {
  const url = new URL(href);
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
};

/** A module with where it is fetched from and where it sits in a mirror folder. */
export interface ModuleFile {
  id: string;
  version: string;
  sha256: string;
  url: string;
  mirrorPath: string;
}

/**
 * Where a module is fetched from, and where it sits in a mirror of the module repository: a Maven
 * coordinate under the repository ("org.openmrs.module:webservices.rest-omod:2.44.0" →
 * org/openmrs/module/webservices.rest-omod/2.44.0/webservices.rest-omod-2.44.0.jar), or its URL
 * as written (urls/<host>/<path> in a mirror folder).
 */
export function moduleSource(
  module: Profile['openmrs']['modules'][number],
  repository: string,
): { url: string; mirrorPath: string } {
  if (module.url !== undefined) {
    const url = new URL(module.url);
    return { url: url.href, mirrorPath: `urls/${url.host.replace(':', '_')}${url.pathname}` };
  }
  const [group, artifact, version, extension = 'jar'] = module.coordinate!.split(':') as [
    string,
    string,
    string,
    string?,
  ];
  const mirrorPath = `${group.replaceAll('.', '/')}/${artifact}/${version}/${artifact}-${version}.${extension}`;
  return { url: `${repository.replace(/\/+$/, '')}/${mirrorPath}`, mirrorPath };
}

/** A profile timeout, "15m" → 900 (whole seconds). The profile schema guarantees form and bounds. */
export const durationSeconds = (duration: string): number =>
  Math.ceil(parseDuration(duration, TIMEOUT, 'a profile timeout') / 1000);

/** Kubernetes label values: at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends. */
export function labelValue(value: string): string {
  return value
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** The label form of an app digest: its hex, shortened to fit a label value. */
export const digestLabel = (digest: string): string =>
  labelValue(digest.replace(/^sha256:/, '').slice(0, 63));

/** Whether the first path component of an image reference names a registry host. */
export const hasRegistryHost = (first: string): boolean =>
  first.includes('.') || first.includes(':') || first === 'localhost';

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * Points an image reference at a registry mirror: "openmrs/x:1" with "registry.local:5000" gives
 * "registry.local:5000/openmrs/x:1"; a reference that names a registry has that host replaced.
 * Docker Hub's official images keep their short name ("docker.io/library/mariadb" → "mariadb"),
 * as `docker load` names them and `omrs images load --push` pushes them.
 */
export function rewriteImage(ref: string, registry: string | undefined): string {
  if (!registry) return ref;
  const mirror = registry.replace(/\/+$/, '');
  const slash = ref.indexOf('/');
  const host = slash > 0 && hasRegistryHost(ref.slice(0, slash)) ? ref.slice(0, slash) : undefined;
  let path = host ? ref.slice(slash + 1) : ref;
  if ((host === undefined || DOCKER_HUB.has(host)) && path.startsWith('library/'))
    path = path.slice('library/'.length);
  return `${mirror}/${path}`;
}

const sqlName = (tenant: string): string => tenant.replace(/-/g, '_');

/**
 * How the gateway reaches each tenant: its host when it has one, else its path; the first tenant
 * with neither is the default ("/"), the others get "/<name>". Hosts and paths must be unique.
 */
export function tenantValues(tenants: Profile['tenants']): TenantValues[] {
  const explicitRoot = tenants.some((t) => !t.host && t.path === '/');
  let rootTaken = explicitRoot;
  const result = tenants.map((t) => {
    let path = '';
    if (!t.host) {
      if (t.path) path = t.path;
      else if (!rootTaken) {
        path = '/';
        rootTaken = true;
      } else path = `/${t.name}`;
    }
    return {
      name: t.name,
      database: `openmrs_${sqlName(t.name)}`,
      user: `omrs_${sqlName(t.name)}`,
      host: t.host ?? '',
      path,
    };
  });
  return result;
}

/** Checks what the profile schema cannot see: everything the chart needs to be unambiguous. */
export function renderProblems(profile: Profile): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  profile.tenants.forEach((t, i) => {
    const first = seen.get(t.name);
    if (first !== undefined)
      problems.push({
        code: 'RENDER_TENANT_DUPLICATE',
        path: ['tenants', i, 'name'],
        message: `tenant name "${t.name}" is used twice (tenants[${first}] and tenants[${i}])`,
        hint: 'Every tenant needs its own name: it names its database, user, Secret and backend.',
      });
    else seen.set(t.name, i);
  });
  const routes = new Map<string, string>();
  tenantValues(profile.tenants).forEach((t, i) => {
    const route = t.host ? `host ${t.host}` : `path ${t.path}`;
    const other = routes.get(route);
    if (other)
      problems.push({
        code: 'RENDER_TENANT_ROUTE_DUPLICATE',
        path: ['tenants', i],
        message: `tenants "${other}" and "${t.name}" have the same route (${route})`,
        hint: 'Give each tenant its own host or path.',
      });
    else routes.set(route, t.name);
  });
  if (profile.database.mode === 'external' && !profile.database.external?.secretRef?.name)
    problems.push({
      code: 'RENDER_EXTERNAL_DB_SECRET',
      path: ['database', 'external', 'secretRef'],
      message: 'an external database needs database.external.secretRef (the Secret with its password)',
      hint: 'Create the Secret in the namespace and name it: secretRef: { name: openmrs-db, key: password }.',
    });
  if (profile.admin.password && profile.admin.passwordSecretRef)
    problems.push({
      code: 'RENDER_ADMIN_PASSWORD_TWICE',
      path: ['admin'],
      message: 'admin.password and admin.passwordSecretRef are both set',
      hint: 'Keep one: passwordSecretRef outside development.',
    });
  return problems;
}

export function assertRenderable(profile: Profile, name: string): void {
  const problems = renderProblems(profile);
  if (problems.length === 0) return;
  throw new OmrsError({
    code: errorCodeOr(problems[0]?.code, 'RENDER_INVALID'),
    message: `profile "${name}" cannot be rendered (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.map((p) => p.message).join('; ')}`,
    exitCode: ExitCode.usage,
    problems,
    ...(problems[0]?.hint && { hint: problems[0].hint }),
  });
}

const withResources = <T extends object>(base: T, resources: Resources): T & { resources?: Resources } =>
  resources ? { ...base, resources } : base;

/** The chart values for a profile. Throws an OmrsError (exit 2) for a profile the chart cannot express. */
export function profileToValues(profile: Profile, id: RenderIdentity): ChartValues {
  assertRenderable(profile, id.profile);
  const { images, registry } = { images: profile.openmrs.images, registry: profile.images.registry };
  const external = profile.database.mode === 'external' ? profile.database.external : undefined;
  // The schema admits sizes only (no "m").
  const storageBytes = memoryToBytes(profile.monitoring.storage)!;
  return {
    omrs: {
      env: labelValue(id.env),
      profile: labelValue(id.profile),
      appDigest: digestLabel(id.appDigest),
      appDigestFull: id.appDigest,
    },
    images: {
      pullPolicy: profile.images.pullPolicy,
      gateway: rewriteImage(images.gateway, registry),
      frontend: rewriteImage(images.frontend, registry),
      backend: rewriteImage(images.backend, registry),
      db: rewriteImage(images.db, registry),
      fetcher: rewriteImage(images.fetcher ?? DEFAULT_FETCHER_IMAGE, registry),
    },
    tenants: tenantValues(profile.tenants),
    gateway: withResources(
      { enabled: profile.gateway.enabled, replicas: profile.replicas.gateway },
      profile.resources.gateway,
    ),
    frontend: withResources(
      { replicas: profile.replicas.frontend, configUrls: profile.openmrs.spaConfigUrls },
      profile.resources.frontend,
    ),
    backend: withResources(
      {
        replicas: profile.replicas.backend,
        startupFailureThreshold: Math.max(1, Math.ceil(durationSeconds(profile.timeouts.backend) / 10)),
        globalProperties: profile.openmrs.globalProperties,
        modules: profile.openmrs.modules.map((m) => {
          const { url } = moduleSource(m, profile.moduleRepository);
          return { id: m.id, file: `${m.id}-${m.version}.omod`, url, sha256: m.sha256, port: urlPort(url) };
        }),
      },
      profile.resources.backend,
    ),
    admin: {
      ...(profile.admin.password !== undefined &&
        !profile.admin.passwordSecretRef && { password: profile.admin.password }),
      existingSecret: profile.admin.passwordSecretRef ?? { name: '', key: 'password' },
      passwordLocked: profile.admin.passwordLocked,
    },
    database: withResources(
      {
        mode: profile.database.mode,
        host: external?.host ?? '',
        port: external?.port ?? 3306,
        existingSecret: external?.secretRef ?? { name: '', key: 'password' },
        storage: profile.database.storage,
        waitSeconds: durationSeconds(profile.timeouts.database),
        passwordSeed: id.passwordSeed ?? '',
      },
      profile.resources.db,
    ),
    ingress: {
      host: profile.ingress.host,
      tls: {
        enabled: profile.ingress.tls.enabled,
        secretName: profile.ingress.tls.secretName ?? '',
        clusterIssuer: profile.ingress.tls.clusterIssuer ?? '',
      },
    },
    backup: {
      enabled: profile.backup.enabled,
      schedule: profile.backup.schedule,
      retentionDays: profile.backup.retentionDays,
      staleAfter: profile.backup.staleAfter
        ? `${promSeconds(profile.backup.staleAfter)}s`
        : defaultStaleAfter(profile.backup.schedule),
      ...(profile.backup.s3 && {
        s3: {
          bucket: profile.backup.s3.bucket,
          prefix: profile.backup.s3.prefix,
          region: profile.backup.s3.region ?? '',
          endpoint: profile.backup.s3.endpoint ?? '',
          port: urlPort(profile.backup.s3.endpoint ?? 'https://s3.amazonaws.com'),
          image: rewriteImage(profile.backup.s3.image, registry),
          existingSecret: profile.backup.s3.credentialsSecret ?? '',
        },
      }),
    },
    monitoring: {
      enabled: profile.monitoring.enabled,
      scrapeInterval: profile.monitoring.scrapeInterval,
      alertAfter: profile.monitoring.alertAfter,
      diskFreeBelow: profile.monitoring.diskFreeBelow,
      certificates: {
        enabled: profile.ingress.tls.enabled && id.publishesGateway !== true,
        warnBeforeSeconds: promSeconds(profile.monitoring.certificates.warnBefore),
        address: profile.monitoring.certificates.address ?? '',
      },
      retention: profile.monitoring.retention,
      storage: profile.monitoring.storage,
      retentionSize: `${Math.floor(storageBytes * 0.8)}B`,
      storageBytes,
      grafana: {
        enabled: profile.monitoring.grafana.enabled,
        plugins: profile.monitoring.grafana.plugins,
        // Docker ships to the environment's own store (logs.enabled); a compose export has neither.
        clusterLogStore:
          profile.monitoring.logs.enabled && id.shipsLogs !== true && id.publishesGateway !== true,
      },
      logs: {
        enabled: profile.monitoring.logs.enabled && id.shipsLogs === true,
        retention: profile.monitoring.logs.retention,
      },
      images: {
        prometheus: rewriteImage(profile.monitoring.images.prometheus, registry),
        dbExporter: rewriteImage(profile.monitoring.images.dbExporter, registry),
        logs: rewriteImage(profile.monitoring.images.logs, registry),
        pushgateway: rewriteImage(profile.monitoring.images.pushgateway, registry),
        diskExporter: rewriteImage(profile.monitoring.images.diskExporter, registry),
        gatewayExporter: rewriteImage(profile.monitoring.images.gatewayExporter, registry),
        certProbe: rewriteImage(profile.monitoring.images.certProbe, registry),
        grafana: rewriteImage(profile.monitoring.images.grafana, registry),
      },
    },
    maintenance: { enabled: profile.maintenance.enabled },
  };
}

/**
 * The monitoring images an environment may run, by the component name the promotion lock gives
 * them, and their key in the profile's and the chart's `monitoring.images`.
 */
const MONITORING_TOOLS = {
  prometheus: 'prometheus',
  'db-exporter': 'dbExporter',
  pushgateway: 'pushgateway',
  'disk-exporter': 'diskExporter',
  'gateway-exporter': 'gatewayExporter',
  'cert-probe': 'certProbe',
  grafana: 'grafana',
} as const satisfies Record<string, keyof ChartValues['monitoring']['images']>;
type MonitoringTool = keyof typeof MONITORING_TOOLS;

/**
 * The images of the tools an environment's settings add (the backup's S3 upload, monitoring): loaded
 * into kind nodes and saved into bundles with the profile's own. Promotion pins them by digest too,
 * in the lock's `tools` (pinImages), but they are not part of the app digest QA's record vouches for.
 */
export function toolImages(profile: Profile): { component: string; image: string }[] {
  const { registry } = profile.images;
  const { monitoring } = profile;
  // Which of them the chart runs for this profile (its templates' conditions).
  const runs: Record<MonitoringTool, boolean> = {
    prometheus: true,
    'db-exporter': true,
    pushgateway: profile.backup.enabled,
    'disk-exporter': profile.database.mode === 'bundled',
    'gateway-exporter': profile.gateway.enabled,
    'cert-probe': profile.gateway.enabled && profile.ingress.tls.enabled,
    grafana: monitoring.grafana.enabled,
  };
  return [
    ...(profile.backup.enabled && profile.backup.s3
      ? [{ component: 'backup-s3', image: rewriteImage(profile.backup.s3.image, registry) }]
      : []),
    ...(monitoring.enabled
      ? Object.entries(MONITORING_TOOLS)
          .filter(([component]) => runs[component as MonitoringTool])
          .map(([component, key]) => ({ component, image: rewriteImage(monitoring.images[key], registry) }))
      : []),
  ];
}

const PROM_UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;

/** A Prometheus-style duration of the profile ("90s", "2h", "1w": the schema's form) in seconds. */
const promSeconds = (duration: string): number =>
  Number(duration.slice(0, -1)) * PROM_UNIT_SECONDS[duration.slice(-1) as keyof typeof PROM_UNIT_SECONDS];

/** The schedule's longest gap between two runs, plus an hour for a run to finish: "<seconds>s". */
function defaultStaleAfter(schedule: string): string {
  const parsed = normaliseSchedule(schedule);
  const gap = 'fields' in parsed ? longestGapSeconds(parsed.fields) : 86_400;
  return `${gap + 3600}s`;
}

/** The components of what omrs runs once per cluster for monitoring (charts/omrs-monitoring). */
export const CLUSTER_MONITORING_COMPONENTS = ['logs', 'log-shipper'] as const;

/**
 * The images of what omrs runs once per cluster for the profile's monitoring (charts/omrs-monitoring:
 * the log store and its node shipper): loaded into kind nodes, saved into bundles, and pinned by
 * promotion like the tools' (it installs them with the environment).
 */
export function clusterMonitoringImages(profile: Profile): { component: string; image: string }[] {
  const { registry } = profile.images;
  const { monitoring } = profile;
  if (!monitoring.enabled || !monitoring.logs.enabled) return [];
  return [
    { component: 'logs', image: rewriteImage(monitoring.images.logs, registry) },
    { component: 'log-shipper', image: rewriteImage(monitoring.images.logShipper, registry) },
  ];
}

/** Every image a profile needs, as the chart will reference them. */
export function profileImages(profile: Profile): { component: string; image: string; digest?: string }[] {
  const images = {
    ...profile.openmrs.images,
    fetcher: profile.openmrs.images.fetcher ?? DEFAULT_FETCHER_IMAGE,
  };
  const components = ['gateway', 'frontend', 'backend', 'db'] as const;
  return [...components, ...(profile.openmrs.modules.length > 0 ? (['fetcher'] as const) : [])].map(
    (component) => {
      const image = rewriteImage(images[component], profile.images.registry);
      return { component, image, ...digestOf(image) };
    },
  );
}

/** `{ digest }` of a reference pinned as `…@sha256:…`, else nothing. */
export function digestOf(image: string): { digest?: string } {
  const digest = /@(sha256:[a-f0-9]{64})$/.exec(image)?.[1];
  return digest ? { digest } : {};
}

/**
 * Puts promote's locked references (by component: `name:tag@sha256:…`) in place of the profile's:
 * the application's images, and the tools' (monitoring, the backups' upload).
 */
export function pinImages(values: ChartValues, pinned: Record<string, string>): ChartValues {
  const { 'backup-s3': backupS3, ...rest } = pinned;
  // The cluster's log store and shipper are another chart's (charts/omrs-monitoring).
  const cluster: readonly string[] = CLUSTER_MONITORING_COMPONENTS;
  const app = Object.fromEntries(
    Object.entries(rest).filter(
      ([component]) => !Object.hasOwn(MONITORING_TOOLS, component) && !cluster.includes(component),
    ),
  );
  const images = { ...values.monitoring.images };
  for (const [component, key] of Object.entries(MONITORING_TOOLS))
    images[key] = pinned[component] ?? images[key];
  return {
    ...values,
    images: { ...values.images, ...app },
    monitoring: { ...values.monitoring, images },
    backup: {
      ...values.backup,
      ...(values.backup.s3 && { s3: { ...values.backup.s3, image: backupS3 ?? values.backup.s3.image } }),
    },
  };
}
