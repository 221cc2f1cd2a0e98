// Which kind cluster file `omrs up --runtime kind` hands to `kind create cluster` (issue 14: it was
// resolved against the current directory, so running outside the repository root broke).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OmrsError } from '../../../errors.js';
import { packageRoot } from '../../../package-info.js';
import { kindConfigFile } from './kind.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'omrs-kind-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('kindConfigFile', () => {
  it('finds the kind/dev.yaml shipped with omrs from a folder outside any project', async () => {
    const file = await kindConfigFile('kind/dev.yaml', dir);
    expect(file).toBe(join(packageRoot(), 'kind', 'dev.yaml'));
    expect(existsSync(file)).toBe(true);
  });

  it("prefers the project's own file, found from a subfolder through the project config", async () => {
    writeFileSync(join(dir, '.omrsrc.yaml'), 'defaultProfile: dev\n');
    mkdirSync(join(dir, 'kind'));
    writeFileSync(join(dir, 'kind', 'dev.yaml'), 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n');
    const sub = join(dir, 'deploy', 'scripts');
    mkdirSync(sub, { recursive: true });
    expect(await kindConfigFile('kind/dev.yaml', sub)).toBe(join(dir, 'kind', 'dev.yaml'));
  });

  it('takes an absolute path as it is', async () => {
    const own = join(dir, 'cluster.yaml');
    writeFileSync(own, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n');
    expect(await kindConfigFile(own, join(dir, 'elsewhere'))).toBe(own);
  });

  it('refuses a file that exists nowhere, naming where it looked (exit code 2)', async () => {
    const err = await kindConfigFile('kind/missing.yaml', dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OmrsError);
    const e = err as OmrsError;
    expect(e.code).toBe('KIND_CONFIG_NOT_FOUND');
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(join(dir, 'kind', 'missing.yaml'));
    expect(e.message).toContain(join(packageRoot(), 'kind', 'missing.yaml'));
    expect(e.hint).toContain('cluster.kind.config');
  });
});
