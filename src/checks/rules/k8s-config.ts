// Manifest rules: ingress, gateway configuration, secrets, services, RBAC, API versions.
import type { KubeObject } from '../../render/objects.js';
import type { Hit, ManifestContext, Rule } from '../types.js';
import { arr, isRecord, rec, str } from '../../render/json.js';
import { envOf, objectId, serviceSelects, workloads } from '../../render/workloads.js';

type R = Rule<ManifestContext>;

const MIB = 1024 * 1024;
/** nginx size syntax: 50m, 1024k, 1g, bytes. */
export function nginxSize(value: string): number | undefined {
  const m = /^(\d+)([kKmMgG]?)$/.exec(value.trim());
  if (!m) return undefined;
  const unit = { '': 1, k: 1024, m: MIB, g: 1024 * MIB }[m[2]!.toLowerCase()] ?? 1;
  return Number(m[1]) * unit;
}

const isGatewayObject = (o: KubeObject): boolean =>
  o.metadata.labels['omrs.dev/component'] === 'gateway' ||
  o.metadata.labels['app.kubernetes.io/component'] === 'gateway';

/** nginx configuration texts found in ConfigMaps: [ConfigMap ref, key, text]. */
function nginxConfigs(objects: KubeObject[]): { ref: string; key: string; text: string }[] {
  return objects
    .filter((o) => o.kind === 'ConfigMap')
    .flatMap((o) =>
      Object.entries(rec(o.raw.data))
        .filter(
          ([key, v]) => typeof v === 'string' && (/\.conf$/.test(key) || /\b(http|server)\s*\{/.test(v)),
        )
        .map(([key, v]) => ({ ref: objectId(o), key, text: String(v) })),
    );
}

const gatewayPresent = (ctx: ManifestContext): boolean =>
  workloads(ctx.objects).some(
    (w) => isGatewayObject(w.object) || w.containers.some((c) => /gateway/.test(str(c.spec.image) ?? '')),
  );

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
/** Values that are references to secrets, not secrets: file paths, empty strings, booleans. */
const NOT_A_SECRET = (name: string, value: string): boolean =>
  value === '' || /_FILE$/i.test(name) || value.startsWith('/') || /^(true|false)$/i.test(value);

const DEPRECATED_APIS: Record<string, string> = {
  'extensions/v1beta1': 'apps/v1 or networking.k8s.io/v1',
  'apps/v1beta1': 'apps/v1',
  'apps/v1beta2': 'apps/v1',
  'policy/v1beta1': 'policy/v1',
  'batch/v1beta1': 'batch/v1',
  'networking.k8s.io/v1beta1': 'networking.k8s.io/v1',
  'autoscaling/v2beta1': 'autoscaling/v2',
  'autoscaling/v2beta2': 'autoscaling/v2',
  'rbac.authorization.k8s.io/v1beta1': 'rbac.authorization.k8s.io/v1',
};
const NAMESPACED_SKIP = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
  'StorageClass',
  'CustomResourceDefinition',
  'PriorityClass',
]);

