// A profile whose name is not DNS-safe (`qa_eu`) runs as the same environment (`qa-eu`) on every
// runtime: compose, a cluster, and the render that both start from. Compose once made it `qa-eu`
// while the cluster path refused it.
import { afterAll, describe, expect, it } from 'vitest';
import { requireEngine } from '../../helpers/engines.js';
import { runCli } from '../../helpers/cli.js';
import { HELM, project } from '../kube/cluster.js';

const kube = requireEngine('kube');
const docker = requireEngine('docker');

describe.runIf(kube && docker)('the default environment of profile qa_eu', () => {
  const proj = project(kube!, { qa_eu: `extends: kt\n` });
  const env = { KUBECONFIG: kube!.kubeconfig, OMRS_HELM: HELM, CI: 'true' };
  afterAll(() => proj.remove());

  it('is qa-eu in the render', async () => {
    const run = await runCli(['render', '--profile', 'qa_eu', '--json'], { cwd: proj.root, env });
    expect(run.stderr).not.toContain('RENDER_BAD_ENV_NAME');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).env).toBe('qa-eu');
  });

  it('is qa-eu on the cluster', async () => {
    const run = await runCli(['status', '--profile', 'qa_eu', '--runtime', 'kube', '--json'], {
      cwd: proj.root,
      env,
    });
    expect(run.stderr + run.stdout).not.toContain('not DNS-safe');
    expect(run.stderr + run.stdout).toContain('qa-eu');
  });

  it('is qa-eu on compose', async () => {
    const run = await runCli(['status', '--profile', 'qa_eu', '--runtime', 'compose', '--json'], {
      cwd: proj.root,
      env,
    });
    expect(run.stderr + run.stdout).not.toContain('not DNS-safe');
    expect(run.stderr + run.stdout).toContain('qa-eu');
  });
});
