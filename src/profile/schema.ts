// The profile schema. Every top-level key is marked `app` (what the application is: part of the
// app digest, must be identical from QA to prod) or `env` (where and how it runs).
import { z } from 'zod';
import { outOfRange, rangeText, TIMEOUT } from '../duration.js';
import { normaliseSchedule } from './cron.js';
import { RUNTIMES } from './runtimes.js';

export type KeyScope = 'app' | 'env';
export interface KeyMeta {
  scope?: KeyScope;
  secret?: boolean;
  description?: string;
}

const app = <T extends z.ZodType>(schema: T, description: string): T =>
  schema.meta({ scope: 'app', description });
const env = <T extends z.ZodType>(schema: T, description: string): T =>
  schema.meta({ scope: 'env', description });
const secret = <T extends z.ZodType>(schema: T, description: string): T =>
  schema.meta({ secret: true, description });

export type { RuntimeName } from './runtimes.js';

const dnsLabel = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'must be DNS-safe: lower-case letters, digits and "-", starting and ending with a letter or digit',
  )
  .max(30, 'must be at most 30 characters (it becomes part of database, namespace and object names)');

const imageRef = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._\-/]*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
    'must be an image reference like "registry/name:tag" or "name@sha256:<digest>"',
  );

const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h)$/, 'must be a duration like "90s", "5m" or "1h"')
  .refine((d) => !outOfRange(d, TIMEOUT), `must be a duration ${rangeText(TIMEOUT)}`);
/** A Prometheus duration: scrape intervals, alert windows, retention. */
const promDuration = z.string().regex(/^[1-9]\d*(s|m|h|d|w)$/, 'must be a duration like "15s", "2m" or "7d"');
const quantity = z
  .string()
  .regex(
    /^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G)?$/,
    'must be a Kubernetes quantity like "500m", "1", "512Mi" or "2Gi"',
  );
const secretRef = z.strictObject({ name: dnsLabel.max(63), key: z.string().min(1).default('password') });

const resourceSpec = z.strictObject({
  requests: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
  limits: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
});

// An OpenMRS module: its file is <id>-<version>.omod, fetched by the backend's init container from a
// Maven coordinate (resolved against the env key moduleRepository, a site's mirror) or a URL.
const module = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9][\w.]*$/, 'must be a module id like "webservices.rest"'),
    version: z.string().regex(/^\w[\w.+-]*$/, 'must be a version like "2.44.0"'),
    coordinate: z
      .string()
      .regex(
        /^[\w.-]+:[\w.-]+:[\w.+-]+(:[a-z]+)?$/,
        'must be a Maven coordinate "group:artifact:version" (or "...:extension", default jar)',
      )
      .optional(),
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    sha256: z
      .string()
      .regex(/^[a-f0-9]{64}$/, "must be the file's SHA-256: 64 lower-case hex digits (sha256sum)"),
  })
  .superRefine((m, ctx) => {
    if ((m.coordinate === undefined) === (m.url === undefined))
      ctx.addIssue({
        code: 'custom',
        path: m.coordinate === undefined ? [] : ['url'],
        message: 'give the module either a coordinate (from the module repository) or a url, not both',
      });
  });

const openmrs = z.strictObject({
  version: z.string().default('3.4.0'),
  images: z
    .strictObject({
      gateway: imageRef.default('openmrs/openmrs-reference-application-3-gateway:3.4.0'),
      frontend: imageRef.default('openmrs/openmrs-reference-application-3-frontend:3.4.0'),
      backend: imageRef.default('openmrs/openmrs-reference-application-3-backend:3.4.0'),
      db: imageRef.default('mariadb:10.11.7'),
      /** Fetches the modules (wget and sha256sum); only pods of a profile with modules use it. */
      fetcher: imageRef.optional(),
    })
    .prefault({}),
  modules: z.array(module).default([]),
  // global_property.property is a VARCHAR(255) in OpenMRS.
  globalProperties: z.record(z.string().min(1).max(255), z.string()).default({}),
  spaConfigUrls: z.array(z.string()).default([]),
});

