// Manifest rules specific to OpenMRS: the insecure defaults of openmrs-core's startup-init.sh
// (checks-reference.md section 6) that a promotion gate must catch.
import type { KubeObject } from '../../render/objects.js';
import type { Hit, ManifestContext, Rule } from '../types.js';
import { MASK } from '../../mask.js';
import { arr, isRecord, rec, str } from '../../render/json.js';
import { envOf, objectId, type PodContainer } from '../../render/workloads.js';
import { perContainer } from './workload-hits.js';

type R = Rule<ManifestContext>;

export const DEFAULT_ADMIN_PASSWORDS = ['Admin123'];
export const DEFAULT_DB_PASSWORDS = ['openmrs', 'OpenMRS123'];

type Resolved =
  | { kind: 'literal'; value: string }
  | { kind: 'secret'; value?: string; secret: string }
  | { kind: 'unset' }
  | { kind: 'other' };

const secretValue = (objects: KubeObject[], name: string, key: string): string | undefined => {
  const s = objects.find((o) => o.kind === 'Secret' && o.metadata.name === name);
  if (!s) return undefined;
  const plain = str(rec(s.raw.stringData)[key]);
  if (plain !== undefined) return plain;
  const b64 = str(rec(s.raw.data)[key]);
  return b64 === undefined || b64 === MASK ? undefined : Buffer.from(b64, 'base64').toString('utf8');
};

/** The value a container sees for `name`: a literal, a Secret (decoded when it is in the manifests), or unset. */
export function resolveEnv(objects: KubeObject[], c: PodContainer, name: string): Resolved {
  const direct = arr(c.spec.env)
    .filter(isRecord)
    .find((e) => e.name === name);
  if (direct) {
    if (direct.value !== undefined) return { kind: 'literal', value: str(direct.value) ?? '' };
    const ref = rec(rec(direct.valueFrom).secretKeyRef);
    if (ref.name !== undefined) {
      const secret = str(ref.name) ?? '';
      const value = secretValue(objects, secret, str(ref.key) ?? '');
      return { kind: 'secret', secret, ...(value !== undefined && { value }) };
    }
    const cm = rec(rec(direct.valueFrom).configMapKeyRef);
    if (cm.name !== undefined) {
      const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === cm.name);
      const value = map ? str(rec(map.raw.data)[str(cm.key) ?? '']) : undefined;
      return value === undefined ? { kind: 'other' } : { kind: 'literal', value };
    }
    return { kind: 'other' };
  }
  for (const from of arr(c.spec.envFrom).filter(isRecord)) {
    const cm = str(rec(from.configMapRef).name);
    const map = cm ? objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === cm) : undefined;
    const value = map ? str(rec(map.raw.data)[name]) : undefined;
    if (value !== undefined) return { kind: 'literal', value };
    const sn = str(rec(from.secretRef).name);
    if (sn) {
      const sv = secretValue(objects, sn, name);
      if (sv !== undefined) return { kind: 'secret', secret: sn, value: sv };
      if (!objects.some((o) => o.kind === 'Secret' && o.metadata.name === sn)) return { kind: 'other' };
    }
  }
  return { kind: 'unset' };
}

/** The OpenMRS backend (openmrs-core or the reference application backend image, or a container configured with OMRS_DB_*). */
function isOpenmrsBackend(c: PodContainer): boolean {
  const image = str(c.spec.image) ?? '';
  if (/openmrs\/openmrs-(core|reference-application-3-backend|reference-application-distro)/.test(image))
    return true;
  return envOf(c).some((e) => /^OMRS_DB(_|$)/.test(e.name));
}

/** One hit per OpenMRS backend container (init containers aside) for which `bad` returns a message. */
const perBackend = (ctx: ManifestContext, bad: (c: PodContainer) => string | undefined): Hit[] =>
  perContainer(
    ctx,
    (_w, c) => bad(c),
    (_w, c) => !c.init && isOpenmrsBackend(c),
  );

const truthy = (v: string): boolean => /^(true|1|yes|on)$/i.test(v.trim());

/** The alerts that production needs, and what each watches. */
const REQUIRED_ALERTS = { BackendDown: 'the backends', DatabaseDown: 'the database' } as const;

