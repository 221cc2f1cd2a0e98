// Table-driven: every manifest and Terraform rule has <scope>/<id>/ with a pass and a fail fixture,
// written by test/helpers/check-fixtures.mjs into a temp folder. The pass fixture is the hardened reference set (no failure at prod);
// the fail fixture is the same set with the one change that rule must catch.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES, manifestRules, terraformRules } from '../../../src/checks/rules/index.js';
import { evaluate } from '../../../src/checks/run.js';
import { readManifestFile } from '../../../src/checks/sources/paths.js';
import { loadTerraform } from '../../../src/checks/sources/terraform.js';
import { writeCheckFixtures } from '../../helpers/check-fixtures.mjs';

const FIXTURES = mkdtempSync(join(tmpdir(), 'omrs-check-fixtures-'));
writeCheckFixtures(FIXTURES);
const now = new Date('2026-06-01T00:00:00Z');

async function manifestReport(file: string) {
  const objects = await readManifestFile(file, FIXTURES);
  return evaluate({ manifests: { objects, target: file } }, { level: 'prod', waivers: [], now });
}

async function terraformReport(dir: string) {
  const model = await loadTerraform(dir, FIXTURES);
  return evaluate({ terraform: { model, target: dir } }, { level: 'prod', waivers: [], now });
}

describe('the rule catalogue', () => {
  it('has at least 40 rules with unique ids, a why, a fix and levels', () => {
    expect(RULES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const r of RULES) {
      expect(r.id).toMatch(/^OMRS-(K8S|APP|TF|DB|CL|WAIVER)-\d{3}$/);
      expect(r.why.length, r.id).toBeGreaterThan(20);
      expect(r.fix.length, r.id).toBeGreaterThan(10);
    }
  });

  it('has a fixture folder for every manifest and terraform rule, and none for unknown rules', () => {
    expect(readdirSync(join(FIXTURES, 'manifests')).sort()).toEqual(manifestRules.map((r) => r.id).sort());
    expect(readdirSync(join(FIXTURES, 'terraform')).sort()).toEqual(terraformRules.map((r) => r.id).sort());
  });
});

describe.each(manifestRules.map((r) => [r.id, r] as const))('manifest rule %s', (id) => {
  const dir = join(FIXTURES, 'manifests', id);
  it('passes on pass.yaml (and the whole reference set passes the prod gate)', async () => {
    const report = await manifestReport(join(dir, 'pass.yaml'));
    expect(report.findings.filter((f) => f.rule === id)).toEqual([]);
    expect(report.findings.filter((f) => f.status === 'fail')).toEqual([]);
  });
  it('fails on fail.yaml', async () => {
    expect(existsSync(join(dir, 'fail.yaml'))).toBe(true);
    const report = await manifestReport(join(dir, 'fail.yaml'));
    const mine = report.findings.filter((f) => f.rule === id);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine[0]!.file).toContain('fail.yaml');
  });
});

describe.each(terraformRules.map((r) => [r.id, r] as const))('terraform rule %s', (id) => {
  const dir = join(FIXTURES, 'terraform', id);
  it('passes on pass/', async () => {
    const report = await terraformReport(join(dir, 'pass'));
    expect(report.findings.filter((f) => f.rule === id)).toEqual([]);
    expect(report.findings).toEqual([]);
  });
  it('fails on fail/', async () => {
    const report = await terraformReport(join(dir, 'fail'));
    const mine = report.findings.filter((f) => f.rule === id);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine[0]!.file).toMatch(/fail\/main\.tf$/);
  });
});
