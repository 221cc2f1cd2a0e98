// The profile's openmrs.globalProperties reach the running backend (issue 17): the chart writes them
// as the Initializer module's configuration/globalproperties file, the backend applies them at
// start, and OpenMRS's REST API reads them back (the backend stand-in does what Initializer does;
// see test/harness/images/backend-standin/configuration.go). Changing one changes the app digest
// and replaces the backend.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeEngines, docker, http, objectsOf, omrs, PROFILE, sqlInDb, upJson } from './helpers.js';

const { ready } = composeEngines();
const ENV = `gprops-${randomBytes(3).toString('hex')}`;
const PROPERTY = 'omrs.test.greeting';
// Characters that XML, YAML block scalars and SQL each treat specially.
const FIRST = `héllo <world> & 'friends' "too"\nsecond line`;
const SECOND = 'changed';

interface Setting {
  property: string;
  value: string;
}

describe.skipIf(!ready)('global properties of the profile on the running backend (compose runtime)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omrs-gprops-'));
  const profile = join(dir, 'gprops.yaml');
  const write = (value: string) =>
    writeFileSync(
      profile,
      stringify({ extends: PROFILE, openmrs: { globalProperties: { [PROPERTY]: value } } }),
    );
  const backend = async () => {
    const [container] = await docker.listContainers({
      filters: { label: [`omrs.dev/env=${ENV}`, 'omrs.dev/service=backend-default'] },
    });
    return { id: container!.Id, digest: container!.Labels['omrs.dev/app-digest'] };
  };
  const settings = async (port: number, prefix: string): Promise<Setting[]> => {
    const response = await http(
      `http://127.0.0.1:${port}/openmrs/ws/rest/v1/systemsetting?q=${encodeURIComponent(prefix)}`,
      { auth: 'admin:Admin123' },
    );
    expect(response.status, response.body).toBe(200);
    return (JSON.parse(response.body) as { results: Setting[] }).results.map(({ property, value }) => ({
      property,
      value,
    }));
  };
  const up = async () => {
    const run = await omrs(['up', '--profile', profile, '--env', ENV, '--json']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    return upJson(run);
  };
  let port = 0;
  let first: { id: string; digest?: string };

  beforeAll(async () => {
    await omrs(['down', '--env', ENV, '--volumes']);
  });
  afterAll(async () => {
    await omrs(['down', '--env', ENV, '--volumes']);
    expect(await objectsOf(ENV)).toEqual({ containers: [], networks: [], volumes: [] });
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies the profile’s global properties, special characters intact, and the base profile’s too', async () => {
    write(FIRST);
    port = (await up()).gatewayPort;
    expect(await settings(port, PROPERTY)).toEqual([{ property: PROPERTY, value: FIRST }]);
    // From profiles/base.yaml, which every profile extends.
    expect(await settings(port, 'security.passwordMinimumLength')).toEqual([
      { property: 'security.passwordMinimumLength', value: '12' },
    ]);
    first = await backend();
  });

  it('a changed value changes the app digest, replaces the backend and is applied', async () => {
    write(SECOND);
    const result = await up();
    expect(result.changes.join('\n')).toMatch(/backend-default/);
    const second = await backend();
    expect(second.id).not.toBe(first.id);
    expect(second.digest).toBeDefined();
    expect(second.digest).not.toBe(first.digest);
    expect(await settings(result.gatewayPort, PROPERTY)).toEqual([{ property: PROPERTY, value: SECOND }]);
  });

  it('omrs status reads them back from the tenant database, and names one changed there (never its value)', async () => {
    const status = async () => {
      const run = await omrs(['status', '--profile', profile, '--env', ENV, '--json']);
      expect(run.code, run.stderr).toBe(0);
      return (JSON.parse(run.stdout) as { globalProperties: unknown[] }).globalProperties;
    };
    // The profile's own property and the three of profiles/base.yaml.
    expect(await status()).toEqual([{ tenant: 'default', applied: 4, differ: [], missing: [] }]);

    await sqlInDb(
      ENV,
      `UPDATE global_property SET property_value = 'edited-by-hand' WHERE property = '${PROPERTY}'`,
    );

    expect(await status()).toEqual([{ tenant: 'default', applied: 3, differ: [PROPERTY], missing: [] }]);
    const text = await omrs(['status', '--profile', profile, '--env', ENV]);
    expect(text.stdout).toContain(`another value in the database: ${PROPERTY}`);
    expect(text.stdout).not.toContain('edited-by-hand');
  });
});
