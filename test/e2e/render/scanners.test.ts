// What runs, scored by kube-score and checkov: the prod render of charts/openmrs, and the render of
// charts/omrs-monitoring (what `up` installs once per cluster for logs). Every critical finding must
// be waived in the chart's scanner-waivers.json (with a reason, quoted in the chart README or
// docs/monitoring.md), and every waiver must still match a finding (no stale waivers).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';
import {
  checkov,
  clusterMonitoringManifests,
  isWaived,
  kubeScore,
  readWaivers,
  type Finding,
} from './scan.js';

const root = join(import.meta.dirname, '../../..');
const helm = requireEngine('helm');
const scanners = requireEngine('scanners');
async function prodManifests(): Promise<string> {
  const { code, stdout, stderr } = await runCli(['render', '--profile', 'prod'], {
    cwd: root,
    env: { OMRS_HELM: helm?.helm },
  });
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return stdout;
}

const describeFinding = (f: Finding) => `${f.scanner} ${f.check} on ${f.resource}: ${f.detail}`;

const renders = [
  { name: 'the prod render', chart: 'openmrs', manifests: prodManifests },
  {
    name: 'the cluster monitoring chart',
    chart: 'omrs-monitoring',
    manifests: () => clusterMonitoringManifests(helm!.helm),
  },
];

describe.skipIf(!helm || !scanners).each(renders)('scanners on $name', ({ chart, manifests }) => {
  const waivers = readWaivers(join(root, 'charts', chart, 'scanner-waivers.json'));

  it('every waiver has a reason', () => {
    for (const w of waivers) expect(w.reason.length, `${w.scanner} ${w.check}`).toBeGreaterThan(30);
  });

  it.skipIf(!scanners?.kubeScore)('kube-score: no critical finding that is not waived', async () => {
    const findings = await kubeScore(scanners!.kubeScore!, await manifests());
    expect(findings.filter((f) => !isWaived(f, waivers)).map(describeFinding)).toEqual([]);
    const stale = waivers.filter(
      (w) => w.scanner === 'kube-score' && !findings.some((f) => isWaived(f, [w])),
    );
    expect(stale.map((w) => w.check)).toEqual([]);
  });

  it.skipIf(!scanners?.checkov)(
    'checkov: no failed check that is not waived',
    async () => {
      const findings = await checkov(scanners!.checkov!, await manifests());
      expect(findings.filter((f) => !isWaived(f, waivers)).map(describeFinding)).toEqual([]);
      const stale = waivers.filter((w) => w.scanner === 'checkov' && !findings.some((f) => isWaived(f, [w])));
      expect(stale.map((w) => w.check)).toEqual([]);
    },
    180_000,
  );
});
