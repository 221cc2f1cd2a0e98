import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../../src/runtime/prerequisites.js';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { makeProfilesProject, type ProfilesProject } from '../../helpers/profiles.js';

const ALL_CHECKS = [
  'docker',
  'helm',
  'kubectl',
  'kube-context',
  'kind',
  'minikube',
  'terraform',
  'aws-credentials',
  'disk',
];
const SECRET = 'omrs-test-secret-4f1c2a9e';
const ACCESS_KEY = 'AKIAOMRSTESTMARKER42';
const KUBE_TOKEN = 'omrs-kube-token-7d3b9c';

let project: ProfilesProject;
let home: string;
let kubeconfig: string;

beforeAll(() => {
  project = makeProfilesProject({ 'needs-docker.yaml': 'runtime: compose\n' });
  // An empty home, so the machine's own ~/.aws, ~/.kube and ~/.cache/omrs do not leak in.
  home = mkdtempSync(join(tmpdir(), 'omrs-home-'));
  kubeconfig = join(home, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{ name: test, cluster: { server: "https://127.0.0.1:6443" } }]',
      `users: [{ name: tester, user: { token: ${KUBE_TOKEN} } }]`,
      'contexts: [{ name: omrs-test, context: { cluster: test, user: tester } }, { name: other, context: { cluster: test, user: tester } }]',
      'current-context: omrs-test',
      '',
    ].join('\n'),
  );
});
afterAll(() => {
  project.remove();
  rmSync(home, { recursive: true, force: true });
});

const baseEnv = () => ({
  HOME: home,
  KUBECONFIG: kubeconfig,
  AWS_PROFILE: undefined,
  AWS_ACCESS_KEY_ID: ACCESS_KEY,
  AWS_SECRET_ACCESS_KEY: SECRET,
  OMRS_HOME: undefined,
});

