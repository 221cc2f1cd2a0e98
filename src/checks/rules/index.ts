// The rule catalogue: every rule of every scope, in a stable order.
import type { Rule, RuleMeta } from '../types.js';
import { clusterRules, type ClusterContext } from './cluster.js';
import { configRules } from './k8s-config.js';
import { securityRules } from './k8s-security.js';
import { workloadRules } from './k8s-workloads.js';
import { databaseRules, type DatabaseContext } from './database.js';
import { openmrsRules } from './openmrs-app.js';
import { terraformRules } from './terraform.js';
import { waiverRules } from './waivers.js';
import type { ManifestContext } from '../types.js';

const byId = <T extends RuleMeta>(rules: T[]): T[] => [...rules].sort((a, b) => a.id.localeCompare(b.id));

export const manifestRules: Rule<ManifestContext>[] = byId([
  ...workloadRules,
  ...securityRules,
  ...configRules,
  ...openmrsRules,
]);
export { terraformRules, databaseRules, clusterRules };
export type { ClusterContext, DatabaseContext };

export const RULES: RuleMeta[] = [
  ...manifestRules,
  ...byId(terraformRules),
  ...byId(databaseRules),
  ...byId(clusterRules),
  ...waiverRules,
];

export const findRule = (id: string): RuleMeta | undefined =>
  RULES.find((r) => r.id.toLowerCase() === id.toLowerCase());

/** Metadata only (what --list and --explain print). */
export const ruleMeta = (r: RuleMeta): RuleMeta => ({
  id: r.id,
  title: r.title,
  severity: r.severity,
  scope: r.scope,
  levels: r.levels,
  why: r.why,
  fix: r.fix,
  ...(r.refs && { refs: r.refs }),
});
