// Bad profiles and bad chart values are rejected with a clear error (exit 2) before anything is
// applied; a missing helm is a missing prerequisite (exit 4) with the hint how to install it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { helmTemplate } from '../../../src/render/helm.js';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';

const root = join(import.meta.dirname, '../../..');
const helm = requireEngine('helm');
const env = { OMRS_HELM: helm?.helm };
const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.skipIf(!helm)('bad values are rejected before anything is applied', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omrs-bad-'));
  tmp.push(dir);
  const profile = (name: string, body: string): string => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, `extends: ${join(root, 'profiles/dev.yaml')}\n${body}`);
    return file;
  };

  it.each([
    [
      'a tenant name that is not DNS-safe',
      'tenants: [ { name: Clinic_A } ]',
      /tenants\.0\.name|tenants\[0\]\.name/,
      /DNS-safe/,
    ],
    ['two tenants with one name', 'tenants: [ { name: a }, { name: a } ]', /tenants/, /used twice/],
    [
      'two tenants on one path',
      'tenants: [ { name: a, path: /x }, { name: b, path: /x } ]',
      /tenants/,
      /same route/,
    ],
    [
      'an external database without a Secret',
      'database: { mode: external, external: { host: db.example.org } }',
      /secretRef/,
      /./,
    ],
    [
      'external mode without the external block',
      'database: { mode: external }',
      /external/,
      /needs database.external/,
    ],
    ['an unknown key', 'replicas: { backends: 2 }', /backends/, /./],
    ['a wrong type', 'replicas: { backend: two }', /replicas/, /./],
  ])('%s', async (_what, body, where, message) => {
    const { code, stdout, stderr } = await runCli(
      ['render', '--profile', profile(_what.replace(/\W+/g, '-'), body)],
      { cwd: root, env },
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(where);
    expect(stderr).toMatch(message);
  });

  it('rejects values that the chart schema refuses (unknown key, wrong type, bad tenant) with exit 2', async () => {
    const base = {
      omrs: { env: 'x' },
      images: { pullPolicy: 'IfNotPresent', gateway: 'g:1', frontend: 'f:1', backend: 'b:1', db: 'd:1' },
      database: { mode: 'bundled' },
    };
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { ...base, tenants: [{ name: 'a', database: 'openmrs_a', user: 'omrs_a' }], bogus: true },
        /Additional property bogus is not allowed/,
      ],
      [
        {
          ...base,
          tenants: [{ name: 'a', database: 'openmrs_a', user: 'omrs_a' }],
          gateway: { replicas: 'two' },
        },
        /gateway\.replicas/,
      ],
      [{ ...base, tenants: [{ name: 'A_B', database: 'openmrs_a', user: 'omrs_a' }] }, /tenants\.0\.name/],
      [
        {
          ...base,
          tenants: [{ name: 'a', database: 'openmrs_a', user: 'omrs_a' }],
          database: { mode: 'external', host: 'db' },
        },
        /existingSecret/,
      ],
      [{ ...base, tenants: [{ name: 'a', database: 'a; DROP', user: 'omrs_a' }] }, /tenants\.0\.database/],
    ];
    for (const [values, message] of cases) {
      const error = await helmTemplate(values, { helm: helm!.helm, release: 'bad', namespace: 'bad' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(values)).toMatchObject({
        code: 'RENDER_VALUES_INVALID',
        exitCode: 2,
        message: expect.stringMatching(message),
      });
    }
  });

  it('says how to install helm when it cannot find it (exit 4)', async () => {
    const { code, stderr } = await runCli(['render', '--profile', 'dev'], {
      cwd: root,
      env: { OMRS_HELM: undefined, OMRS_INSTALL_HELM: '0', PATH: '/nonexistent', HOME: dir },
    });
    expect(code).toBe(4);
    expect(stderr).toMatch(/helm is not installed/);
    expect(stderr).toMatch(/helm\.sh/);
  });
});