describe('omrs doctor', () => {
  it('--json reports every check, and never a credential', async () => {
    const { code, stdout, stderr } = await runCli(['doctor', '--json'], {
      cwd: project.root,
      env: baseEnv(),
    });
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.checks.map((c) => c.name)).toEqual(ALL_CHECKS);
    for (const check of report.checks) {
      expect(['ok', 'missing', 'warning']).toContain(check.status);
      expect(check.detail).toEqual(expect.any(String));
      expect(Array.isArray(check.requiredFor)).toBe(true);
      if (check.status !== 'ok') expect(check.fix).toEqual(expect.any(String));
    }
    expect(report.profile).toMatchObject({ name: 'dev', runtime: 'compose' });
    expect(report.checks.find((c) => c.name === 'docker')?.required).toBe(true);
    expect(report.checks.find((c) => c.name === 'aws-credentials')).toMatchObject({
      status: 'ok',
      detail: 'present (environment: AWS_ACCESS_KEY_ID)',
    });
    expect(report.checks.find((c) => c.name === 'kube-context')).toMatchObject({
      status: 'ok',
      detail: 'current: omrs-test; contexts: omrs-test, other',
    });
    expect(code).toBe(report.ok ? 0 : 4);
    for (const secret of [SECRET, ACCESS_KEY, KUBE_TOKEN]) {
      expect(stdout).not.toContain(secret);
      expect(stderr).not.toContain(secret);
    }
  });

  it('prints a table without credentials in text mode too', async () => {
    const { stdout, stderr } = await runCli(['doctor'], { cwd: project.root, env: baseEnv() });
    expect(stdout).toMatch(/^CHECK\s+STATUS\s+VERSION \/ DETAIL\s+FIX$/m);
    for (const name of ALL_CHECKS) expect(stdout).toMatch(new RegExp(`^${name}\\b`, 'm'));
    for (const secret of [SECRET, ACCESS_KEY, KUBE_TOKEN]) expect(stdout + stderr).not.toContain(secret);
  });

  it('exits 4 with a fix when the Docker engine a compose profile needs is unreachable', async () => {
    const env = { ...baseEnv(), DOCKER_HOST: `unix://${join(home, 'no-such-docker.sock')}` };
    const text = await runCli(['doctor', '--profile', 'needs-docker'], { cwd: project.root, env });
    expect(text.code).toBe(4);
    expect(text.stdout).toMatch(
      /^docker \*\s+missing\s+no Docker engine at unix:\/\/.*no-such-docker\.sock: the socket does not exist/m,
    );
    expect(text.stderr).toContain('PREREQUISITE_MISSING');
    expect(text.stderr).toMatch(/hint: docker: Start the Docker engine/);

    const json = await runCli(['doctor', '--profile', 'needs-docker', '--json'], { cwd: project.root, env });
    expect(json.code).toBe(4);
    const report = JSON.parse(json.stdout) as DoctorReport;
    expect(report.ok).toBe(false);
    expect(report.missing).toContain('docker');
    expect(report.hint).toMatch(/^docker: Start the Docker engine/);
  });

  it('still runs every check when the profile named with -p cannot be loaded, requires nothing, and exits 2', async () => {
    const env = { ...baseEnv(), DOCKER_HOST: `unix://${join(home, 'no-such-docker.sock')}` };
    const { code, stdout } = await runCli(['doctor', '--profile', 'broken', '--json'], {
      cwd: project.root,
      env,
    });
    expect(code).toBe(2);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.ok).toBe(false);
    expect(report.hint).toMatch(/^profile: Fix the profile named with -p/);
    expect(report.profileError).toMatchObject({
      code: expect.any(String),
      message: expect.stringContaining('broken'),
    });
    expect(report.checks.map((c) => c.name)).toEqual(ALL_CHECKS);
    expect(report.checks.every((c) => !c.required)).toBe(true);
    expect(report.checks.find((c) => c.name === 'docker')?.status).toBe('missing');
  });

  it('says in text why it exits 2: the profile named with -p, with a hint', async () => {
    const env = { ...baseEnv(), DOCKER_HOST: `unix://${join(home, 'no-such-docker.sock')}` };
    const run = await runCli(['doctor', '-p', 'broken'], { cwd: project.root, env });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toMatch(/The profile could not be loaded/);
    expect(run.stdout).not.toMatch(/Missing for/);
    expect(run.stderr).toMatch(/^Error \S+: the profile broken could not be loaded: .*broken/m);
    expect(run.stderr).toMatch(/hint: profile: Fix the profile named with -p/);
  });

  it('finds a helm that omrs provides under $OMRS_HOME/bin when none is on PATH', async () => {
    const omrsHome = join(home, 'omrs-home');
    const bin = join(omrsHome, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'helm'), '#!/bin/sh\necho "v3.17.2+gcc0bbbd"\n');
    chmodSync(join(bin, 'helm'), 0o755);
    const { stdout } = await runCli(['doctor', '--json'], {
      cwd: project.root,
      env: { ...baseEnv(), OMRS_HOME: omrsHome, PATH: '/nonexistent' },
    });
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.checks.find((c) => c.name === 'helm')).toMatchObject({
      status: 'ok',
      version: 'v3.17.2',
      detail: join(bin, 'helm'),
    });
    expect(report.checks.find((c) => c.name === 'kind')).toMatchObject({
      status: 'missing',
      detail: 'not found on PATH',
    });
  });
});

const docker = requireEngine('docker');

describe.skipIf(!docker)('omrs doctor with a running Docker engine', () => {
  it('reports docker ok with the engine version', async () => {
    const { code, stdout } = await runCli(['doctor', '--profile', 'needs-docker', '--json'], {
      cwd: project.root,
      env: { ...baseEnv(), DOCKER_HOST: `unix://${docker!.socketPath}` },
    });
    const report = JSON.parse(stdout) as DoctorReport;
    const check = report.checks.find((c) => c.name === 'docker');
    expect(check).toMatchObject({
      status: 'ok',
      required: true,
      version: expect.stringMatching(/^\d+\.\d+/),
    });
    expect(check?.detail).toContain(docker!.socketPath);
    expect(report.missing).not.toContain('docker');
    expect(code).toBe(report.ok ? 0 : 4);
  });
});