const admin = z.strictObject({
  password: secret(
    z.string().min(1),
    'admin password (dev only; use passwordSecretRef elsewhere)',
  ).optional(),
  passwordSecretRef: secretRef.optional(),
  passwordLocked: z.boolean().default(false),
});

const tenant = z.strictObject({
  name: dnsLabel,
  host: z.string().optional(),
  path: z
    .string()
    .regex(/^\/[a-z0-9-]*$/, 'must be a URL path like "/clinic-a"')
    .optional(),
});

const database = z
  .strictObject({
    mode: z.enum(['bundled', 'external']).default('bundled'),
    storage: quantity.default('10Gi'),
    external: z
      .strictObject({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(3306),
        secretRef,
      })
      .optional(),
  })
  .superRefine((db, ctx) => {
    if (db.mode === 'external' && !db.external)
      ctx.addIssue({
        code: 'custom',
        path: ['external'],
        message: 'mode "external" needs database.external with host and secretRef',
      });
  });

const seed = z.strictObject({
  enabled: z.boolean().default(false),
  size: z.enum(['small', 'medium', 'large']).default('small'),
  seed: z.number().int().min(0).default(42),
  locale: z.string().default('en'),
  counts: z
    .strictObject({
      patients: z.number().int().min(0).optional(),
      visitsPerPatient: z.number().int().min(0).optional(),
      encountersPerVisit: z.number().int().min(0).optional(),
      obsPerEncounter: z.number().int().min(0).optional(),
    })
    .optional(),
});

const waiver = z.strictObject({
  rule: z.string().min(1),
  reason: z.string().min(10, 'a waiver needs a reason of at least 10 characters'),
  expires: z.iso.date('must be a date like "2026-12-31"'),
});

const eks = z.strictObject({
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region like "eu-west-1"'),
  accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  clusterName: dnsLabel.max(63),
  version: z.string().default('1.32'),
  endpointPublicAccess: z.boolean().default(false),
  publicAccessCidrs: z.array(z.string()).default([]),
  nodes: z
    .strictObject({
      instanceType: z.string().default('m6i.large'),
      min: z.number().int().min(1).default(3),
      max: z.number().int().min(1).default(6),
    })
    .prefault({}),
  rds: z
    .strictObject({
      instanceClass: z.string().default('db.m6g.large'),
      allocatedStorageGb: z.number().int().min(20).default(100),
      multiAz: z.boolean().default(true),
      backupRetentionDays: z.number().int().min(0).max(35).default(14),
      deletionProtection: z.boolean().default(true),
      /** One read replica in another availability zone (reports, analytics); its address is a Terraform output. */
      readReplica: z.boolean().default(false),
    })
    .prefault({}),
  /** What terraform/modules/eks-addons installs besides the EBS CSI driver, Traefik and cert-manager. */
  addons: z
    .strictObject({
      /** The ACME account of the ClusterIssuer named by ingress.tls.clusterIssuer. */
      acmeEmail: z.email('must be an email address').optional(),
    })
    .prefault({}),
  stateBucket: z.string().min(3),
  lockTable: z.string().min(3),
});

const cluster = z.strictObject({
  context: z.string().optional(),
  namespace: z.string().optional(),
  kind: z
    .strictObject({ name: dnsLabel.default('omrs'), config: z.string().default('kind/dev.yaml') })
    .optional(),
  minikube: z.strictObject({ profile: z.string().default('omrs') }).optional(),
  eks: eks.optional(),
});