/** Names of the alerts the rendered Prometheus rule files define (ConfigMaps of the prometheus component). */
function definedAlerts(objects: KubeObject[]): Set<string> {
  const names = new Set<string>();
  for (const o of objects) {
    const labels = rec(rec(o.raw.metadata).labels);
    if (o.kind !== 'ConfigMap' || labels['app.kubernetes.io/component'] !== 'prometheus') continue;
    for (const text of Object.values(rec(o.raw.data)))
      for (const m of (str(text) ?? '').matchAll(/^\s*-\s*alert:\s*['"]?([A-Za-z_][\w]*)/gm))
        names.add(m[1]!);
  }
  return names;
}

export const openmrsRules: R[] = [
  {
    id: 'OMRS-APP-001',
    title: 'Admin password not a literal',
    severity: 'critical',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'OMRS_ADMIN_USER_PASSWORD as a literal is readable by anyone who can read the Deployment or the chart values.',
    fix: 'Set admin.passwordSecretRef in the profile (a Secret you create), not admin.password.',
    refs: { polaris: ['sensitiveContainerEnvVar'], kubescape: ['C-0012'] },
    check: (ctx) =>
      perBackend(ctx, (c) =>
        resolveEnv(ctx.objects, c, 'OMRS_ADMIN_USER_PASSWORD').kind === 'literal'
          ? 'OMRS_ADMIN_USER_PASSWORD is a literal value'
          : undefined,
      ),
  },
  {
    id: 'OMRS-APP-002',
    title: 'Admin password is not the default Admin123',
    severity: 'critical',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'Admin123 is the documented default of every OpenMRS image; bots try it first.',
    fix: 'Set admin.passwordSecretRef to a Secret holding a strong password (unset, the image falls back to Admin123).',
    refs: {},
    check: (ctx) =>
      perBackend(ctx, (c) => {
        const r = resolveEnv(ctx.objects, c, 'OMRS_ADMIN_USER_PASSWORD');
        if (r.kind === 'unset')
          return 'OMRS_ADMIN_USER_PASSWORD is unset: the image default Admin123 applies';
        if (
          (r.kind === 'literal' || r.kind === 'secret') &&
          r.value !== undefined &&
          DEFAULT_ADMIN_PASSWORDS.includes(r.value)
        )
          return `OMRS_ADMIN_USER_PASSWORD is the default Admin123${r.kind === 'secret' ? ` (Secret ${r.secret})` : ''}`;
        return undefined;
      }),
  },
  {
    id: 'OMRS-APP-003',
    title: 'Database password is not an upstream default',
    severity: 'critical',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'openmrs (startup-init.sh) and OpenMRS123 (openmrs-contrib-cluster) are public defaults.',
    fix: 'Let the chart generate tenant passwords, or reference a Secret with a strong password.',
    refs: {},
    check: (ctx) =>
      perBackend(ctx, (c) => {
        const r = resolveEnv(ctx.objects, c, 'OMRS_DB_PASSWORD');
        if (r.kind === 'unset') return 'OMRS_DB_PASSWORD is unset: the image default "openmrs" applies';
        if (
          (r.kind === 'literal' || r.kind === 'secret') &&
          r.value !== undefined &&
          DEFAULT_DB_PASSWORDS.includes(r.value)
        )
          return 'OMRS_DB_PASSWORD is an upstream default';
        return undefined;
      }),
  },
  {
    id: 'OMRS-APP-004',
    title: 'Module upload through the web UI is off in production',
    severity: 'high',
    scope: 'manifests',
    levels: ['prod'],
    why: 'OMRS_MODULE_WEB_ADMIN=true (the image default) lets an admin session upload and run arbitrary code.',
    fix: 'Set OMRS_MODULE_WEB_ADMIN=false (the chart does in prod); ship modules in the image or the distro.',
    refs: {},
    check: (ctx) =>
      perBackend(ctx, (c) => {
        const r = resolveEnv(ctx.objects, c, 'OMRS_MODULE_WEB_ADMIN');
        return r.kind === 'unset'
          ? 'OMRS_MODULE_WEB_ADMIN is unset (default true)'
          : r.kind === 'literal' && truthy(r.value)
            ? 'OMRS_MODULE_WEB_ADMIN is true'
            : undefined;
      }),
  },
  {
    id: 'OMRS-APP-005',
    title: 'No demo data',
    severity: 'high',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'OMRS_ADD_DEMO_DATA=true loads the demo dataset (fake patients) into the database.',
    fix: 'Set OMRS_ADD_DEMO_DATA=false; use `omrs seed` (ledgered, purgeable) for test data.',
    refs: {},
    check: (ctx) =>
      perBackend(ctx, (c) => {
        const r = resolveEnv(ctx.objects, c, 'OMRS_ADD_DEMO_DATA');
        return r.kind === 'literal' && truthy(r.value) ? 'OMRS_ADD_DEMO_DATA is true' : undefined;
      }),
  },
  {
    id: 'OMRS-APP-006',
    title: 'Automatic database updates are deliberate',
    severity: 'low',
    scope: 'manifests',
    levels: [],
    why: 'OMRS_AUTO_UPDATE_DATABASE=true (the default) runs Liquibase migrations at start; in prod take a snapshot first (omrs promote does).',
    fix: 'Keep it and promote with `omrs promote` (it snapshots first), or set OMRS_AUTO_UPDATE_DATABASE=false and migrate in a maintenance window.',
    refs: {},
    check: (ctx) =>
      perBackend(ctx, (c) => {
        const r = resolveEnv(ctx.objects, c, 'OMRS_AUTO_UPDATE_DATABASE');
        return r.kind === 'unset'
          ? 'OMRS_AUTO_UPDATE_DATABASE is unset (default true)'
          : r.kind === 'literal' && truthy(r.value)
            ? 'OMRS_AUTO_UPDATE_DATABASE is true'
            : undefined;
      }),
  },
  {
    id: 'OMRS-APP-007',
    title: 'Admin password locked in production',
    severity: 'medium',
    scope: 'manifests',
    levels: ['prod'],
    why: 'With OMRS_ADMIN_PASSWORD_LOCKED=false (the default) the image resets the admin password from the env at every start.',
    fix: 'Set admin.passwordLocked: true in the prod profile.',
    refs: {},
    check: (ctx) =>
      perBackend(ctx, (c) => {
        const r = resolveEnv(ctx.objects, c, 'OMRS_ADMIN_PASSWORD_LOCKED');
        return r.kind === 'unset'
          ? 'OMRS_ADMIN_PASSWORD_LOCKED is unset (default false)'
          : r.kind === 'literal' && !truthy(r.value)
            ? 'OMRS_ADMIN_PASSWORD_LOCKED is false'
            : undefined;
      }),
  },
  {
    id: 'OMRS-APP-008',
    title: 'No Java debug port',
    severity: 'high',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'OMRS_DEV_DEBUG_PORT opens JDWP: anyone reaching the port runs code in the JVM.',
    fix: 'Remove OMRS_DEV_DEBUG_PORT outside development.',
    refs: {},
    check: (ctx) =>
      perBackend(ctx, (c) =>
        envOf(c).some((e) => e.name === 'OMRS_DEV_DEBUG_PORT' && (e.value ?? '') !== '')
          ? 'OMRS_DEV_DEBUG_PORT is set'
          : undefined,
      ),
  },
  {
    id: 'OMRS-APP-010',
    title: 'Production is monitored: alerts for the backends and the database',
    severity: 'medium',
    scope: 'manifests',
    levels: ['prod'],
    why: 'Without a Prometheus and its alert rules, a backend or a database that stops in production is found by its users.',
    fix: 'Set monitoring.enabled: true in the prod profile (the chart then runs Prometheus with the BackendDown and DatabaseDown rules).',
    refs: {},
    check: (ctx) => {
      const backends = perBackend(ctx, () => 'is an OpenMRS backend');
      if (backends.length === 0) return [];
      const defined = definedAlerts(ctx.objects);
      const missing = Object.entries(REQUIRED_ALERTS).filter(([name]) => !defined.has(name));
      if (missing.length === 0) return [];
      const what = missing.map(([name, watches]) => `${name} (${watches})`).join(', ');
      return backends.map((b) => ({ ...b, message: `no Prometheus alert rule ${what}` }));
    },
  },
  {
    id: 'OMRS-APP-011',
    title: 'Production backups are monitored: an alert when they stop succeeding',
    severity: 'medium',
    scope: 'manifests',
    levels: ['prod'],
    why: 'A backup schedule whose runs fail is found on the day a restore is needed, unless an alert says so first.',
    fix: 'Set monitoring.enabled: true in the prod profile (with backup.enabled the chart runs a Pushgateway that each backup reports to, and the BackupStale rule).',
    refs: {},
    check: (ctx) => {
      const schedules = ctx.objects.filter(
        (o) => o.kind === 'CronJob' && o.metadata.labels['omrs.dev/component'] === 'backup',
      );
      if (schedules.length === 0 || definedAlerts(ctx.objects).has('BackupStale')) return [];
      return schedules.map((o) => ({
        resource: objectId(o),
        message: 'no Prometheus alert rule BackupStale (the backups) watches this schedule',
      }));
    },
  },
  {
    id: 'OMRS-APP-009',
    title: 'No default passwords in Secrets',
    severity: 'critical',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'A chart that writes openmrs/OpenMRS123/Admin123 into its Secrets ships a known password.',
    fix: 'Generate the password (the omrs chart does) or create the Secret outside the chart.',
    refs: { polaris: ['sensitiveConfigmapContent'] },
    check: (ctx) =>
      ctx.objects
        .filter((o) => o.kind === 'Secret')
        .flatMap((o) => {
          const entries = [
            ...Object.entries(rec(o.raw.data)).map(
              ([k, v]) =>
                [
                  k,
                  str(v) === MASK ? undefined : Buffer.from(str(v) ?? '', 'base64').toString('utf8'),
                ] as const,
            ),
            ...Object.entries(rec(o.raw.stringData)).map(([k, v]) => [k, str(v)] as const),
          ];
          return entries
            .filter(
              ([k, v]) =>
                /pass/i.test(k) &&
                v !== undefined &&
                [...DEFAULT_ADMIN_PASSWORDS, ...DEFAULT_DB_PASSWORDS].includes(v),
            )
            .map(([k]) => ({
              resource: objectId(o),
              message: `key ${k} holds a well-known default password`,
            }));
        }),
  },
];
