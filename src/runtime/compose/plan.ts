// What the translation produces: a runtime-neutral description of containers, volumes, files and
// one network. up.ts turns it into dockerode calls, export.ts into a compose file.

import type { Phase } from '../../render/workloads.js';

export type ProbeAction =
  | { type: 'http'; path: string; port: number; scheme: 'http' | 'https'; headers: Record<string, string> }
  | { type: 'tcp'; port: number }
  | { type: 'exec'; command: string[] };

export interface ProbePlan {
  action: ProbeAction;
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

export type Mount =
  /** A named docker volume (PVC, volumeClaimTemplate). */
  | { type: 'volume'; source: string; target: string; readOnly: boolean }
  /** A file or folder written under the env's files folder (Secret, ConfigMap), bind-mounted read-only. */
  | { type: 'bind'; source: string; target: string; readOnly: true }
  /**
   * An emptyDir: a folder of the pod under the env's scratch folder, created 0777 and emptied when
   * the pod is (re)created, shared by the pod's containers like the kubelet's emptyDir. (Docker's
   * tmpfs keeps the image folder's owner and mode, so non-root containers could not write to it.)
   */
  | { type: 'emptyDir'; volume: string; subPath?: string; target: string }
  /** An emptyDir with medium: Memory used by one container only. */
  | { type: 'tmpfs'; target: string; sizeBytes?: number }
  /** A folder of the Docker host, read-only (the log shipper reads the containers' log files). */
  | { type: 'host'; source: string; target: string; readOnly: true };

export interface ContainerPlan {
  /** The container's name inside its pod (Kubernetes). */
  name: string;
  image: string;
  pullPolicy: 'IfNotPresent' | 'Always' | 'Never';
  entrypoint?: string[];
  cmd?: string[];
  workingDir?: string;
  env: Record<string, string>;
  /** Where env values come from, for messages that must not print secrets: name → "Secret/x key y". */
  envSources: Record<string, string>;
  user?: string;
  groupAdd: string[];
  readOnlyRootfs: boolean;
  capAdd: string[];
  capDrop: string[];
  noNewPrivileges: boolean;
  privileged: boolean;
  memoryBytes?: number;
  nanoCpus?: number;
  mounts: Mount[];
  ports: number[];
  startupProbe?: ProbePlan;
  readinessProbe?: ProbePlan;
  livenessProbe?: ProbePlan;
}

/** The monitoring tools compose publishes on 127.0.0.1 beside the gateway (monitoring.enabled). */
export const PUBLISHED_TOOLS = ['prometheus', 'logs', 'grafana'] as const;
export type PublishedTool = (typeof PUBLISHED_TOOLS)[number];

/** What compose publishes on 127.0.0.1. */
export type Published = 'gateway' | PublishedTool;

export interface ServicePlan {
  /** Short name: the workload name without the release prefix ("db", "backend-default"). */
  name: string;
  /** The object it came from, e.g. "StatefulSet/dev-db". */
  source: string;
  kind: 'Deployment' | 'StatefulSet' | 'Job' | 'CronJob';
  phase: Phase;
  replicas: number;
  /** Network aliases: the names of the Services that select the pod, plus the StatefulSet pod DNS names. */
  aliases: string[];
  initContainers: ContainerPlan[];
  /** The first is the pod's network owner; the others join its network namespace. */
  containers: ContainerPlan[];
  /** The pod's component (app.kubernetes.io/component) and tenant (omrs.dev/tenant), where set. */
  component?: string;
  tenant?: string;
  /** Publish this container port on 127.0.0.1 (the gateway; Prometheus; the log store). */
  publish?: { as: Published; containerPort: number; hostPort: number };
  /** The pod's fsGroup: new volumes it writes to are given to that group (volume-group.ts). */
  fsGroup?: number;
  /** A CronJob's schedule, five fields of numbers (its steps run on it: scheduler.ts). */
  schedule?: string;
  /** A Job's retry budget. */
  backoffLimit?: number;
}

export interface FilePlan {
  /** Relative to the env's files folder. */
  path: string;
  content: Buffer;
  mode: number;
  uid?: number;
  gid?: number;
  /** The Secret key it holds (files of ConfigMaps have none): `compose export` never writes these. */
  secret?: { name: string; key: string };
}

export interface ComposePlan {
  env: string;
  network: string;
  volumes: string[];
  files: FilePlan[];
  services: ServicePlan[];
  skipped: { object: string; reason: string }[];
  warnings: string[];
}
