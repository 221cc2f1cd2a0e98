// The model of `omrs check`: rules, the findings they produce, and the report the gate decides on.
import type { KubeObject } from '../render/objects.js';
import type { TerraformModel } from './sources/terraform.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SCOPES = ['manifests', 'terraform', 'database', 'cluster'] as const;
export type Scope = (typeof SCOPES)[number];
export const LEVELS = ['dev', 'qa', 'prod'] as const;
export type Level = (typeof LEVELS)[number];

/** Ids of the same check in the scanners people already run (checks-reference.md). */
export interface RuleRefs {
  kubeScore?: string[];
  polaris?: string[];
  checkov?: string[];
  trivy?: string[];
  kubescape?: string[];
}

export interface RuleMeta {
  id: string;
  title: string;
  severity: Severity;
  scope: Scope;
  /** Levels at which a finding fails the gate; at other levels it is reported as a warning. */
  levels: readonly Level[];
  why: string;
  fix: string;
  refs?: RuleRefs;
}

/** What a rule reports: the object it is about and what is wrong, never patient data. */
export interface Hit {
  /** "Kind/name", "aws_db_instance.main", "users", "PersistentVolume/pv-1", … */
  resource: string;
  message: string;
  file?: string;
  line?: number;
}

export interface Rule<C> extends RuleMeta {
  check(context: C): Hit[] | Promise<Hit[]>;
}

export interface ManifestContext {
  objects: KubeObject[];
  level: Level;
  /** Image digests are resolved and pinned by `omrs promote` (profile images.pinDigests). */
  digestsPinnedAtPromotion: boolean;
}

export interface TerraformContext {
  model: TerraformModel;
  level: Level;
}

export type FindingStatus = 'fail' | 'warn' | 'waived';

export interface Finding extends Hit {
  rule: string;
  title: string;
  severity: Severity;
  scope: Scope;
  status: FindingStatus;
  fix: string;
  waiver?: { reason: string; expires: string };
}

export interface Waiver {
  rule: string;
  reason: string;
  expires: string;
}

export interface ScopeSummary {
  scope: Scope;
  /** What was checked: files, the rendered profile, a database, a context. */
  target: string;
  rules: number;
  skipped?: string;
}

export interface CheckReport {
  level: Level;
  passed: boolean;
  scopes: ScopeSummary[];
  findings: Finding[];
  counts: Record<FindingStatus, number>;
}
