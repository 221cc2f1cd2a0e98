// Manifest rules: container and pod security settings.
import type { ManifestContext, Rule } from '../types.js';
import { arr, isRecord, rec, str } from '../../render/json.js';
import { effective, type PodContainer } from '../../render/workloads.js';
import { perContainer, perPod } from './workload-hits.js';

type R = Rule<ManifestContext>;

const caps = (c: PodContainer, key: 'add' | 'drop'): string[] =>
  arr(rec(c.securityContext.capabilities)[key]).map((v) => String(v).toUpperCase().replace(/^CAP_/, ''));
const DANGEROUS_CAPS = new Set([
  'ALL',
  'SYS_ADMIN',
  'NET_ADMIN',
  'SYS_PTRACE',
  'SYS_MODULE',
  'DAC_READ_SEARCH',
  'NET_RAW',
  'SYS_RAWIO',
  'BPF',
  'PERFMON',
]);
/** Images that cannot run with a read-only root file system, and why (documented in docs/checks.md). */
const WRITABLE_ROOT_IMAGES = /openmrs\/openmrs-(core|reference-application-3-backend)/;
/** The OpenMRS backend writes next to its distribution, whatever image (or mirror) runs it. */
const writesItsRoot = (w: { podMeta: { labels?: unknown } }, image: string | undefined): boolean =>
  rec(w.podMeta.labels)['omrs.dev/component'] === 'backend' || WRITABLE_ROOT_IMAGES.test(image ?? '');

