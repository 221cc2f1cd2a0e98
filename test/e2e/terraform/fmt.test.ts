// `terraform fmt -check -recursive terraform/`: the Terraform code is formatted as terraform writes it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { requireEngine } from '../../helpers/engines.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../../..');
const terraform = requireEngine('terraform')?.terraform;

describe.skipIf(!terraform)('terraform fmt', () => {
  it('terraform/ needs no reformatting', async () => {
    const result = await run(terraform!, ['fmt', '-check', '-recursive', '-list=true', 'terraform'], {
      cwd: root,
    }).then(
      ({ stdout }) => ({ code: 0, files: stdout.trim() }),
      (e: { code?: number; stdout?: string }) => ({ code: e.code ?? 1, files: (e.stdout ?? '').trim() }),
    );
    expect(result, 'run `terraform fmt -recursive terraform` to fix these files').toEqual({
      code: 0,
      files: '',
    });
  });

  it('is a version the roots accept (>= 1.5)', async () => {
    const { stdout } = await run(terraform!, ['version', '-json'], { cwd: root });
    const version = (JSON.parse(stdout) as { terraform_version: string }).terraform_version;
    const [major, minor] = version.split('.').map(Number);
    expect(major! > 1 || (major === 1 && minor! >= 5), `terraform ${version}`).toBe(true);
  });
});