export const ProfileSchema = z.strictObject({
  description: env(z.string().optional(), 'what this profile is for'),
  runtime: env(z.enum(RUNTIMES).default('compose'), 'where the stack runs'),
  openmrs: app(openmrs.prefault({}), 'the application: images, modules, global properties'),
  chart: app(
    z.strictObject({ version: z.string().default('0.1.0') }).prefault({}),
    'the omrs Helm chart version',
  ),
  tenants: app(
    z
      .array(tenant)
      .min(1)
      .default([{ name: 'default' }])
      .superRefine((tenants, ctx) => {
        const seen = new Set<string>();
        tenants.forEach((t, i) => {
          if (seen.has(t.name))
            ctx.addIssue({
              code: 'custom',
              path: [i, 'name'],
              message: `tenant name "${t.name}" is used twice`,
            });
          seen.add(t.name);
        });
      }),
    'one backend and one database schema per tenant',
  ),
  admin: env(admin.prefault({}), 'the OpenMRS admin account'),
  database: env(database.prefault({}), 'bundled MariaDB or an external database'),
  seed: env(seed.prefault({}), 'test data to generate after start'),
  gateway: env(
    z
      .strictObject({
        /** false: no gateway and no Ingress; a vendor load balancer routes to the frontend and backend Services. */
        enabled: z.boolean().default(true),
      })
      .prefault({}),
    'the omrs gateway (nginx) in front of the frontend and backends; off: a load balancer of your own routes to their Services',
  ),
  replicas: env(
    z
      .strictObject({
        gateway: z.number().int().min(0).default(1),
        frontend: z.number().int().min(0).default(1),
        backend: z.number().int().min(0).default(1),
      })
      .prefault({}),
    'replica count per service',
  ),
  resources: env(
    z
      .strictObject({
        gateway: resourceSpec.optional(),
        frontend: resourceSpec.optional(),
        backend: resourceSpec.optional(),
        db: resourceSpec.optional(),
      })
      .prefault({}),
    'CPU and memory requests and limits per service',
  ),
  ingress: env(
    z
      .strictObject({
        host: z.string().default('localhost'),
        tls: z
          .strictObject({
            enabled: z.boolean().default(false),
            secretName: z.string().optional(),
            clusterIssuer: z.string().optional(),
          })
          .prefault({}),
      })
      .prefault({}),
    'hostname and TLS',
  ),
  images: env(
    z
      .strictObject({
        registry: z.string().optional(),
        pullPolicy: z.enum(['IfNotPresent', 'Always', 'Never']).default('IfNotPresent'),
        pinDigests: z.boolean().default(false),
      })
      .prefault({}),
    'registry mirror and pull policy',
  ),
  moduleRepository: env(
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .default('https://mavenrepo.openmrs.org/public'),
    "the Maven repository (or a site's mirror) the modules' coordinates are fetched from",
  ),
  ports: env(
    z
      .strictObject({
        gateway: z.number().int().min(1).max(65535).default(8080),
        /** Prometheus, with monitoring.enabled. */
        prometheus: z.number().int().min(1).max(65535).default(9090),
        /** The log store (VictoriaLogs), with monitoring.enabled and monitoring.logs.enabled. */
        logs: z.number().int().min(1).max(65535).default(9428),
        /** Grafana, with monitoring.enabled and monitoring.grafana.enabled. */
        grafana: z.number().int().min(1).max(65535).default(3000),
      })
      .prefault({}),
    'ports published on 127.0.0.1 (compose)',
  ),
  timeouts: env(
    z
      .strictObject({
        database: duration.default('2m'),
        init: duration.default('2m'),
        backend: duration.default('15m'),
        frontend: duration.default('2m'),
        gateway: duration.default('1m'),
      })
      .prefault({}),
    'per-step readiness timeouts',
  ),
  backup: env(
    z
      .strictObject({
        enabled: z.boolean().default(false),
        schedule: z
          .string()
          .default('0 2 * * *')
          .superRefine((schedule, ctx) => {
            const parsed = normaliseSchedule(schedule);
            if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
          }),
        retentionDays: z.number().int().min(1).default(7),
        /**
         * With monitoring: how long without a successful backup before BackupStale fires; default:
         * the schedule's longest gap between two runs, plus an hour for a run to finish.
         */
        staleAfter: promDuration.optional(),
        /** Every run's dumps also go to S3 (aws s3 sync of the backup volume). */
        s3: z
          .strictObject({
            bucket: z
              .string()
              .regex(
                /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
                'must be an S3 bucket name like "openmrs-backups"',
              ),
            prefix: z
              .string()
              .regex(/^[\w./-]*$/, 'must be a key prefix like "openmrs/prod"')
              .default('openmrs'),
            region: z.string().optional(),
            /** An S3-compatible endpoint (MinIO, an emulator) instead of AWS's. */
            endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
            /** A Secret in the namespace with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; without it, the pod's IAM role (IRSA). */
            credentialsSecret: dnsLabel.max(63).optional(),
            image: imageRef.default('amazon/aws-cli:2.22.0'),
          })
          .optional(),
      })
      .prefault({}),
    'scheduled database dumps, on a volume and optionally copied to S3',
  ),
  monitoring: env(
    z
      .strictObject({
        enabled: z.boolean().default(false),
        scrapeInterval: promDuration.default('15s'),
        /** How long a backend or the database stays down before its alert fires (the rules' `for:`). */
        alertAfter: promDuration.default('2m'),
        /** DatabaseDiskFilling fires when the bundled database's volume has less than this percentage free. */
        diskFreeBelow: z.number().int().min(1).max(100).default(10),
        /** With a TLS Ingress: the certificate each host serves, read by a probe; CertificateExpiring fires within warnBefore of its end. */
        certificates: z
          .strictObject({
            warnBefore: promDuration.default('21d'),
            /** Where the probe connects, host:port (default: each host on 443), when the hosts' names do not lead to the Ingress from inside the cluster. */
            address: z
              .string()
              .regex(
                /^[A-Za-z0-9.-]+:\d{1,5}$/,
                'must be host:port, like "ingress-nginx-controller.ingress-nginx:443"',
              )
              .optional(),
          })
          .prefault({}),
        retention: promDuration.default('7d'),
        /**
         * Prometheus's data: on a cluster an emptyDir with this size limit (the kubelet evicts the pod
         * above it). Prometheus keeps its blocks within 80 % of it; PrometheusStorageFilling fires above 90 %.
         */
        storage: z
          .string()
          .regex(/^[1-9]\d*(Ki|Mi|Gi|Ti)?$/, 'must be a size in bytes like "2Gi", "500Mi" or "64Ki"')
          .default('2Gi'),
        /** Every container's output in a log store, by environment, tenant and service: the environment's own on Docker, the cluster's shared one (namespace omrs-monitoring) on a cluster. */
        logs: z
          .strictObject({
            enabled: z.boolean().default(true),
            retention: z
              .string()
              .regex(
                /^[1-9]\d*(d|w)$/,
                'must be days or weeks like "7d" or "2w" (the log store keeps a day at least)',
              )
              .default('7d'),
          })
          .prefault({}),
        /** Grafana, read-only (anonymous viewers, no login), with Prometheus and the log store as its datasources and the OpenMRS dashboards. */
        grafana: z
          .strictObject({
            enabled: z.boolean().default(true),
            /** Plugins Grafana installs at its start (from grafana.com): the log store's datasource. Empty where the image has them (air-gapped sites). */
            plugins: z
              .array(
                z
                  .string()
                  .regex(
                    /^[a-z0-9][a-z0-9-]*(@[\w.-]+)?$/,
                    'must be a plugin id, optionally with @version, like "victoriametrics-logs-datasource@0.21.0"',
                  ),
              )
              .default(['victoriametrics-logs-datasource']),
          })
          .prefault({}),
        images: z
          .strictObject({
            prometheus: imageRef.default('prom/prometheus:v3.16.0'),
            dbExporter: imageRef.default('prom/mysqld-exporter:v0.16.0'),
            logs: imageRef.default('victoriametrics/victoria-logs:v1.52.2'),
            logShipper: imageRef.default('victoriametrics/vlagent:v1.52.2'),
            /** Where the backups report their successes (with backup.enabled). */
            pushgateway: imageRef.default('prom/pushgateway:v1.11.5'),
            /** Beside the bundled database: how full its volume is. */
            diskExporter: imageRef.default('prom/node-exporter:v1.9.1'),
            /** Beside each gateway: nginx's connections and requests. */
            gatewayExporter: imageRef.default('nginx/nginx-prometheus-exporter:1.4.0'),
            /** With a TLS Ingress: reads the certificate each host serves. */
            certProbe: imageRef.default('prom/blackbox-exporter:v0.27.0'),
            /** With monitoring.grafana.enabled. */
            grafana: imageRef.default('grafana/grafana:12.3.0'),
          })
          .prefault({}),
      })
      .prefault({}),
    'Prometheus (metrics, alert rules), exporters for the database, its volume and the gateway, Grafana with the OpenMRS dashboards, and a log store with its shipper (on a cluster, one shared by its environments)',
  ),
  maintenance: env(
    z.strictObject({ enabled: z.boolean().default(false) }).prefault({}),
    'serve the maintenance page instead of OpenMRS',
  ),
  checks: env(
    z
      .strictObject({
        level: z.enum(['dev', 'qa', 'prod']).default('dev'),
        waivers: z.array(waiver).default([]),
      })
      .prefault({}),
    'check gate level and waivers',
  ),
  cluster: env(cluster.prefault({}), 'the Kubernetes context or cluster to create'),
});

