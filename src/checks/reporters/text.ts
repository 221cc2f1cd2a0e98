// The text report: findings grouped by severity, each with its fix; a summary line last.
import type { Colors } from 'picocolors/types.js';
import { SEVERITIES, type CheckReport, type Finding, type RuleMeta } from '../types.js';

const mark = (f: Finding, c: Colors): string =>
  f.status === 'fail' ? c.red('✖ FAIL') : f.status === 'warn' ? c.yellow('▲ WARN') : c.dim('○ WAIVED');

export function renderText(report: CheckReport, c: Colors): string {
  const lines: string[] = [];
  for (const s of report.scopes)
    lines.push(
      c.dim(s.skipped ? `${s.scope}: skipped (${s.skipped})` : `${s.scope}: ${s.rules} rules on ${s.target}`),
    );
  for (const severity of SEVERITIES) {
    const group = report.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push('', c.bold(`${severity.toUpperCase()} (${group.length})`));
    for (const f of group) {
      lines.push(`  ${mark(f, c)} ${c.bold(f.rule)} ${f.title}`);
      lines.push(
        `    ${f.resource}: ${f.message}${f.file ? c.dim(`  (${f.file}${f.line ? `:${f.line}` : ''})`) : ''}`,
      );
      if (f.status === 'waived' && f.waiver)
        lines.push(c.dim(`    waived until ${f.waiver.expires}: ${f.waiver.reason}`));
      else lines.push(c.dim(`    fix: ${f.fix}`));
    }
  }
  const { fail, warn, waived } = report.counts;
  lines.push(
    '',
    `${report.passed ? c.green('✔ gate passed') : c.red('✖ gate failed')} at level ${c.bold(report.level)}: ${fail} failing, ${warn} warnings, ${waived} waived`,
  );
  return lines.join('\n');
}

export function renderRuleList(rules: RuleMeta[], c: Colors): string {
  const rows = rules.map((r) => [r.id, r.severity, r.scope, r.levels.join(',') || '-', r.title, refsText(r)]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length), 6));
  const header =
    ['id', 'severity', 'scope', 'gates at'].map((h, i) => h.padEnd(widths[i]!)).join('  ') + '  title';
  return [
    c.bold(header),
    ...rows.map(
      (r) =>
        `${r
          .slice(0, 4)
          .map((v, i) => v.padEnd(widths[i]!))
          .join('  ')}  ${r[4]}${r[5] ? c.dim(`  [${r[5]}]`) : ''}`,
    ),
    '',
    c.dim(`${rules.length} rules. omrs check --explain <id> for the why and the fix.`),
  ].join('\n');
}

export const refsText = (r: RuleMeta): string =>
  Object.entries(r.refs ?? {})
    .filter(([, ids]) => ids && ids.length)
    .map(([tool, ids]) => `${tool}: ${(ids as string[]).join(', ')}`)
    .join('; ');

export function renderExplain(r: RuleMeta, c: Colors): string {
  return [
    `${c.bold(r.id)} ${r.title}`,
    `  ${c.dim('severity:')} ${r.severity}   ${c.dim('scope:')} ${r.scope}   ${c.dim('gates at:')} ${r.levels.join(', ') || 'never (warning only)'}`,
    `  ${c.dim('why:')}  ${r.why}`,
    `  ${c.dim('fix:')}  ${r.fix}`,
    ...(refsText(r) ? [`  ${c.dim('same as:')} ${refsText(r)}`] : []),
  ].join('\n');
}
