// Names, labels and annotations of omrs on a cluster: one namespace per environment.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../../profile/digest.js';
import { chartDir } from '../../render/helm.js';
import { digestLabel, labelValue } from '../../render/values.js';

export const KLABEL = {
  env: 'omrs.dev/env',
  profile: 'omrs.dev/profile',
  appDigest: 'omrs.dev/app-digest',
  managedBy: 'app.kubernetes.io/managed-by',
  disposable: 'omrs.dev/disposable',
  expires: 'omrs.dev/expires',
  owner: 'omrs.dev/owner',
  runtime: 'omrs.dev/runtime',
} as const;

export const KANNOTATION = {
  releaseHash: 'omrs.dev/release-hash',
  releaseRevision: 'omrs.dev/release-revision',
  /** The replicas of the release's Deployments and StatefulSets, JSON (src/runtime/kube/drift.ts). */
  workloads: 'omrs.dev/workloads',
  appDigest: 'omrs.dev/app-digest',
  owner: 'omrs.dev/owner',
  created: 'omrs.dev/created',
  expires: 'omrs.dev/expires',
  state: 'omrs.dev/state',
  url: 'omrs.dev/url',
} as const;

export const MANAGED_BY = 'omrs';

/** The chart prefixes every object with the release name; a service is the part after it. */
export const serviceName = (env: string, workload: string): string =>
  workload.startsWith(`${env}-`) ? workload.slice(env.length + 1) : workload;

export function namespaceLabels(env: string, profile: string, appDigest: string): Record<string, string> {
  return {
    [KLABEL.env]: labelValue(env),
    [KLABEL.profile]: labelValue(profile),
    [KLABEL.appDigest]: digestLabel(appDigest),
    [KLABEL.managedBy]: MANAGED_BY,
  };
}

let chartHash: string | undefined;

/** sha256 over every file of the chart (path + content): a changed template changes the release hash. */
export function chartFilesHash(dir = chartDir()): string {
  if (chartHash && dir === chartDir()) return chartHash;
  const hash = createHash('sha256');
  const walk = (d: string, rel: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path, `${rel}${entry.name}/`);
      else if (entry.isFile()) hash.update(`${rel}${entry.name}\0`).update(readFileSync(path)).update('\0');
    }
  };
  walk(dir, '');
  const result = hash.digest('hex');
  if (dir === chartDir()) chartHash = result;
  return result;
}

/** What a release is made of: the values and the chart. Equal hash = nothing to do. */
export const releaseHash = (values: unknown, namespace: string, chart = chartFilesHash()): string =>
  createHash('sha256').update(canonicalJson({ values, namespace, chart })).digest('hex').slice(0, 32);
