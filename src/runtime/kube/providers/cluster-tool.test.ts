// The cluster CLIs run through the platform's runner; a shell script plays kind's part.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tool, toolFailure } from './cluster-tool.js';

const dir = mkdtempSync(join(tmpdir(), 'omrs-cluster-tool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeKind(body: string): string {
  const file = join(dir, `kind-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('cluster tool', () => {
  it('passes the arguments without a shell and returns the output', async () => {
    const kind = fakeKind('printf "%s|" "$@"');
    const result = await tool(kind, ['get', 'clusters', 'a b;c'], { PATH: process.env.PATH });
    expect(result).toMatchObject({ code: 0, stdout: 'get|clusters|a b;c|' });
  });

  it("turns a failure into the tool's last error line, with the offline hint for a pull", async () => {
    const kind = fakeKind(
      'echo "Creating cluster" >&2; echo "ERROR: failed to pull image kindest/node" >&2; exit 1',
    );
    const failure = toolFailure('kind create cluster', await tool(kind, [], { PATH: process.env.PATH }));
    expect(failure).toMatchObject({
      code: 'CLUSTER_PROVIDER_FAILED',
      message: 'kind create cluster failed: ERROR: failed to pull image kindest/node',
      exitCode: 1,
    });
    expect(failure.hint).toMatch(/cannot reach the registry/);
  });

  it('stops when its AbortSignal is aborted', async () => {
    const kind = fakeKind('sleep 30');
    const abort = new AbortController();
    const pending = tool(kind, [], { PATH: process.env.PATH }, abort.signal);
    abort.abort();
    const result = await pending;
    expect(result.code).toBeUndefined();
    expect(toolFailure('kind create cluster', result).message).toBe('kind create cluster failed: aborted');
  });
});
