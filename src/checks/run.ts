// Runs the rules of each scope on what was gathered, applies waivers and decides the gate.
import type { KubeObject } from '../render/objects.js';
import {
  clusterRules,
  databaseRules,
  findRule,
  manifestRules,
  terraformRules,
  type ClusterContext,
  type DatabaseContext,
} from './rules/index.js';
import { EXPIRED_WAIVER, UNKNOWN_WAIVER } from './rules/waivers.js';
import type { TerraformModel } from './sources/terraform.js';
import type {
  CheckReport,
  Finding,
  FindingStatus,
  Hit,
  Level,
  Rule,
  RuleMeta,
  Scope,
  ScopeSummary,
  Waiver,
} from './types.js';
import { SEVERITIES } from './types.js';

export interface Inputs {
  manifests?: { objects: KubeObject[]; target: string; digestsPinnedAtPromotion?: boolean };
  terraform?: { model: TerraformModel; target: string };
  /** One per database; `label` names the database in each finding's resource (several tenants). */
  databases?: { context: DatabaseContext; target: string; label?: string }[];
  cluster?: { context: ClusterContext; target: string };
  skipped?: { scope: Scope; reason: string }[];
}

export interface Evaluation {
  level: Level;
  waivers: Waiver[];
  now: Date;
  /** Only these rule ids (e.g. a test of one rule); default all. */
  only?: string[];
}

async function runRules<C>(
  rules: Rule<C>[],
  context: C,
  level: Level,
  only: string[] | undefined,
): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const rule of rules) {
    if (only && !only.includes(rule.id)) continue;
    const hits = await rule.check(context);
    for (const h of hits) out.push(toFinding(rule, h, rule.levels.includes(level) ? 'fail' : 'warn'));
  }
  return out;
}

function toFinding(rule: RuleMeta, hit: Hit, status: FindingStatus): Finding {
  return {
    rule: rule.id,
    title: rule.title,
    severity: rule.severity,
    scope: rule.scope,
    status,
    fix: rule.fix,
    ...hit,
  };
}

/** A waiver is valid through the whole of its expiry day (UTC). */
export const waiverExpired = (w: Waiver, now: Date): boolean =>
  now.getTime() >= Date.parse(`${w.expires}T00:00:00Z`) + 86_400_000;

export function applyWaivers(findings: Finding[], waivers: Waiver[], level: Level, now: Date): Finding[] {
  const out = [...findings];
  const active = new Map<string, Waiver>();
  waivers.forEach((w, i) => {
    const rule = findRule(w.rule);
    const where = `checks.waivers[${i}]`;
    if (!rule)
      out.push(
        toFinding(
          findRule(UNKNOWN_WAIVER)!,
          { resource: where, message: `waiver for unknown rule ${w.rule}` },
          findRule(UNKNOWN_WAIVER)!.levels.includes(level) ? 'fail' : 'warn',
        ),
      );
    else if (waiverExpired(w, now))
      out.push(
        toFinding(
          findRule(EXPIRED_WAIVER)!,
          {
            resource: where,
            message: `waiver for ${rule.id} expired on ${w.expires} (reason was: ${w.reason})`,
          },
          'fail',
        ),
      );
    else active.set(rule.id, w);
  });
  return out.map((f) => {
    const w = active.get(f.rule);
    return w && f.status !== 'waived'
      ? { ...f, status: 'waived' as const, waiver: { reason: w.reason, expires: w.expires } }
      : f;
  });
}

const order = (f: Finding): number => SEVERITIES.indexOf(f.severity);

export async function evaluate(inputs: Inputs, options: Evaluation): Promise<CheckReport> {
  const { level, only } = options;
  const scopes: ScopeSummary[] = [];
  let findings: Finding[] = [];
  if (inputs.manifests) {
    const ctx = {
      objects: inputs.manifests.objects,
      level,
      digestsPinnedAtPromotion: inputs.manifests.digestsPinnedAtPromotion === true,
    };
    // Rules name objects as Kind/name; point each finding at the file that defines the object.
    const sources = new Map(
      inputs.manifests.objects
        .filter((o) => o.source)
        .map((o) => [`${o.kind}/${o.metadata.name}`, o.source!]),
    );
    findings.push(
      ...(await runRules(manifestRules, ctx, level, only)).map((f) =>
        f.file || !sources.has(f.resource) ? f : { ...f, file: sources.get(f.resource)! },
      ),
    );
    scopes.push({ scope: 'manifests', target: inputs.manifests.target, rules: manifestRules.length });
  }
  if (inputs.terraform) {
    findings.push(...(await runRules(terraformRules, { model: inputs.terraform.model, level }, level, only)));
    scopes.push({ scope: 'terraform', target: inputs.terraform.target, rules: terraformRules.length });
  }
  for (const db of inputs.databases ?? []) {
    const found = await runRules(databaseRules, db.context, level, only);
    findings.push(
      ...(db.label ? found.map((f) => ({ ...f, resource: `${db.label}: ${f.resource}` })) : found),
    );
    scopes.push({ scope: 'database', target: db.target, rules: databaseRules.length });
  }
  if (inputs.cluster) {
    findings.push(...(await runRules(clusterRules, inputs.cluster.context, level, only)));
    scopes.push({ scope: 'cluster', target: inputs.cluster.target, rules: clusterRules.length });
  }
  for (const s of inputs.skipped ?? [])
    scopes.push({ scope: s.scope, target: '', rules: 0, skipped: s.reason });
  findings = applyWaivers(findings, options.waivers, level, options.now).sort(
    (a, b) => order(a) - order(b) || a.rule.localeCompare(b.rule) || a.resource.localeCompare(b.resource),
  );
  const counts = { fail: 0, warn: 0, waived: 0 } satisfies Record<FindingStatus, number>;
  for (const f of findings) counts[f.status]++;
  return { level, passed: counts.fail === 0, scopes, findings, counts };
}
