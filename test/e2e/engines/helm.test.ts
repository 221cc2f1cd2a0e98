// Smoke test of the harness helm/kubectl binaries (test/harness/engines/helm.sh): versions, and a
// tiny chart rendered, linted and packaged offline.
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEngine } from '../../helpers/engines.js';

const run = promisify(execFile);
const helm = requireEngine('helm');

describe.skipIf(!helm)('harness helm engine', () => {
  let dir: string;
  let chart: string;
  // Keep helm away from the user's config, cache and repositories.
  const env = (home: string) => ({
    ...process.env,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    KUBECONFIG: join(home, 'no-kubeconfig'),
  });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'omrs-helm-smoke-'));
    chart = join(dir, 'tiny');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(
      join(chart, 'Chart.yaml'),
      'apiVersion: v2\nname: tiny\nversion: 0.1.0\ndescription: smoke test chart\n',
    );
    writeFileSync(join(chart, 'values.yaml'), 'replicas: 1\nimage: omrs-test/busybox:1\n');
    writeFileSync(
      join(chart, 'templates', 'deployment.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: {{ .Release.Name }}-tiny',
        '  labels: { app: {{ .Release.Name }} }',
        'spec:',
        '  replicas: {{ .Values.replicas }}',
        '  selector: { matchLabels: { app: {{ .Release.Name }} } }',
        '  template:',
        '    metadata: { labels: { app: {{ .Release.Name }} } }',
        '    spec:',
        '      containers:',
        '        - name: main',
        '          image: {{ .Values.image | quote }}',
        '',
      ].join('\n'),
    );
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('helm is 3.17 and kubectl is a 1.3x client', async () => {
    const { stdout: hv } = await run(helm!.helm, ['version', '--short'], { env: env(dir) });
    expect(hv.trim()).toMatch(/^v3\.17\./);
    const { stdout: kv } = await run(helm!.kubectl, ['version', '--client', '-o', 'json'], { env: env(dir) });
    expect(JSON.parse(kv).clientVersion.minor).toMatch(/^3\d/);
    if (helm!.helm4) {
      const { stdout: h4 } = await run(helm!.helm4, ['version', '--short'], { env: env(dir) });
      expect(h4.trim()).toMatch(/^v4\./);
    }
  });

  it('renders, lints and packages a tiny chart', async () => {
    const { stdout } = await run(helm!.helm, ['template', 'smoke', chart, '--set', 'replicas=3'], {
      env: env(dir),
    });
    expect(stdout).toContain('kind: Deployment');
    expect(stdout).toContain('name: smoke-tiny');
    expect(stdout).toContain('replicas: 3');
    expect(stdout).toContain('image: "omrs-test/busybox:1"');

    const lint = await run(helm!.helm, ['lint', chart], { env: env(dir) });
    expect(lint.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);

    // A broken template makes helm fail: the check can fail.
    writeFileSync(join(chart, 'templates', 'broken.yaml'), 'kind: {{ .Values.missing.field }}\n');
    await expect(run(helm!.helm, ['template', 'smoke', chart], { env: env(dir) })).rejects.toThrow(
      /nil pointer|missing/,
    );
    rmSync(join(chart, 'templates', 'broken.yaml'));

    const { stdout: pkg } = await run(helm!.helm, ['package', chart, '-d', dir], { env: env(dir) });
    expect(pkg).toMatch(/tiny-0\.1\.0\.tgz/);
  });
});
