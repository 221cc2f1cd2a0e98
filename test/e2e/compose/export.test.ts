// `omrs compose export` writes a compose file that Debian's docker-compose (v1 1.29) accepts.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findBinary } from '../../../src/runtime/exec.js';
import { requireEngine } from '../../helpers/engines.js';
import { PROFILE, omrs } from './helpers.js';

const helm = requireEngine('helm');
const compose = await findBinary('docker-compose', process.env);
if (!compose) console.warn('\n  SKIPPED part: docker-compose is not installed (apt-get install docker-compose)\n');

describe.skipIf(!helm)('omrs compose export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omrs-export-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes compose/<profile>.yaml with env files, config files and named volumes', async () => {
    const run = await omrs(['compose', 'export', '--profile', PROFILE], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const file = join(dir, 'compose', 'compose-test.yaml');
    const doc = parse(readFileSync(file, 'utf8')) as { services: Record<string, { env_file: string[]; ports?: string[] }>; volumes: Record<string, unknown> };
    expect(Object.keys(doc.services)).toEqual(expect.arrayContaining(['db', 'init-default', 'backend-default', 'backend-default-init-wait-for-database', 'frontend', 'gateway']));
    expect(doc.services.gateway!.ports).toEqual(['127.0.0.1:18080:8080']);
    expect(Object.keys(doc.volumes)).toEqual(['db-data']);
    expect(readFileSync(file, 'utf8')).not.toMatch(/PASSWORD=/);
    const envFile = join(dir, 'compose', 'compose-test', 'backend-default.env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(envFile, 'utf8')).toMatch(/^OMRS_DB_PASSWORD=/m);
    expect(existsSync(join(dir, 'compose', 'compose-test', 'files', 'gateway', 'config', 'nginx.conf'))).toBe(true);
  });

  it.skipIf(!compose)('is accepted by docker-compose config', () => {
    const out = execFileSync(compose!, ['-f', join(dir, 'compose', 'compose-test.yaml'), 'config', '--quiet'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toBe('');
    const services = execFileSync(compose!, ['-f', join(dir, 'compose', 'compose-test.yaml'), 'config', '--services'], { cwd: dir, encoding: 'utf8' });
    expect(services.trim().split('\n').sort()).toEqual(['backend-default', 'backend-default-init-wait-for-database', 'db', 'frontend', 'gateway', 'init-default']);
  });
});
