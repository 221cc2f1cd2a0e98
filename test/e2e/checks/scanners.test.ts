// Cross-check with the scanners people already run: kube-score and checkov on the same prod render
// and the same terraform/. Each of their failing (critical) checks must map to one of our rules
// through its refs, or be listed as out of scope in docs/checks.md with a reason.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { RULES } from '../../../src/checks/rules/index.js';
import { renderProfile } from '../../../src/render/index.js';
import { requireEngine } from '../../helpers/engines.js';

const run = promisify(execFile);
const scanners = requireEngine('scanners');
const helm = requireEngine('helm');
const ROOT = join(import.meta.dirname, '../../..');

/** Ids listed in docs/checks.md under "Out of scope", as `| \`id\` | tool | reason |` rows. */
function outOfScope(): Set<string> {
  const doc = readFileSync(join(ROOT, 'docs/checks.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Out of scope'));
  return new Set([...section.matchAll(/^\| `([^`]+)` \| [^|]+ \| .{10,}\|$/gm)].map((m) => m[1]!));
}
const mapped = (tool: 'kubeScore' | 'checkov', id: string): boolean =>
  RULES.some((r) => r.refs?.[tool]?.includes(id));

describe.skipIf(!scanners?.kubeScore || !scanners.checkov || !helm)(
  'kube-score and checkov findings map to our rules',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'omrs-check-scanners-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const renderProd = async () => {
      const rendered = await renderProfile(
        { profile: 'prod' },
        { cwd: ROOT, env: { ...process.env, OMRS_HELM: helm!.helm } },
      );
      const file = join(dir, 'prod.yaml');
      writeFileSync(file, rendered.objects.map((o) => `---\n${stringify(o.raw)}`).join(''));
      return file;
    };

    it('kube-score: every critical check on the prod render is mapped or out of scope', async () => {
      const file = await renderProd();
      const { stdout } = await run(scanners!.kubeScore!, ['score', '-o', 'json', file], {
        maxBuffer: 64 << 20,
      }).catch((e: { stdout: string }) => e);
      const critical = new Set(
        (
          JSON.parse(stdout) as { checks: { grade: number; skipped: boolean; check: { id: string } }[] }[]
        ).flatMap((o) => o.checks.filter((c) => c.grade === 1 && !c.skipped).map((c) => c.check.id)),
      );
      const unmapped = [...critical].filter((id) => !mapped('kubeScore', id) && !outOfScope().has(id));
      expect(unmapped).toEqual([]);
    });

    it('checkov: every failed check on the prod render and on terraform/ is mapped or out of scope', async () => {
      const file = await renderProd();
      const failed = new Set<string>();
      for (const args of [
        ['-f', file, '--framework', 'kubernetes'],
        ['-d', join(ROOT, 'terraform'), '--framework', 'terraform'],
      ]) {
        const { stdout } = await run(scanners!.checkov!, [...args, '-o', 'json', '--quiet', '--compact'], {
          maxBuffer: 64 << 20,
        }).catch((e: { stdout: string }) => e);
        const docs = JSON.parse(stdout) as
          | { results?: { failed_checks?: { check_id: string }[] } }
          | { results?: { failed_checks?: { check_id: string }[] } }[];
        for (const d of Array.isArray(docs) ? docs : [docs])
          for (const f of d.results?.failed_checks ?? []) failed.add(f.check_id);
      }
      const unmapped = [...failed].filter((id) => !mapped('checkov', id) && !outOfScope().has(id));
      expect(unmapped).toEqual([]);
    }, 180_000);
  },
);
