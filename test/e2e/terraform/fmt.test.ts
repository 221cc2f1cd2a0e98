// `terraform fmt -check -recursive terraform/`: the Terraform code is formatted as terraform writes it.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { enginesRequired } from '../../helpers/engines.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../../..');

function findTerraform(): string | undefined {
  const candidates = [process.env.OMRS_TERRAFORM, ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'terraform')), '/usr/local/bin/terraform'];
  for (const c of candidates) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

const terraform = findTerraform();
if (!terraform) {
  const reason = 'terraform is not installed (not on PATH, not at /usr/local/bin/terraform, OMRS_TERRAFORM unset): the fmt check of terraform/ did not run';
  if (enginesRequired()) throw new Error(`OMRS_REQUIRE_ENGINES=1 but ${reason}`);
  console.warn(`\n  SKIPPED: ${reason}\n`);
}

describe.skipIf(!terraform)('terraform fmt', () => {
  it('terraform/ needs no reformatting', async () => {
    const result = await run(terraform!, ['fmt', '-check', '-recursive', '-list=true', 'terraform'], { cwd: root }).then(
      ({ stdout }) => ({ code: 0, files: stdout.trim() }),
      (e: { code?: number; stdout?: string }) => ({ code: e.code ?? 1, files: (e.stdout ?? '').trim() }),
    );
    expect(result, 'run `terraform fmt -recursive terraform` to fix these files').toEqual({ code: 0, files: '' });
  });

  it('knows the version the roots require (>= 1.5)', async () => {
    const { stdout } = await run(terraform!, ['version', '-json'], { cwd: root });
    const version = (JSON.parse(stdout) as { terraform_version: string }).terraform_version;
    const [major, minor] = version.split('.').map(Number);
    expect(major! > 1 || (major === 1 && minor! >= 5), `terraform ${version}`).toBe(true);
  });
});
