// The checks screen over a report the real rules computed (checks/run.ts evaluate) for a
// Deployment written here: findings grouped by severity, the fix, a waiver with its reason, the
// scope filter, a rule explained, and the verdict.
import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { KEYS, stripAnsi, eventually } from '../../../test/helpers/ink.js';
import { findRule, ruleMeta } from '../../checks/rules/index.js';
import { evaluate } from '../../checks/run.js';
import type { CheckReport, RuleMeta } from '../../checks/types.js';
import type { KubeObject } from '../../render/objects.js';
import { ChecksView, checkRows } from './checks-view.js';

const WAIT = { timeout: 10_000 };

const raw = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'backend',
    namespace: 'omrs-qa',
    labels: { 'omrs.dev/component': 'backend' },
    annotations: {},
  },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'backend' } },
    template: {
      metadata: { labels: { app: 'backend' } },
      spec: {
        containers: [{ name: 'backend', image: 'openmrs/openmrs-reference-application-3-backend:latest' }],
      },
    },
  },
};
const deployment: KubeObject = {
  apiVersion: raw.apiVersion,
  kind: raw.kind,
  metadata: raw.metadata,
  raw,
  text: '',
  source: 'openmrs/templates/backend.yaml',
};

async function report(): Promise<CheckReport> {
  return evaluate(
    {
      manifests: { objects: [deployment], target: 'profile qa (helm template)' },
      skipped: [{ scope: 'database', reason: 'no --db and no OMRS_DB_URL' }],
    },
    {
      level: 'qa',
      now: new Date('2026-01-01T00:00:00Z'),
      waivers: [
        { rule: 'OMRS-K8S-001', reason: 'sized by the platform team (TICKET-42)', expires: '2026-06-30' },
      ],
    },
  );
}

const explain = async (rule: string): Promise<RuleMeta> => ruleMeta(findRule(rule)!);

describe('the checks screen', () => {
  it('groups the findings by severity with rule and object, the fix of the selected one, and the verdict', async () => {
    const r = await report();
    const view = render(<ChecksView profile="qa" report={r} explain={explain} onBack={() => undefined} />);
    const frame = stripAnsi(view.lastFrame());
    expect(frame).toMatch(/Checks · qa at level qa · scope: all/);
    expect(frame).toContain('manifests: ');
    expect(frame).toContain('database: skipped (no --db and no OMRS_DB_URL)');
    const severities = [...frame.matchAll(/^(CRITICAL|HIGH|MEDIUM|LOW) \((\d+)\)$/gm)].map((m) => m[1]);
    expect(severities.length).toBeGreaterThan(0);
    expect(severities).toEqual(
      [...severities].sort(
        (a, b) =>
          ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'].indexOf(a!) -
          ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'].indexOf(b!),
      ),
    );
    const first = checkRows(r, 'all').find((row) => row.kind === 'finding')!;
    if (first.kind !== 'finding') throw new Error('no finding');
    expect(frame).toMatch(new RegExp(`❯ [✖▲○] (FAIL|WARN|WAIVED) ${first.finding.rule} Deployment/backend`));
    expect(frame).toContain(`fix: ${first.finding.fix.slice(0, 30)}`);
    const { fail, warn, waived } = r.counts;
    expect(frame).toContain(
      `${r.passed ? '✔ gate passed' : '✖ gate failed'} at level qa: ${fail} failing, ${warn} warnings, ${waived} waived`,
    );
    view.unmount();
  });

  it('shows a waived finding with the waiver’s reason and expiry', async () => {
    const r = await report();
    const waivedAt = checkRows(r, 'all')
      .filter((row) => row.kind === 'finding')
      .findIndex((row) => row.kind === 'finding' && row.finding.status === 'waived');
    expect(waivedAt).toBeGreaterThanOrEqual(0);
    const view = render(<ChecksView profile="qa" report={r} explain={explain} onBack={() => undefined} />);
    for (let i = 0; i < waivedAt; i++) view.stdin.write(KEYS.down);
    await eventually(() => expect(stripAnsi(view.lastFrame())).toMatch(/❯ ○ WAIVED OMRS-K8S-001/), WAIT);
    expect(stripAnsi(view.lastFrame())).toContain(
      'waived until 2026-06-30: sized by the platform team (TICKET-42)',
    );
    view.unmount();
  });

  it('explains the selected finding’s rule with enter, and filters by scope with f', async () => {
    const r = await report();
    const back = vi.fn();
    const view = render(<ChecksView profile="qa" report={r} explain={explain} onBack={back} />);
    const screen = () => stripAnsi(view.lastFrame());
    const rule = /❯ \S+ \S+ (\S+)/.exec(screen())![1]!;
    view.stdin.write(KEYS.enter);
    await eventually(() => expect(screen()).toContain(`omrs check --explain ${rule}`), WAIT);
    expect(screen()).toContain(`why: ${findRule(rule)!.why.slice(0, 30)}`);
    view.stdin.write(KEYS.escape);
    await eventually(() => expect(screen()).toContain('enter explain the rule'), WAIT);

    view.stdin.write('f');
    await eventually(() => expect(screen()).toContain('scope: manifests'), WAIT);
    view.stdin.write('f');
    await eventually(() => expect(screen()).toContain('No findings in terraform.'), WAIT);
    expect(screen()).not.toMatch(/❯/);
    view.stdin.write(KEYS.escape);
    await eventually(() => expect(back).toHaveBeenCalled(), WAIT);
    view.unmount();
  });
});
