// `c`: the gate of a profile as `omrs check --profile p` computes it. Findings grouped by
// severity, each with its rule, object and fix (or the waiver's reason); f filters by scope; enter
// explains the selected finding's rule; the gate verdict last.
import { useRef, useState } from 'react';
import { Box, Text, useInput, useStdout } from 'ink';
import type { CheckReport, Finding, RuleMeta, Scope } from '../../checks/types.js';
import { KeyBar } from '../components/key-bar.js';
import { scrolled } from './environments-panel.js';
import { ErrorInPlace } from './job.js';
import { useLoadable } from './loadable.js';
import { Panel } from './panel.js';

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low'] as const;
const SCOPE_FILTERS: readonly (Scope | 'all')[] = ['all', 'manifests', 'terraform', 'database', 'cluster'];

type Row = { kind: 'group'; severity: string; count: number } | { kind: 'finding'; finding: Finding };

/** The findings of one scope (or all), grouped by severity: a header row, then its findings. */
export function checkRows(report: CheckReport, scope: Scope | 'all'): Row[] {
  const shown = report.findings.filter((f) => scope === 'all' || f.scope === scope);
  return SEVERITY_ORDER.flatMap((severity): Row[] => {
    const group = shown.filter((f) => f.severity === severity);
    return group.length === 0
      ? []
      : [
          { kind: 'group', severity, count: group.length },
          ...group.map((finding) => ({ kind: 'finding' as const, finding })),
        ];
  });
}

const MARK: Record<Finding['status'], { icon: string; color: string; label: string }> = {
  fail: { icon: '✖', color: 'red', label: 'FAIL' },
  warn: { icon: '▲', color: 'yellow', label: 'WARN' },
  waived: { icon: '○', color: 'gray', label: 'WAIVED' },
};

export interface ChecksViewProps {
  profile: string;
  report: CheckReport;
  explain: (rule: string) => Promise<RuleMeta>;
  onBack: () => void;
}

export const ChecksView = ({ profile, report, explain, onBack }: ChecksViewProps) => {
  const { stdout } = useStdout();
  const [view, setView] = useState({ cursor: 0, filter: 0, explaining: undefined as string | undefined });
  // Keys can arrive faster than React renders: each one sees what the previous one left.
  const latest = useRef(view);
  const update = (next: typeof view) => {
    latest.current = next;
    setView(next);
  };
  const scope = SCOPE_FILTERS[view.filter]!;
  const rows = checkRows(report, scope);
  const findings = rows.flatMap((r) => (r.kind === 'finding' ? [r.finding] : []));
  const selected = findings[Math.min(view.cursor, findings.length - 1)];

  useInput((input, key) => {
    const current = latest.current;
    if (current.explaining !== undefined) {
      if (key.escape || key.return || input === 'q') update({ ...current, explaining: undefined });
      return;
    }
    if (key.escape || input === 'q' || (key.ctrl && input === 'c')) return onBack();
    const count = checkRows(report, SCOPE_FILTERS[current.filter]!).filter(
      (r) => r.kind === 'finding',
    ).length;
    const by = key.upArrow || input === 'k' ? -1 : key.downArrow || input === 'j' ? 1 : 0;
    if (by !== 0)
      return update({ ...current, cursor: Math.max(0, Math.min(count - 1, current.cursor + by)) });
    if (input === 'f')
      return update({ ...current, cursor: 0, filter: (current.filter + 1) % SCOPE_FILTERS.length });
    const rule = checkRows(report, SCOPE_FILTERS[current.filter]!).flatMap((r) =>
      r.kind === 'finding' ? [r.finding.rule] : [],
    )[current.cursor];
    if (key.return && rule) update({ ...current, explaining: rule });
  });

  // What is left of the terminal for the list: the rest is the title, scopes, details and keys.
  const listRows = Math.max(4, (stdout.rows || 24) - 11 - report.scopes.length);
  const at = rows.findIndex((r) => r.kind === 'finding' && r.finding === selected);
  const { visible, above, below } = scrolled(rows, Math.max(0, at), listRows);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>Checks · {profile}</Text> <Text dimColor>at level</Text> <Text bold>{report.level}</Text>
        <Text dimColor> · scope: </Text>
        <Text color="cyan">{scope}</Text>
      </Text>
      {report.scopes.map((s) => (
        <Text key={s.scope} dimColor wrap="truncate-end">
          {s.skipped ? `${s.scope}: skipped (${s.skipped})` : `${s.scope}: ${s.rules} rules on ${s.target}`}
        </Text>
      ))}
      {view.explaining !== undefined ? (
        <Explanation rule={view.explaining} explain={explain} />
      ) : (
        <>
          <Box flexDirection="column" marginTop={1}>
            {rows.length === 0 && <Text dimColor>No findings{scope === 'all' ? '' : ` in ${scope}`}.</Text>}
            {above > 0 && <Text dimColor> ↑ {above} more</Text>}
            {visible.map((row, i) =>
              row.kind === 'group' ? (
                <Text key={`g-${row.severity}`} bold>
                  {row.severity.toUpperCase()} ({row.count})
                </Text>
              ) : (
                <FindingRow key={i} finding={row.finding} selected={row.finding === selected} />
              ),
            )}
            {below > 0 && <Text dimColor> ↓ {below} more</Text>}
          </Box>
          {selected && <FindingDetails finding={selected} />}
        </>
      )}
      <Verdict report={report} />
      <KeyBar
        keys={
          view.explaining !== undefined
            ? [{ keys: 'esc', label: 'back to the findings' }]
            : [
                { keys: '↑/↓', label: 'finding' },
                { keys: 'enter', label: 'explain the rule' },
                { keys: 'f', label: 'filter by scope' },
                { keys: 'esc', label: 'back' },
              ]
        }
      />
    </Box>
  );
};