export const configRules: R[] = [
  {
    id: 'OMRS-K8S-026',
    title: 'Ingress serves TLS',
    severity: 'high',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'Patient data and session cookies must never cross a network in clear text.',
    fix: 'Set ingress.tls.enabled: true with a secretName or a cert-manager clusterIssuer.',
    refs: { polaris: ['tlsSettingsMissing'] },
    check: (ctx) =>
      ctx.objects
        .filter((o) => o.kind === 'Ingress')
        .flatMap((o) => {
          const spec = rec(o.raw.spec);
          const tlsHosts = new Set(arr(spec.tls).flatMap((t) => arr(rec(t).hosts).map(String)));
          if (arr(spec.tls).length === 0) return [{ resource: objectId(o), message: 'no spec.tls' }];
          const uncovered = arr(spec.rules)
            .map((r) => str(rec(r).host))
            .filter((h): h is string => !!h && !tlsHosts.has(h));
          return uncovered.length
            ? [{ resource: objectId(o), message: `hosts without TLS: ${uncovered.join(', ')}` }]
            : [];
        }),
  },
  {
    id: 'OMRS-K8S-027',
    title: 'Gateway request body limit is 50 MiB',
    severity: 'medium',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: "nginx's 1 MiB default rejects attachment uploads; no limit (0) lets one client fill the backend's disk and memory.",
    fix: 'Set client_max_body_size 50m in the gateway nginx configuration (and nginx.ingress.kubernetes.io/proxy-body-size: 50m).',
    refs: {},
    check: (ctx) => {
      const hits: Hit[] = [];
      for (const o of ctx.objects.filter((x) => x.kind === 'Ingress')) {
        const v = o.metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size'];
        const size = v === undefined ? undefined : nginxSize(v);
        if (v !== undefined && (size === undefined || size === 0 || size > 50 * MIB))
          hits.push({ resource: objectId(o), message: `proxy-body-size is ${v}` });
      }
      if (!gatewayPresent(ctx)) return hits;
      const configs = nginxConfigs(ctx.objects);
      const sizes = configs.flatMap((c) =>
        [...c.text.matchAll(/client_max_body_size\s+([^;\s]+)\s*;/g)].map((m) => ({ ...c, value: m[1]! })),
      );
      if (sizes.length === 0)
        return [
          ...hits,
          {
            resource: configs[0]?.ref ?? 'gateway',
            message: 'client_max_body_size is not set (nginx default 1m)',
          },
        ];
      for (const s of sizes) {
        const bytes = nginxSize(s.value);
        if (bytes !== 50 * MIB)
          hits.push({ resource: s.ref, message: `${s.key}: client_max_body_size ${s.value} (want 50m)` });
      }
      return hits;
    },
  },
  {
    id: 'OMRS-K8S-031',
    title: 'Gateway serves a maintenance page',
    severity: 'low',
    scope: 'manifests',
    levels: ['prod'],
    why: 'During upgrades and restarts users should see a maintenance notice, not a bare 502.',
    fix: 'Keep the chart gateway configuration: error_page 502 503 504 → maintenance.html (profile maintenance.enabled switches it on for all requests).',
    refs: {},
    check: (ctx) => {
      if (!gatewayPresent(ctx)) return [];
      const configs = nginxConfigs(ctx.objects);
      const hasErrorPage = configs.some((c) => /error_page\s+[^;]*\b50[234]\b[^;]*;/.test(c.text));
      const hasPage = ctx.objects.some(
        (o) =>
          o.kind === 'ConfigMap' && Object.keys(rec(o.raw.data)).some((k) => /maintenance.*\.html$/.test(k)),
      );
      return hasErrorPage && hasPage
        ? []
        : [
            {
              resource: configs[0]?.ref ?? 'gateway',
              message: hasErrorPage
                ? 'no maintenance page in the gateway ConfigMaps'
                : 'no error_page for 502/503/504 in the gateway configuration',
            },
          ];
    },
  },
  {
    id: 'OMRS-K8S-028',
    title: 'Secrets never as plain env values',
    severity: 'critical',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'Literal env values end up in Git, in `kubectl describe` and in every rendered manifest.',
    fix: 'Put the value in a Secret and use env.valueFrom.secretKeyRef (or mount it as a file).',
    refs: { polaris: ['sensitiveContainerEnvVar'], checkov: ['CKV_K8S_35'], kubescape: ['C-0012'] },
    check: (ctx) =>
      workloads(ctx.objects).flatMap((w) =>
        w.containers.flatMap((c) =>
          envOf(c)
            .filter(
              (e) => SECRET_NAME.test(e.name) && e.value !== undefined && !NOT_A_SECRET(e.name, e.value),
            )
            .map((e) => ({
              resource: w.ref,
              message: `container ${c.name}: env ${e.name} is a literal value`,
            })),
        ),
      ),
  },
  {
    id: 'OMRS-K8S-029',
    title: 'No secrets in ConfigMaps',
    severity: 'high',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'ConfigMaps are readable by more roles than Secrets and are not encrypted at rest.',
    fix: 'Move the value to a Secret.',
    refs: { polaris: ['sensitiveConfigmapContent'], kubescape: ['C-0012'] },
    check: (ctx) =>
      ctx.objects
        .filter((o) => o.kind === 'ConfigMap')
        .flatMap((o) =>
          Object.entries(rec(o.raw.data))
            .filter(
              ([k, v]) =>
                SECRET_NAME.test(k) &&
                typeof v === 'string' &&
                !/\.(sh|conf|html|json|ya?ml)$/.test(k) &&
                !NOT_A_SECRET(k, v),
            )
            .map(([k]) => ({ resource: objectId(o), message: `key ${k} looks like a secret` })),
        ),
  },
  {
    id: 'OMRS-K8S-030',
    title: 'Database backups are scheduled',
    severity: 'high',
    scope: 'manifests',
    levels: ['prod'],
    why: 'Without scheduled dumps a bad migration or a deleted volume loses patient records.',
    fix: 'Set backup.enabled: true (a CronJob dumps every tenant database), or document the RDS snapshot policy in a waiver.',
    refs: {},
    check: (ctx) => {
      const app = workloads(ctx.objects).find((w) =>
        w.containers.some((c) => !c.init && /openmrs/.test(str(c.spec.image) ?? '')),
      );
      if (!app) return [];
      const backup = ctx.objects.some(
        (o) =>
          o.kind === 'CronJob' &&
          (o.metadata.labels['omrs.dev/component'] === 'backup' || /backup|dump/i.test(o.metadata.name)),
      );
      return backup
        ? []
        : [{ resource: app.ref, message: 'no backup CronJob in the manifests that deploy it' }];
    },
  },
  {
    id: 'OMRS-K8S-033',
    title: 'No NGINX snippet annotations',
    severity: 'high',
    scope: 'manifests',
    levels: ['dev', 'qa', 'prod'],
    why: 'Snippet annotations let whoever edits an Ingress inject nginx configuration (CVE-2021-25742).',
    fix: 'Remove the *-snippet annotation; configure the gateway instead.',
    refs: { checkov: ['CKV_K8S_153'], kubescape: ['C-0059'] },
    check: (ctx) =>
      ctx.objects
        .filter((o) => o.kind === 'Ingress')
        .flatMap((o) =>
          Object.keys(o.metadata.annotations)
            .filter((k) => /snippet$/.test(k))
            .map((k) => ({ resource: objectId(o), message: `annotation ${k}` })),
        ),
  },
  {
    id: 'OMRS-K8S-034',
    title: 'No NodePort services',
    severity: 'low',
    scope: 'manifests',
    levels: ['prod'],
    why: 'NodePort opens the port on every node, around the ingress and its TLS.',
    fix: 'Use a ClusterIP Service behind the Ingress.',
    refs: { kubeScore: ['service-type'] },
    check: (ctx) =>
      ctx.objects
        .filter((o) => o.kind === 'Service' && rec(o.raw.spec).type === 'NodePort')
        .map((o) => ({ resource: objectId(o), message: 'type NodePort' })),
  },
  {
    id: 'OMRS-K8S-035',
    title: 'Not in the default namespace',
    severity: 'low',
    scope: 'manifests',
    levels: ['prod'],
    why: 'The default namespace mixes unrelated workloads under the same policies and quotas.',
    fix: 'Set cluster.namespace in the profile (or --namespace).',
    refs: { checkov: ['CKV_K8S_21'] },
    check: (ctx) =>
      ctx.objects
        .filter((o) => !NAMESPACED_SKIP.has(o.kind) && o.metadata.namespace === 'default')
        .map((o) => ({ resource: objectId(o), message: 'namespace default' })),
  },
  {
    id: 'OMRS-K8S-036',
    title: 'Ingress backends exist',
    severity: 'medium',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'An ingress pointing at a missing Service serves 503s.',
    fix: 'Point the Ingress path at a Service that the manifests define.',
    refs: { kubeScore: ['ingress-targets-service'] },
    check: (ctx) => {
      const services = new Set(ctx.objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name));
      return ctx.objects
        .filter((o) => o.kind === 'Ingress')
        .flatMap((o) =>
          arr(rec(o.raw.spec).rules)
            .flatMap((r) => arr(rec(rec(r).http).paths))
            .map((p) => str(rec(rec(rec(p).backend).service).name))
            .filter((n): n is string => !!n && !services.has(n))
            .map((n) => ({ resource: objectId(o), message: `backend service ${n} is not defined` })),
        );
    },
  },
  {
    id: 'OMRS-K8S-037',
    title: 'Services select pods',
    severity: 'medium',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'A Service whose selector matches no pod template has no endpoints.',
    fix: 'Make the Service selector match the pod template labels.',
    refs: { kubeScore: ['service-targets-pod'] },
    check: (ctx) => {
      const pods = workloads(ctx.objects);
      return ctx.objects
        .filter(
          (o) =>
            o.kind === 'Service' &&
            isRecord(rec(o.raw.spec).selector) &&
            Object.keys(rec(rec(o.raw.spec).selector)).length > 0,
        )
        .flatMap((o) =>
          pods.some((w) => serviceSelects(rec(o.raw.spec).selector, w.labels))
            ? []
            : [{ resource: objectId(o), message: 'its selector matches no pod template' }],
        );
    },
  },
  {
    id: 'OMRS-K8S-039',
    title: 'No cluster-admin or wildcard RBAC',
    severity: 'high',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'OpenMRS needs no Kubernetes permissions; a wildcard Role or cluster-admin binding hands over the cluster.',
    fix: 'Remove the binding, or list the exact verbs and resources needed.',
    refs: {
      polaris: ['clusterrolebindingClusterAdmin', 'rolebindingClusterAdminClusterRole'],
      checkov: ['CKV_K8S_49'],
      kubescape: ['C-0035'],
    },
    check: (ctx) =>
      ctx.objects.flatMap((o) => {
        if (
          (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') &&
          str(rec(o.raw.roleRef).name) === 'cluster-admin'
        )
          return [{ resource: objectId(o), message: 'binds cluster-admin' }];
        if (
          (o.kind === 'Role' || o.kind === 'ClusterRole') &&
          arr(o.raw.rules).some((r) =>
            ['verbs', 'resources', 'apiGroups'].some(
              (k) => k !== 'apiGroups' && arr(rec(r)[k]).includes('*'),
            ),
          )
        )
          return [{ resource: objectId(o), message: 'has a wildcard verb or resource' }];
        return [];
      }),
  },
  {
    id: 'OMRS-K8S-040',
    title: 'No deprecated API versions',
    severity: 'low',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'Removed API versions make the apply fail after a cluster upgrade.',
    fix: 'Use the stable apiVersion named in the finding.',
    refs: { kubeScore: ['stable-version'] },
    check: (ctx) =>
      ctx.objects
        .filter((o) => DEPRECATED_APIS[o.apiVersion])
        .map((o) => ({
          resource: objectId(o),
          message: `${o.apiVersion} is deprecated: use ${DEPRECATED_APIS[o.apiVersion]}`,
        })),
  },
];
