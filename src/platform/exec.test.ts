import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBinary, findVersion, run, runVersion } from './exec.js';

let dir: string;
let extra: string;
const script = (folder: string, name: string, body: string) => {
  const file = join(folder, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'omrs-exec-'));
  extra = mkdtempSync(join(tmpdir(), 'omrs-exec-extra-'));
  script(dir, 'fakehelm', 'echo "v3.17.2+gcc0bbbd"');
  script(dir, 'broken', 'echo "boom" >&2; exit 3');
  script(dir, 'slow', 'exec sleep 5');
  script(extra, 'provided', 'echo "provided 1.2.3"');
  writeFileSync(join(dir, 'not-executable'), 'x');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(extra, { recursive: true, force: true });
});

describe('findBinary', () => {
  it('finds executables on PATH, then in the extra folders, and skips files that are not executable', async () => {
    const env = { PATH: `/nonexistent:${dir}` };
    expect(await findBinary('fakehelm', env)).toBe(join(dir, 'fakehelm'));
    expect(await findBinary('not-executable', env)).toBeUndefined();
    expect(await findBinary('provided', env)).toBeUndefined();
    expect(await findBinary('provided', env, { extraDirs: [extra] })).toBe(join(extra, 'provided'));
  });
});

describe('runVersion', () => {
  it('reads the version, the parser first', async () => {
    const env = { PATH: dir };
    expect(await runVersion(join(dir, 'fakehelm'), [], { env })).toMatchObject({
      ok: true,
      version: 'v3.17.2+gcc0bbbd',
    });
    expect(
      await runVersion(join(dir, 'fakehelm'), [], { env, parse: (out) => out.trim().slice(0, 5) }),
    ).toMatchObject({ version: 'v3.17' });
  });

  it('describes failures, timeouts and aborts instead of throwing', async () => {
    const env = { PATH: `${dir}:/usr/bin:/bin` };
    expect(await runVersion(join(dir, 'broken'), [], { env })).toEqual({
      ok: false,
      output: 'exit code 3: boom',
    });
    const slow = await run(join(dir, 'slow'), [], { env, timeoutMs: 200 });
    expect(slow).toMatchObject({ timedOut: true, code: undefined, error: 'did not finish within 0.2s' });
    const controller = new AbortController();
    const aborted = run(join(dir, 'slow'), [], { env, signal: controller.signal });
    controller.abort();
    expect(await aborted).toMatchObject({ timedOut: false, error: 'aborted' });
    expect(await run(join(dir, 'missing'), [], { env })).toMatchObject({ code: undefined, error: 'ENOENT' });
  });
});

describe('findVersion', () => {
  it('finds the first version-looking word', () => {
    expect(findVersion('kind v0.20.0 go1.20.4 linux/amd64')).toBe('v0.20.0');
    expect(findVersion('Terraform v1.11.4\non linux_amd64')).toBe('v1.11.4');
    expect(findVersion('no version here')).toBeUndefined();
  });
});