export const FindingRow = ({ finding, selected }: { finding: Finding; selected: boolean }) => {
  const mark = MARK[finding.status];
  return (
    <Text wrap="truncate-end" inverse={selected}>
      <Text color={selected ? 'cyan' : undefined}>{selected ? '❯' : ' '}</Text>{' '}
      <Text color={mark.color}>
        {mark.icon} {mark.label}
      </Text>{' '}
      <Text bold>{finding.rule}</Text> {finding.resource}
    </Text>
  );
};

const FindingDetails = ({ finding }: { finding: Finding }) => (
  <Panel title={`${finding.rule} · ${finding.title}`}>
    <Text wrap="truncate-end">
      {finding.resource}: {finding.message}
      {finding.file ? ` (${finding.file}${finding.line ? `:${finding.line}` : ''})` : ''}
    </Text>
    {finding.status === 'waived' && finding.waiver ? (
      <Text wrap="truncate-end">
        <Text dimColor>waived until {finding.waiver.expires}:</Text> {finding.waiver.reason}
      </Text>
    ) : (
      <Text wrap="truncate-end">
        <Text dimColor>fix:</Text> {finding.fix}
      </Text>
    )}
  </Panel>
);

const Explanation = ({ rule, explain }: { rule: string; explain: (rule: string) => Promise<RuleMeta> }) => {
  const meta = useLoadable(() => explain(rule), rule);
  if (!meta || meta.state === 'loading') return <Text dimColor>Loading {rule}…</Text>;
  if (meta.state === 'failed')
    return <ErrorInPlace note={{ message: meta.error, ...(meta.hint && { hint: meta.hint }) }} />;
  const r = meta.value;
  return (
    <Panel title={`${r.id} · ${r.title}`} focused>
      <Text>
        <Text dimColor>severity</Text> {r.severity} <Text dimColor>scope</Text> {r.scope}{' '}
        <Text dimColor>gates at</Text> {r.levels.join(', ') || 'never (warning only)'}
      </Text>
      <Text wrap="wrap">
        <Text dimColor>why:</Text> {r.why}
      </Text>
      <Text wrap="wrap">
        <Text dimColor>fix:</Text> {r.fix}
      </Text>
      <Text dimColor>omrs check --explain {r.id}</Text>
    </Panel>
  );
};

export const Verdict = ({ report }: { report: CheckReport }) => {
  const { fail, warn, waived } = report.counts;
  return (
    <Text wrap="truncate-end">
      {report.passed ? <Text color="green">✔ gate passed</Text> : <Text color="red">✖ gate failed</Text>} at
      level <Text bold>{report.level}</Text>: {fail} failing, {warn} warnings, {waived} waived
    </Text>
  );
};
