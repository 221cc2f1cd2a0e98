import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAwsCredentials, checkKubeContext } from './prerequisite-checks.js';

const SECRET = 'wJalrXUtnFEMI-omrs-test-secret';
let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'omrs-home-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('checkAwsCredentials', () => {
  const check = (env: Record<string, string>) => checkAwsCredentials({ env, cwd: home, home });

  it('says where credentials come from, never what they are', async () => {
    const outcome = await check({ AWS_ACCESS_KEY_ID: 'AKIAOMRSTEST', AWS_SECRET_ACCESS_KEY: SECRET });
    expect(outcome).toEqual({ status: 'ok', detail: 'present (environment: AWS_ACCESS_KEY_ID)' });
    expect(JSON.stringify(outcome)).not.toMatch(/AKIAOMRSTEST|omrs-test-secret/);
  });

  it('warns about a key id without its secret, and reports absent credentials as missing', async () => {
    expect(await check({ AWS_ACCESS_KEY_ID: 'AKIAOMRSTEST' })).toMatchObject({ status: 'warning' });
    expect(await check({})).toMatchObject({
      status: 'missing',
      fix: expect.stringContaining('aws configure'),
    });
  });

  it('finds the shared credentials file', async () => {
    mkdirSync(join(home, '.aws'), { recursive: true });
    writeFileSync(join(home, '.aws', 'credentials'), `[default]\naws_secret_access_key = ${SECRET}\n`);
    const outcome = await check({ AWS_PROFILE: 'qa' });
    expect(outcome).toEqual({ status: 'ok', detail: 'present (~/.aws/credentials for AWS_PROFILE)' });
    expect(JSON.stringify(outcome)).not.toContain(SECRET);
  });
});

describe('checkKubeContext', () => {
  const check = (env: Record<string, string>) => checkKubeContext({ env, cwd: home, home });

  it('names a kubeconfig that cannot be parsed, without quoting it', async () => {
    const file = join(home, 'bad-kubeconfig');
    writeFileSync(file, `users: [ { token: ${SECRET} `);
    const outcome = await check({ KUBECONFIG: file });
    expect(outcome).toMatchObject({ status: 'missing', detail: `${file} could not be read as a kubeconfig` });
    expect(JSON.stringify(outcome)).not.toContain(SECRET);
  });

  it('warns when there are contexts but none is current', async () => {
    const file = join(home, 'no-current');
    writeFileSync(
      file,
      'apiVersion: v1\nkind: Config\nclusters: [{ name: c, cluster: { server: "https://127.0.0.1:6443" } }]\nusers: [{ name: u, user: {} }]\ncontexts: [{ name: a, context: { cluster: c, user: u } }]\n',
    );
    expect(await check({ KUBECONFIG: file })).toMatchObject({
      status: 'warning',
      fix: 'kubectl config use-context a',
    });
  });

  it('reports a missing kubeconfig', async () => {
    expect(await check({})).toMatchObject({
      status: 'missing',
      detail: 'no kubeconfig (KUBECONFIG unset, no ~/.kube/config)',
    });
  });
});
