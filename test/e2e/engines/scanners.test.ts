// Smoke test of the harness scanners (test/harness/engines/scanners.sh): kube-score and checkov
// (and tfsec when present) each report a known finding on a tiny bad input, offline.
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEngine } from '../../helpers/engines.js';

const scanners = requireEngine('scanners');

/** Runs a scanner; they exit non-zero when they find something, so the exit code is returned, not thrown. */
function scan(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      args,
      { env: { ...process.env, ...env }, maxBuffer: 32 * 1024 * 1024, timeout: 240_000 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') return reject(err);
        resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
      },
    );
  });
}

// A Deployment with the usual mistakes: no resources, no probes, mutable tag, root filesystem writable.
const BAD_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad
  namespace: smoke
spec:
  replicas: 1
  selector: { matchLabels: { app: bad } }
  template:
    metadata: { labels: { app: bad } }
    spec:
      containers:
        - name: main
          image: omrs-test/busybox:latest
`;

describe.skipIf(!scanners)('harness scanners', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'omrs-scanners-smoke-'));
    writeFileSync(join(dir, 'deployment.yaml'), BAD_DEPLOYMENT);
    mkdirSync(join(dir, 'tf'));
    writeFileSync(
      join(dir, 'tf', 'main.tf'),
      'resource "aws_s3_bucket" "b" {\n  bucket = "omrs-smoke"\n}\nresource "aws_security_group" "open" {\n  name = "open"\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n',
    );
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!scanners?.kubeScore)('kube-score flags a container without resource limits', async () => {
    const r = await scan(scanners!.kubeScore!, [
      'score',
      '--output-format',
      'json',
      join(dir, 'deployment.yaml'),
    ]);
    expect(r.code).toBe(1);
    const checks = (JSON.parse(r.stdout) as { checks: { check: { id: string }; grade: number }[] }[]).flatMap(
      (o) => o.checks,
    );
    const limits = checks.find((c) => c.check.id === 'container-resources');
    expect(limits?.grade).toBe(1); // CRITICAL
    expect(checks.find((c) => c.check.id === 'container-image-tag')?.grade).toBe(1);
  });

  it.skipIf(!scanners?.checkov)(
    'checkov flags the same manifest offline',
    async () => {
      const r = await scan(
        scanners!.checkov!,
        [
          '-f',
          join(dir, 'deployment.yaml'),
          '--framework',
          'kubernetes',
          '--output',
          'json',
          '--quiet',
          '--compact',
          '--skip-download',
        ],
        { BC_SKIP_MAPPING: 'TRUE', CKV_SKIP_PACKAGE_UPDATE_CHECK: 'true', LOG_LEVEL: 'WARNING' },
      );
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as { results: { failed_checks: { check_id: string }[] } };
      const failed = report.results.failed_checks.map((c) => c.check_id);
      expect(failed).toContain('CKV_K8S_11'); // CPU limits should be set
      expect(failed).toContain('CKV_K8S_14'); // Image Tag should be fixed - not latest or blank
    },
    240_000,
  );

  it.skipIf(!scanners?.tfsec)(
    'tfsec flags a security group open to the world',
    async () => {
      const r = await scan(scanners!.tfsec!, [join(dir, 'tf'), '--format', 'json', '--no-color'], {
        TFSEC_NO_UPDATE_CHECK: '1',
      });
      expect(r.code).toBe(1);
      const results = (JSON.parse(r.stdout) as { results: { rule_id?: string; long_id?: string }[] }).results;
      expect(results.map((x) => x.long_id ?? x.rule_id).join(' ')).toMatch(
        /aws-(ec2|vpc)-no-public-ingress-sgr/,
      );
    },
    120_000,
  );
});
