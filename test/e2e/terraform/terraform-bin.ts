// Finds the terraform binary for the tests in this folder; without one the tests are skipped
// loudly (or fail with OMRS_REQUIRE_ENGINES=1).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { enginesRequired } from '../../helpers/engines.js';

function find(): string | undefined {
  const onPath = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'terraform'));
  for (const c of [process.env.OMRS_TERRAFORM, ...onPath, '/usr/local/bin/terraform']) {
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

export function requireTerraform(what: string): string | undefined {
  const terraform = find();
  if (terraform) return terraform;
  const reason = `terraform is not installed (not on PATH, not at /usr/local/bin/terraform, OMRS_TERRAFORM unset): ${what} did not run`;
  if (enginesRequired()) throw new Error(`OMRS_REQUIRE_ENGINES=1 but ${reason}`);
  console.warn(`\n  SKIPPED: ${reason}\n`);
  return undefined;
}
