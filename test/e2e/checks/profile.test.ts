// `omrs check` on the project's own profiles, through the real helm render of charts/openmrs and
// the real terraform/ folder: prod passes the prod gate; dev checked at prod fails as a reader
// expects. SARIF output validates against the SARIF 2.1.0 schema.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { makeProfilesProject } from '../../helpers/profiles.js';

const helm = requireEngine('helm');
const ROOT = join(import.meta.dirname, '../../..');
const env = { OMRS_HELM: helm?.helm, OMRS_DB_URL: undefined };
type Report = {
  passed: boolean;
  level: string;
  findings: { rule: string; status: string; resource: string; message: string }[];
  counts: Record<string, number>;
};

describe.skipIf(!helm)('omrs check on the project profiles', () => {
  const project = makeProfilesProject({
    'prod-waived.yaml': `extends: prod
checks:
  level: prod
  waivers:
    - { rule: OMRS-APP-006, reason: 'omrs promote snapshots the database before migrations', expires: '2999-12-31' }
    - { rule: OMRS-K8S-021, reason: 'expired: was waived during the pilot', expires: '2020-01-01' }
`,
  });
  afterAll(() => project.remove());

  it('passes the prod profile with zero failures (render + terraform/)', async () => {
    const run = await runCli(['check', '--profile', 'prod', '--format', 'json'], { cwd: ROOT, env });
    const report = JSON.parse(run.stdout) as Report & { scopes: { scope: string; skipped?: string }[] };
    expect(report.findings.filter((f) => f.status === 'fail')).toEqual([]);
    expect(report.passed).toBe(true);
    expect(run.code).toBe(0);
    expect(report.scopes.find((s) => s.scope === 'manifests')?.skipped).toBeUndefined();
    expect(report.scopes.find((s) => s.scope === 'terraform')?.skipped).toBeUndefined();
  });

  it('fails the dev profile at --level prod with the expected findings', async () => {
    const run = await runCli(
      ['check', '--profile', 'dev', '--level', 'prod', '--scope', 'manifests', '--format', 'json'],
      { cwd: ROOT, env },
    );
    expect(run.code).toBe(3);
    const report = JSON.parse(run.stdout) as Report;
    const failing = new Set(report.findings.filter((f) => f.status === 'fail').map((f) => f.rule));
    for (const id of [
      'OMRS-APP-002', // admin password Admin123 (dev-admin Secret)
      'OMRS-APP-009', // the Secret itself holds Admin123
      'OMRS-APP-007', // admin password not locked
      'OMRS-K8S-024', // tags, not digests
      'OMRS-K8S-026', // no TLS
      'OMRS-K8S-030', // no backup CronJob
      'OMRS-K8S-007', // the bundled MariaDB runs as the upstream image's mysql user, uid 999
      'OMRS-APP-010', // no monitoring: no BackendDown or DatabaseDown alert
    ])
      expect(failing, id).toContain(id);
    // One backend replica keeps its sessions without affinity.
    expect(failing).not.toContain('OMRS-K8S-021');
    // No container runs as root, the bundled MariaDB included.
    expect(failing).not.toContain('OMRS-K8S-006');
    // The same profile at its own level (dev) passes.
    const dev = await runCli(['check', '--profile', 'dev', '--scope', 'manifests'], { cwd: ROOT, env });
    expect(dev.code).toBe(0);
    expect(dev.stdout).toMatch(/gate passed at level dev/);
  });

  it('applies waivers: valid ones waive, expired ones fail with their own finding', async () => {
    const run = await runCli(
      ['check', '--profile', 'prod-waived', '--scope', 'manifests', '--format', 'json'],
      { cwd: project.root, env },
    );
    const report = JSON.parse(run.stdout) as Report;
    expect(report.findings.find((f) => f.rule === 'OMRS-APP-006')?.status).toBe('waived');
    expect(report.findings.find((f) => f.rule === 'OMRS-WAIVER-001')).toMatchObject({
      status: 'fail',
      resource: 'checks.waivers[1]',
    });
    expect(run.code).toBe(3);
  });

  it('writes SARIF 2.1.0 that validates against the schema', async () => {
    const run = await runCli(
      ['check', '--profile', 'dev', '--level', 'prod', '--scope', 'manifests', '--format', 'sarif'],
      { cwd: ROOT, env },
    );
    expect(run.code).toBe(3);
    const sarif = JSON.parse(run.stdout) as {
      version: string;
      runs: { results: unknown[]; tool: { driver: { rules: unknown[] } } }[];
    };
    const require = createRequire(import.meta.url);
    const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json') as object;
    // The SARIF 2.1.0 schema is JSON Schema draft-04: ajv-draft-04 (CommonJS) validates it.
    type Validator = ((data: unknown) => boolean) & { errors?: unknown[] | null };
    const Ajv = (
      require('ajv-draft-04') as { default: new (options: object) => { compile(schema: object): Validator } }
    ).default;
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false });
    const validate = ajv.compile(schema);
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toBe(true);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.results.length).toBeGreaterThan(5);
    expect(sarif.runs[0]!.tool.driver.rules.length).toBeGreaterThanOrEqual(40);
  });
});

describe('omrs check --list / --explain', () => {
  it('lists the rules as a table and as JSON', async () => {
    const table = await runCli(['check', '--list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/OMRS-K8S-001\s+high\s+manifests/);
    const json = await runCli(['check', '--list', '--json']);
    const rules = JSON.parse(json.stdout) as { id: string }[];
    expect(rules.length).toBeGreaterThanOrEqual(40);
  });
  it('explains one rule, and rejects an unknown id', async () => {
    const run = await runCli(['check', '--explain', 'omrs-tf-004']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/skip_final_snapshot/);
    const bad = await runCli(['check', '--explain', 'NOPE-1']);
    expect(bad.code).toBe(2);
  });
});
