// A profile whose name is not DNS-safe (`qa_eu`) runs as the same environment (`qa-eu`) on every
// runtime: compose, a cluster, and the render that both start from. Compose once made it `qa-eu`
// while the cluster path refused it. `up` proves it on both runtimes, through the one Runtime
// interface the command holds.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEngine } from '../../helpers/engines.js';
import { runCli } from '../../helpers/cli.js';
import { HELM, admin, project, removeNamespace, type Admin } from '../kube/cluster.js';

const kube = requireEngine('kube');
const docker = requireEngine('docker');
const images = requireEngine('images');
const helm = requireEngine('helm');
/** The compose runtime's test profile (the omrs-test images). */
const COMPOSE_TEST = join(import.meta.dirname, '../../fixtures/profiles/good/compose-test.yaml');

interface Up {
  env: string;
  runtime: string;
  namespace?: string;
  noop: boolean;
}

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

describe.runIf(docker && images && helm)('`omrs up` of profile qa_eu on Docker', () => {
  const root = mkdtempSync(join(tmpdir(), 'omrs-qa-eu-compose-'));
  const env = { OMRS_HOME: join(root, 'home'), OMRS_HELM: helm!.helm, CI: 'true' };
  const cli = (argv: string[]) => runCli(argv, { cwd: root, env });
  beforeAll(() => {
    mkdirSync(join(root, 'profiles'));
    // The compose-test profile (omrs-test images), under the name that is not DNS-safe.
    const base = relative(join(root, 'profiles'), COMPOSE_TEST);
    writeFileSync(join(root, 'profiles', 'qa_eu.yaml'), `extends: ${base}\n`);
  });
  afterAll(async () => {
    await cli(['down', '--profile', 'qa_eu', '--runtime', 'compose', '--volumes']);
    rmSync(root, { recursive: true, force: true });
  }, 120_000);

  it('starts environment qa-eu, and down finds it by the same name', async () => {
    const up = await cli(['up', '--profile', 'qa_eu', '--runtime', 'compose', '--json']);
    expect(up.code, up.stderr.slice(-2000)).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({
      env: 'qa-eu',
      runtime: 'compose',
      noop: false,
    } satisfies Up);
    const status = await cli(['status', '--profile', 'qa_eu', '--runtime', 'compose', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ env: 'qa-eu', exists: true });
    const down = await cli(['down', '--profile', 'qa_eu', '--runtime', 'compose', '--volumes', '--json']);
    expect(down.code, down.stderr).toBe(0);
    const result = JSON.parse(down.stdout) as { env: string; containers: string[] };
    expect(result.env).toBe('qa-eu');
    expect(result.containers.length).toBeGreaterThan(0);
    expect(result.containers.every((c) => c.startsWith('omrs-qa-eu-'))).toBe(true);
  }, 300_000);
});

describe.runIf(kube)('`omrs up` of profile qa_eu on the harness cluster', () => {
  const proj = project(kube!, { qa_eu: `extends: kt\n` });
  const env = { KUBECONFIG: kube!.kubeconfig, OMRS_HELM: HELM, CI: 'true' };
  const cli = (argv: string[]) => runCli(argv, { cwd: proj.root, env });
  let a: Admin;
  beforeAll(() => {
    a = admin(kube!);
  });
  afterAll(async () => {
    await removeNamespace(a, 'omrs-qa-eu');
    proj.remove();
  }, 120_000);

  it('installs environment qa-eu in namespace omrs-qa-eu, and down finds it by the same name', async () => {
    const up = await cli(['up', '--profile', 'qa_eu', '--runtime', 'kube', '--json']);
    expect(up.code, up.stderr.slice(-2000)).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({
      env: 'qa-eu',
      runtime: 'kube',
      namespace: 'omrs-qa-eu',
      noop: false,
    } satisfies Up);
    const release = await a.core.listNamespacedSecret({
      namespace: 'omrs-qa-eu',
      labelSelector: 'owner=helm,name=qa-eu',
    });
    expect(release.items.length).toBeGreaterThan(0);
    // The cluster checks of the profile read the same namespace: a tenant's Secret that the profile
    // no longer has is found there.
    await a.core.createNamespacedSecret({
      namespace: 'omrs-qa-eu',
      body: { metadata: { name: 'db-gone', labels: { 'omrs.dev/tenant': 'gone' } } },
    });
    const check = await cli(['check', '--profile', 'qa_eu', '--scope', 'cluster', '--format', 'json']);
    const report = JSON.parse(check.stdout) as { findings?: { rule: string; resource: string }[] };
    expect(report.findings, check.stdout + check.stderr).toContainEqual(
      expect.objectContaining({ rule: 'OMRS-CL-005', resource: 'Secret/omrs-qa-eu/db-gone' }),
    );
    const down = await cli(['down', '--profile', 'qa_eu', '--runtime', 'kube', '--volumes', '--json']);
    expect(down.code, down.stderr).toBe(0);
    expect(JSON.parse(down.stdout)).toMatchObject({
      env: 'qa-eu',
      namespace: 'omrs-qa-eu',
      uninstalled: true,
    });
  }, 300_000);
});
