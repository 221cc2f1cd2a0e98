// Manifest rules: resources, probes, images, availability.
import type { ManifestContext, Rule } from '../types.js';
import { arr, rec, str } from '../../render/json.js';
import {
  LONG_RUNNING,
  selectorMatches,
  workloads,
  type PodContainer,
  type Workload,
} from '../../render/workloads.js';
import { perContainer, workloadHit as hit } from './workload-hits.js';

type R = Rule<ManifestContext>;

/** The app containers of long-running workloads: the ones that serve traffic. */
const serving = (w: Workload, c: PodContainer): boolean => LONG_RUNNING.has(w.kind) && !c.init;

/** Image reference parts: a tag (after the last ":" of the last path segment) and a digest. */
export function parseImage(image: string): { tag?: string; digest?: string } {
  const [name, digest] = image.split('@');
  const last = (name ?? '').split('/').pop() ?? '';
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : undefined;
  return { ...(tag && { tag }), ...(digest && { digest }) };
}

const probeKey = (p: unknown): string => JSON.stringify(rec(p), Object.keys(rec(p)).sort());

export const workloadRules: R[] = [
  {
    id: 'OMRS-K8S-001',
    title: 'CPU and memory requests and limits set',
    severity: 'high',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'Without requests the scheduler overcommits nodes; without limits one pod can starve the others.',
    fix: 'Set resources.requests and resources.limits for cpu and memory on every container (profile: resources.<service>).',
    refs: {
      kubeScore: ['container-resources'],
      polaris: ['cpuRequestsMissing', 'cpuLimitsMissing', 'memoryRequestsMissing', 'memoryLimitsMissing'],
      checkov: ['CKV_K8S_10', 'CKV_K8S_11', 'CKV_K8S_12', 'CKV_K8S_13'],
      trivy: ['KSV-0011', 'KSV-0018'],
      kubescape: ['C-0270', 'C-0271'],
    },
    check: (ctx) =>
      perContainer(ctx, (_w, c) => {
        const r = rec(c.spec.resources);
        const missing = (['requests', 'limits'] as const).flatMap((k) =>
          ['cpu', 'memory'].filter((res) => rec(r[k])[res] === undefined).map((res) => `${k}.${res}`),
        );
        return missing.length ? `missing ${missing.join(', ')}` : undefined;
      }),
  },
  {
    id: 'OMRS-K8S-002',
    title: 'Ephemeral storage requests and limits set',
    severity: 'low',
    scope: 'manifests',
    levels: ['prod'],
    why: 'A container filling the node disk with logs or temp files gets the whole node evicted.',
    fix: 'Set resources.requests and resources.limits for ephemeral-storage.',
    refs: { kubeScore: ['container-ephemeral-storage-request-and-limit'] },
    check: (ctx) =>
      perContainer(ctx, (_w, c) => {
        const r = rec(c.spec.resources);
        return rec(r.requests)['ephemeral-storage'] === undefined ||
          rec(r.limits)['ephemeral-storage'] === undefined
          ? 'ephemeral-storage request or limit missing'
          : undefined;
      }),
  },
  {
    id: 'OMRS-K8S-003',
    title: 'Readiness probe set',
    severity: 'high',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'Without a readiness probe traffic reaches OpenMRS while it still runs Liquibase and loads modules.',
    fix: 'Add a readinessProbe (backend: GET /openmrs/health/started).',
    refs: { kubeScore: ['pod-probes'], polaris: ['readinessProbeMissing'], checkov: ['CKV_K8S_9'] },
    check: (ctx) =>
      perContainer(
        ctx,
        (_w, c) => (c.spec.readinessProbe === undefined ? 'no readinessProbe' : undefined),
        serving,
      ),
  },
  {
    id: 'OMRS-K8S-004',
    title: 'Liveness probe set',
    severity: 'medium',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'A hung JVM is never restarted without a liveness probe.',
    fix: 'Add a livenessProbe (backend: GET /openmrs/health/alive, frontend and gateway: TCP).',
    refs: { kubeScore: ['pod-probes'], polaris: ['livenessProbeMissing'], checkov: ['CKV_K8S_8'] },
    check: (ctx) =>
      perContainer(
        ctx,
        (_w, c) => (c.spec.livenessProbe === undefined ? 'no livenessProbe' : undefined),
        serving,
      ),
  },
  {
    id: 'OMRS-K8S-005',
    title: 'Readiness and liveness probes differ',
    severity: 'medium',
    scope: 'manifests',
    levels: ['prod'],
    why: 'Identical probes restart a pod that is only busy (e.g. during a long request), cascading outages.',
    fix: 'Give the liveness probe a cheaper check or a longer failure threshold than the readiness probe.',
    refs: { kubeScore: ['pod-probes-identical'] },
    check: (ctx) =>
      perContainer(
        ctx,
        (_w, c) =>
          c.spec.readinessProbe !== undefined &&
          c.spec.livenessProbe !== undefined &&
          probeKey(c.spec.readinessProbe) === probeKey(c.spec.livenessProbe)
            ? 'readiness and liveness probes are identical'
            : undefined,
        serving,
      ),
  },
  {
    id: 'OMRS-K8S-019',
    title: 'Every workload is covered by a NetworkPolicy',
    severity: 'high',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'Without a policy any pod in the cluster can reach the backend and the database.',
    fix: 'Add a NetworkPolicy whose podSelector selects the pods, with ingress and egress rules.',
    refs: { kubeScore: ['pod-networkpolicy'], polaris: ['missingNetworkPolicy'], kubescape: ['C-0030'] },
    check: (ctx) => {
      const policies = ctx.objects.filter((o) => o.kind === 'NetworkPolicy');
      return workloads(ctx.objects).flatMap((w) => {
        const covering = policies.filter(
          (p) =>
            (p.metadata.namespace ?? '') === (w.object.metadata.namespace ?? '') &&
            selectorMatches(rec(p.raw.spec).podSelector, w.labels),
        );
        const types = new Set(
          covering.flatMap((p) => {
            const spec = rec(p.raw.spec);
            const declared = arr(spec.policyTypes).map(String);
            return declared.length ? declared : ['Ingress', ...(spec.egress !== undefined ? ['Egress'] : [])];
          }),
        );
        if (covering.length === 0) return [hit(w, 'no NetworkPolicy selects its pods')];
        const missing = ['Ingress', 'Egress'].filter((t) => !types.has(t));
        return missing.length ? [hit(w, `NetworkPolicies cover no ${missing.join(' or ')} traffic`)] : [];
      });
    },
  },
  {
    id: 'OMRS-K8S-020',
    title: 'PodDisruptionBudget for each replicated workload',
    severity: 'medium',
    scope: 'manifests',
    levels: ['prod'],
    why: 'Node drains (upgrades, autoscaling) may otherwise take every replica down at once.',
    fix: 'Add a PodDisruptionBudget with maxUnavailable: 1 selecting the pods.',
    refs: {
      kubeScore: ['deployment-has-poddisruptionbudget', 'statefulset-has-poddisruptionbudget'],
      polaris: ['missingPodDisruptionBudget'],
    },
    check: (ctx) => {
      const pdbs = ctx.objects.filter((o) => o.kind === 'PodDisruptionBudget');
      return workloads(ctx.objects)
        .filter((w) => w.kind === 'Deployment' || w.kind === 'StatefulSet')
        .flatMap((w) =>
          pdbs.some(
            (p) =>
              (p.metadata.namespace ?? '') === (w.object.metadata.namespace ?? '') &&
              selectorMatches(rec(p.raw.spec).selector, w.labels),
          )
            ? []
            : [hit(w, 'no PodDisruptionBudget selects its pods')],
        );
    },
  },
  {
    id: 'OMRS-K8S-038',
    title: 'PodDisruptionBudget allows a disruption',
    severity: 'medium',
    scope: 'manifests',
    levels: ['prod'],
    why: 'A PDB without a policy, or with maxUnavailable 0, blocks node drains forever.',
    fix: 'Set maxUnavailable: 1 (or a minAvailable below the replica count).',
    refs: { kubeScore: ['poddisruptionbudget-has-policy'], polaris: ['pdbDisruptionsIsZero'] },
    check: (ctx) =>
      ctx.objects
        .filter((o) => o.kind === 'PodDisruptionBudget')
        .flatMap((o) => {
          const spec = rec(o.raw.spec);
          const ref = `PodDisruptionBudget/${o.metadata.name}`;
          if (spec.minAvailable === undefined && spec.maxUnavailable === undefined)
            return [{ resource: ref, message: 'neither minAvailable nor maxUnavailable is set' }];
          if (spec.maxUnavailable === 0 || spec.maxUnavailable === '0%' || spec.minAvailable === '100%')
            return [{ resource: ref, message: 'allows no disruption' }];
          return [];
        }),
  },
  {
    id: 'OMRS-K8S-021',
    title: 'Replicated backends have session affinity',
    severity: 'high',
    scope: 'manifests',
    levels: ['prod'],
    why: 'OpenMRS keeps the HTTP session in the memory of the backend pod that created it: with more than one replica and no affinity, a logged-in user is logged out whenever a request reaches another pod.',
    fix: 'Set sessionAffinity: ClientIP on the backend Service (the chart does when replicas.backend > 1 or autoscaling is on), or run one backend replica.',
    refs: {},
    check: (ctx) => {
      const autoscaled = new Set(
        ctx.objects
          .filter((o) => o.kind === 'HorizontalPodAutoscaler' && Number(rec(o.raw.spec).maxReplicas ?? 1) > 1)
          .map((o) => str(rec(rec(o.raw.spec).scaleTargetRef).name)),
      );
      const services = ctx.objects.filter((o) => o.kind === 'Service');
      return workloads(ctx.objects)
        .filter(
          (w) =>
            w.labels['omrs.dev/component'] === 'backend' &&
            ((w.replicas ?? 1) > 1 || autoscaled.has(w.object.metadata.name)),
        )
        .flatMap((w) =>
          services
            .filter((s) => {
              const selector = rec(rec(s.raw.spec).selector);
              return Object.keys(selector).length > 0 && selectorMatches({ matchLabels: selector }, w.labels);
            })
            .filter((s) => rec(s.raw.spec).sessionAffinity !== 'ClientIP')
            .map((s) =>
              hit(
                w,
                `${autoscaled.has(w.object.metadata.name) ? 'autoscaled' : `${w.replicas} replicas`} behind Service/${s.metadata.name}, which has no session affinity`,
              ),
            ),
        );
    },
  },
  {
    id: 'OMRS-K8S-022',
    title: 'Replicas spread across nodes',
    severity: 'medium',
    scope: 'manifests',
    levels: ['prod'],
    why: 'Replicas on one node fail together.',
    fix: 'Add podAntiAffinity on kubernetes.io/hostname or topologySpreadConstraints.',
    refs: {
      kubeScore: [
        'deployment-has-host-podantiaffinity',
        'statefulset-has-host-podantiaffinity',
        'pod-topology-spread-constraints',
      ],
      polaris: ['topologySpreadConstraint'],
    },
    check: (ctx) =>
      workloads(ctx.objects)
        .filter((w) => (w.kind === 'Deployment' || w.kind === 'StatefulSet') && (w.replicas ?? 1) > 1)
        .flatMap((w) => {
          const anti = rec(rec(w.pod.affinity).podAntiAffinity);
          const hasAnti =
            arr(anti.requiredDuringSchedulingIgnoredDuringExecution).length > 0 ||
            arr(anti.preferredDuringSchedulingIgnoredDuringExecution).length > 0;
          return hasAnti || arr(w.pod.topologySpreadConstraints).length > 0
            ? []
            : [hit(w, 'no podAntiAffinity or topologySpreadConstraints')];
        }),
  },
  {
    id: 'OMRS-K8S-023',
    title: 'Images have an explicit tag, not latest',
    severity: 'high',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: '"latest" or no tag means a restart can run different code than what was tested.',
    fix: 'Use a version tag (and a digest in prod): openmrs/openmrs-reference-application-3-backend:3.4.0.',
    refs: {
      kubeScore: ['container-image-tag'],
      polaris: ['tagNotSpecified'],
      checkov: ['CKV_K8S_14'],
      trivy: ['KSV-0013'],
    },
    check: (ctx) =>
      perContainer(ctx, (_w, c) => {
        const image = str(c.spec.image) ?? '';
        const { tag, digest } = parseImage(image);
        if (digest) return undefined;
        return !tag
          ? `image ${image || '(none)'} has no tag`
          : tag === 'latest'
            ? `image ${image} uses latest`
            : undefined;
      }),
  },
  {
    id: 'OMRS-K8S-024',
    title: 'Images pinned by digest in production',
    severity: 'high',
    scope: 'manifests',
    levels: ['prod'],
    why: 'Tags move; only a digest guarantees prod runs the bytes QA tested.',
    fix: 'Set images.pinDigests: true and promote with `omrs promote` (it resolves tags to digests), or write image@sha256:… in the profile.',
    refs: { checkov: ['CKV_K8S_43'] },
    check: (ctx) =>
      ctx.digestsPinnedAtPromotion
        ? []
        : perContainer(ctx, (_w, c) =>
            parseImage(str(c.spec.image) ?? '').digest
              ? undefined
              : `image ${str(c.spec.image) ?? '(none)'} is not pinned by digest`,
          ),
  },
  {
    id: 'OMRS-K8S-025',
    title: 'imagePullPolicy IfNotPresent in production',
    severity: 'low',
    scope: 'manifests',
    levels: ['prod'],
    why: 'With digest-pinned images, Always only adds a registry round trip to every start and makes a registry outage stop restarts; Never breaks new nodes.',
    fix: 'Set images.pullPolicy: IfNotPresent (images pinned by digest).',
    refs: {},
    check: (ctx) =>
      perContainer(ctx, (_w, c) => {
        const policy = str(c.spec.imagePullPolicy);
        return policy === 'IfNotPresent'
          ? undefined
          : `imagePullPolicy is ${policy ?? 'unset (Always for :latest)'}`;
      }),
  },
  {
    id: 'OMRS-K8S-032',
    title: 'CronJobs have a starting deadline',
    severity: 'low',
    scope: 'manifests',
    levels: ['prod'],
    why: 'Without startingDeadlineSeconds a controller outage can make the backup CronJob stop scheduling.',
    fix: 'Set spec.startingDeadlineSeconds (e.g. 3600).',
    refs: { kubeScore: ['cronjob-has-deadline'] },
    check: (ctx) =>
      ctx.objects
        .filter((o) => o.kind === 'CronJob' && rec(o.raw.spec).startingDeadlineSeconds === undefined)
        .map((o) => ({ resource: `CronJob/${o.metadata.name}`, message: 'no startingDeadlineSeconds' })),
  },
];