export type Profile = z.output<typeof ProfileSchema>;
export type ProfileInput = z.input<typeof ProfileSchema>;

/** The keys a profile file may have besides the schema's: they are consumed by the loader. */
export const LOADER_KEYS = ['extends'] as const;

type AnyZod = z.ZodType;

/** Strips optional/default/nullable/pipe wrappers. */
export function unwrap(schema: AnyZod): AnyZod {
  let current: AnyZod = schema;
  for (;;) {
    const def = (current as unknown as { _zod: { def: { type: string; innerType?: AnyZod; in?: AnyZod } } })
      ._zod.def;
    if (def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

export function metaOf(schema: AnyZod): KeyMeta {
  let current: AnyZod | undefined = schema;
  const merged: KeyMeta = {};
  // Metadata can sit on any wrapper layer; collect from the outside in.
  while (current) {
    const meta = z.globalRegistry.get(current) as KeyMeta | undefined;
    if (meta) Object.assign(merged, { ...meta, ...merged });
    const wrapped: AnyZod | undefined = (current as unknown as { _zod: { def: { innerType?: AnyZod } } })._zod
      .def.innerType;
    current = wrapped;
  }
  return merged;
}

/** The schema of the value at `path`, or undefined when the path leaves the schema. */
export function schemaAt(path: (string | number)[], root: AnyZod = ProfileSchema): AnyZod | undefined {
  let current: AnyZod | undefined = root;
  for (const segment of path) {
    if (!current) return undefined;
    const inner = unwrap(current);
    const def = (
      inner as unknown as {
        _zod: { def: { type: string; shape?: Record<string, AnyZod>; element?: AnyZod; valueType?: AnyZod } };
      }
    )._zod.def;
    if (def.type === 'object' && def.shape) current = def.shape[String(segment)];
    else if (def.type === 'array') current = def.element;
    else if (def.type === 'record') current = def.valueType;
    else return undefined;
  }
  return current;
}

/** Keys an object at `path` accepts (for "did you mean" hints). */
export function keysAt(path: (string | number)[]): string[] {
  const schema = schemaAt(path);
  if (!schema) return [];
  const def = (
    unwrap(schema) as unknown as { _zod: { def: { type: string; shape?: Record<string, AnyZod> } } }
  )._zod.def;
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

export const TOP_LEVEL_KEYS = Object.keys(ProfileSchema.shape);
