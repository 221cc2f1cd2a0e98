// The built CLI in a folder of its own: `npm run build` empties the shared dist/ while other test
// files may be running it, so a test that spawns the CLI as a process builds a private copy.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

export interface BuiltCli {
  /** The launcher to run with `node`, like bin/omrs.js. */
  bin: string;
  remove(): void;
}

/** Builds the CLI into <repo>/.test-cli/<name>-<pid> (under the repo, so node_modules resolve). */
export function buildPrivateCli(name: string): BuiltCli {
  const dir = join(ROOT, '.test-cli', `${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  execFileSync(process.execPath, ['build.mjs'], {
    cwd: ROOT,
    env: { ...process.env, OMRS_BUILD_OUTDIR: join(dir, 'dist') },
    stdio: 'pipe',
    timeout: 180_000,
  });
  copyFileSync(join(ROOT, 'bin/omrs.js'), join(dir, 'bin/omrs.js'));
  return { bin: join(dir, 'bin/omrs.js'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