export const securityRules: R[] = [
  {
    id: 'OMRS-K8S-006',
    title: 'Containers must not run as root',
    severity: 'high',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'A root process that escapes its container is root on the node.',
    fix: 'Set securityContext.runAsNonRoot: true (pod or container) and a non-zero runAsUser.',
    refs: {
      polaris: ['runAsRootAllowed'],
      checkov: ['CKV_K8S_23'],
      trivy: ['KSV-0012'],
      kubescape: ['C-0013'],
    },
    check: (ctx) =>
      perContainer(ctx, (w, c) =>
        effective(w, c, 'runAsUser') === 0
          ? 'runAsUser is 0'
          : effective(w, c, 'runAsNonRoot') !== true
            ? 'runAsNonRoot is not true'
            : undefined,
      ),
  },
  {
    id: 'OMRS-K8S-007',
    title: 'Containers run with a high user id (> 10000)',
    severity: 'low',
    scope: 'manifests',
    levels: ['prod'],
    why: 'Low UIDs collide with users of the node; a container escape then acts as a real host user.',
    fix: 'Set runAsUser (and runAsGroup) above 10000.',
    refs: { kubeScore: ['container-security-context-user-group-id'], checkov: ['CKV_K8S_40'] },
    check: (ctx) =>
      perContainer(ctx, (w, c) => {
        const uid = effective(w, c, 'runAsUser');
        const gid = effective(w, c, 'runAsGroup');
        return typeof uid !== 'number' || uid <= 10000
          ? `runAsUser is ${String(uid ?? 'unset')}`
          : typeof gid !== 'number' || gid <= 10000
            ? `runAsGroup is ${String(gid ?? 'unset')}`
            : undefined;
      }),
  },
  {
    id: 'OMRS-K8S-008',
    title: 'No privilege escalation',
    severity: 'high',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'setuid binaries can raise a process above the user it started as.',
    fix: 'Set securityContext.allowPrivilegeEscalation: false on every container.',
    refs: {
      polaris: ['privilegeEscalationAllowed'],
      checkov: ['CKV_K8S_20'],
      trivy: ['KSV-0001'],
      kubescape: ['C-0016'],
    },
    check: (ctx) =>
      perContainer(ctx, (_w, c) =>
        c.securityContext.allowPrivilegeEscalation !== false
          ? 'allowPrivilegeEscalation is not false'
          : undefined,
      ),
  },
  {
    id: 'OMRS-K8S-009',
    title: 'All capabilities dropped',
    severity: 'medium',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'Default capabilities (NET_RAW, CHOWN, …) are more than a web service needs.',
    fix: 'Set securityContext.capabilities.drop: [ALL] and add back only what is needed.',
    refs: { polaris: ['insecureCapabilities'], checkov: ['CKV_K8S_37', 'CKV_K8S_28'], kubescape: ['C-0046'] },
    check: (ctx) =>
      perContainer(ctx, (_w, c) =>
        !caps(c, 'drop').includes('ALL') ? 'capabilities.drop does not contain ALL' : undefined,
      ),
  },
  {
    id: 'OMRS-K8S-010',
    title: 'No dangerous capabilities added',
    severity: 'critical',
    scope: 'manifests',
    levels: ['dev', 'qa', 'prod'],
    why: 'SYS_ADMIN, NET_ADMIN and friends give a container near-root power over the node.',
    fix: 'Remove the capability from securityContext.capabilities.add.',
    refs: {
      polaris: ['dangerousCapabilities'],
      checkov: ['CKV_K8S_25', 'CKV_K8S_39'],
      kubescape: ['C-0046'],
    },
    check: (ctx) =>
      perContainer(ctx, (_w, c) => {
        const bad = caps(c, 'add').filter((cap) => DANGEROUS_CAPS.has(cap));
        return bad.length ? `adds ${bad.join(', ')}` : undefined;
      }),
  },
  {
    id: 'OMRS-K8S-011',
    title: 'Read-only root file system where possible',
    severity: 'medium',
    scope: 'manifests',
    levels: ['prod'],
    why: 'A writable root lets an attacker change binaries and configuration inside the container.',
    fix: 'Set readOnlyRootFilesystem: true and mount emptyDir volumes where the program writes. (The OpenMRS backend image is exempt: it writes its runtime properties next to its distribution.)',
    refs: {
      kubeScore: ['container-security-context-readonlyrootfilesystem'],
      polaris: ['notReadOnlyRootFilesystem'],
      checkov: ['CKV_K8S_22'],
      trivy: ['KSV-0014'],
      kubescape: ['C-0017'],
    },
    check: (ctx) =>
      perContainer(ctx, (w, c) =>
        c.securityContext.readOnlyRootFilesystem !== true && !writesItsRoot(w, str(c.spec.image))
          ? 'readOnlyRootFilesystem is not true'
          : undefined,
      ),
  },
  {
    id: 'OMRS-K8S-012',
    title: 'seccomp profile RuntimeDefault',
    severity: 'medium',
    scope: 'manifests',
    levels: ['prod'],
    why: 'Without a seccomp profile every system call is allowed, including rarely needed dangerous ones.',
    fix: 'Set securityContext.seccompProfile.type: RuntimeDefault on the pod.',
    refs: {
      kubeScore: ['container-seccomp-profile'],
      polaris: ['linuxHardening'],
      checkov: ['CKV_K8S_31', 'CKV_K8S_32'],
      kubescape: ['C-0055'],
    },
    check: (ctx) =>
      perContainer(ctx, (w, c) => {
        const type = str(rec(effective(w, c, 'seccompProfile')).type);
        const annotated = str(rec(w.podMeta.annotations)['seccomp.security.alpha.kubernetes.io/pod']);
        return type === 'RuntimeDefault' || type === 'Localhost' || annotated === 'runtime/default'
          ? undefined
          : `seccompProfile is ${type ?? 'unset'}`;
      }),
  },
  {
    id: 'OMRS-K8S-013',
    title: 'No privileged containers',
    severity: 'critical',
    scope: 'manifests',
    levels: ['dev', 'qa', 'prod'],
    why: 'A privileged container has every device and capability of the node.',
    fix: 'Remove securityContext.privileged: true.',
    refs: {
      kubeScore: ['container-security-context-privileged'],
      polaris: ['runAsPrivileged'],
      checkov: ['CKV_K8S_16'],
      trivy: ['KSV-0017'],
      kubescape: ['C-0057'],
    },
    check: (ctx) =>
      perContainer(ctx, (_w, c) => (c.securityContext.privileged === true ? 'privileged: true' : undefined)),
  },
  {
    id: 'OMRS-K8S-014',
    title: 'No host network, PID or IPC namespace',
    severity: 'critical',
    scope: 'manifests',
    levels: ['dev', 'qa', 'prod'],
    why: "Sharing the node's namespaces exposes its processes and network to the pod.",
    fix: 'Remove hostNetwork, hostPID and hostIPC from the pod spec.',
    refs: {
      polaris: ['hostNetworkSet', 'hostPIDSet', 'hostIPCSet'],
      checkov: ['CKV_K8S_17', 'CKV_K8S_18', 'CKV_K8S_19'],
      kubescape: ['C-0038', 'C-0041'],
    },
    check: (ctx) =>
      perPod(ctx, (w) => {
        const set = ['hostNetwork', 'hostPID', 'hostIPC'].filter((k) => w.pod[k] === true);
        return set.length ? `${set.join(', ')} set` : undefined;
      }),
  },
  {
    id: 'OMRS-K8S-015',
    title: 'No hostPath volumes',
    severity: 'high',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: "hostPath mounts expose the node's file system (the docker socket, kubelet credentials).",
    fix: 'Use a PersistentVolumeClaim, emptyDir, ConfigMap or Secret volume instead.',
    refs: { polaris: ['hostPathSet'], checkov: ['CKV_K8S_27'] },
    check: (ctx) =>
      perPod(ctx, (w) => {
        const paths = arr(w.pod.volumes)
          .filter(isRecord)
          .filter((v) => v.hostPath !== undefined)
          .map((v) => str(rec(v.hostPath).path) ?? '?');
        return paths.length ? `hostPath volume(s): ${paths.join(', ')}` : undefined;
      }),
  },
  {
    id: 'OMRS-K8S-016',
    title: 'No hostPort',
    severity: 'medium',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: "hostPort binds the node's port, bypasses NetworkPolicy and limits scheduling.",
    fix: 'Expose the container through a Service instead of hostPort.',
    refs: { polaris: ['hostPortSet'], checkov: ['CKV_K8S_26'], kubescape: ['C-0044'] },
    check: (ctx) =>
      perContainer(ctx, (_w, c) =>
        arr(c.spec.ports).some((p) => rec(p).hostPort !== undefined) ? 'sets hostPort' : undefined,
      ),
  },
  {
    id: 'OMRS-K8S-017',
    title: 'No service account token automount',
    severity: 'medium',
    scope: 'manifests',
    levels: ['prod'],
    why: 'OpenMRS never talks to the Kubernetes API; a mounted token only helps an attacker.',
    fix: 'Set automountServiceAccountToken: false on the pod (or its ServiceAccount).',
    refs: { polaris: ['automountServiceAccountToken'], checkov: ['CKV_K8S_38'], kubescape: ['C-0034'] },
    check: (ctx) => {
      const saOff = new Set(
        ctx.objects
          .filter((o) => o.kind === 'ServiceAccount' && o.raw.automountServiceAccountToken === false)
          .map((o) => o.metadata.name),
      );
      return perPod(ctx, (w) => {
        if (w.pod.automountServiceAccountToken === false) return undefined;
        if (
          w.pod.automountServiceAccountToken === undefined &&
          saOff.has(str(w.pod.serviceAccountName) ?? 'default')
        )
          return undefined;
        return 'the service account token is mounted';
      });
    },
  },
  {
    id: 'OMRS-K8S-018',
    title: 'Own service account, not default',
    severity: 'low',
    scope: 'manifests',
    levels: ['prod'],
    why: 'Permissions granted to "default" reach every pod of the namespace.',
    fix: 'Create a ServiceAccount per component and set serviceAccountName.',
    refs: { checkov: ['CKV_K8S_41', 'CKV_K8S_42'] },
    check: (ctx) =>
      perPod(ctx, (w) =>
        (str(w.pod.serviceAccountName) ?? 'default') === 'default'
          ? 'uses the default service account'
          : undefined,
      ),
  },
];
