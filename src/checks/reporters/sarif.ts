// SARIF 2.1.0: one run, the catalogue as the driver's rules, one result per finding. Waived
// findings carry an accepted suppression with the waiver's reason.
import type { Log, ReportingDescriptor, Result } from 'sarif';
import { packageVersion } from '../../package-info.js';
import { RULES } from '../rules/index.js';
import type { CheckReport, Finding, Severity } from '../types.js';
import { refsText } from './text.js';

const LEVEL: Record<Severity, Result.level> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
};
const SCORE: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' };

function result(f: Finding, index: Map<string, number>): Result {
  const location = f.file
    ? [
        {
          physicalLocation: {
            artifactLocation: { uri: f.file.split('\\').join('/') },
            ...(f.line && { region: { startLine: f.line } }),
          },
          logicalLocations: [{ fullyQualifiedName: f.resource }],
        },
      ]
    : [{ logicalLocations: [{ fullyQualifiedName: f.resource }] }];
  return {
    ruleId: f.rule,
    ...(index.has(f.rule) && { ruleIndex: index.get(f.rule)! }),
    level: f.status === 'warn' ? 'warning' : LEVEL[f.severity],
    message: { text: `${f.resource}: ${f.message}` },
    locations: location,
    properties: { status: f.status, severity: f.severity, scope: f.scope },
    ...(f.status === 'waived' &&
      f.waiver && {
        suppressions: [
          {
            kind: 'external',
            status: 'accepted',
            justification: `${f.waiver.reason} (expires ${f.waiver.expires})`,
          },
        ],
      }),
  };
}

export function toSarif(report: CheckReport): Log {
  const rules: ReportingDescriptor[] = RULES.map((r) => ({
    id: r.id,
    name: r.title.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : '')),
    shortDescription: { text: r.title },
    fullDescription: { text: r.why },
    help: { text: `${r.fix}${refsText(r) ? ` Same as ${refsText(r)}.` : ''}` },
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: {
      tags: [r.scope, ...r.levels.map((l) => `gate:${l}`)],
      'security-severity': SCORE[r.severity],
      precision: 'high',
    },
  }));
  const index = new Map(RULES.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'omrs check', version: packageVersion(), rules } },
        results: report.findings.map((f) => result(f, index)),
        invocations: [
          { executionSuccessful: true, properties: { level: report.level, passed: report.passed } },
        ],
      },
    ],
  };
}
