// gateway.enabled: false (issue 17), through the real CLI and the real helm: the three-tenant prod
// profile without its gateway renders no gateway object and no Ingress; the frontend and backend
// NetworkPolicies accept any source on their ports and nothing else changes; each Service says what
// a load balancer must send it; the app digest is the one with the gateway (an environment key);
// promote refuses it before it reads anything. kind/up.test.ts runs it on real nodes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseObjects, type KubeObject } from '../../../src/render/objects.js';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';

const root = join(import.meta.dirname, '../../..');
const helm = requireEngine('helm');
const dir = mkdtempSync(join(tmpdir(), 'omrs-gateway-off-'));
const withGateway = join(root, 'test/fixtures/profiles/good/three-tenants.yaml');
const without = join(dir, 'no-gateway.yaml');
writeFileSync(without, `extends: ${withGateway}\ngateway:\n  enabled: false\n`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const render = async (profile: string): Promise<KubeObject[]> => {
  const run = await runCli(['render', '--profile', profile, '--env', 'gw'], {
    cwd: root,
    env: { OMRS_HELM: helm?.helm },
  });
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  return parseObjects(run.stdout);
};
const id = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;
const isGateway = (o: KubeObject) => o.metadata.labels['app.kubernetes.io/component'] === 'gateway';

describe.skipIf(!helm)('gateway.enabled: false', () => {
  it('renders the stack without gateway and Ingress, opens the frontend and backends to the load balancer, and says what each serves', async () => {
    const [on, off] = await Promise.all([render(withGateway), render(without)]);
    expect(off.filter(isGateway).map(id)).toEqual([]);
    expect(off.filter((o) => o.kind === 'Ingress').map(id)).toEqual([]);
    // Nothing but the gateway's objects and the Ingress went.
    expect(
      on
        .filter((o) => !isGateway(o) && o.kind !== 'Ingress')
        .map(id)
        .sort(),
    ).toEqual(off.map(id).sort());

    const policy = (objects: KubeObject[], component: string) =>
      objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === `gw-${component}`)!.raw.spec as {
        ingress: { from?: unknown[]; ports: { port: number }[] }[];
      };
    for (const component of ['frontend', 'backend']) {
      expect(policy(on, component).ingress[0]!.from).toHaveLength(1);
      expect(policy(off, component).ingress).toEqual([{ ports: policy(on, component).ingress[0]!.ports }]);
    }
    expect(policy(off, 'db')).toEqual(policy(on, 'db'));

    const routes = Object.fromEntries(
      off
        .filter((o) => o.kind === 'Service')
        .map((o) => [o.metadata.name, o.metadata.annotations['omrs.dev/routes']]),
    );
    expect(routes).toMatchObject({
      'gw-frontend': expect.stringMatching(/^\/openmrs\/spa\/\* with that prefix removed, and \//),
    });
    expect(Object.entries(routes).filter(([name]) => name.startsWith('gw-backend-'))).toEqual([
      ['gw-backend-main', '/openmrs/*'],
      ['gw-backend-north', 'host north.qa.openmrs.example.org: /openmrs/*'],
      ['gw-backend-south-clinic', '/south/openmrs/* with /south removed'],
    ]);
    expect(on.filter((o) => o.metadata.annotations['omrs.dev/routes'])).toEqual([]);
  });

  it('keeps the app digest (an environment key), and promote refuses it before reading anything', async () => {
    const digest = async (profile: string) => {
      const run = await runCli(['profile', 'show', profile, '--json'], { cwd: root });
      expect(run.code, run.stderr).toBe(0);
      return (JSON.parse(run.stdout) as { appDigest: string }).appDigest;
    };
    expect(await digest(without)).toBe(await digest(withGateway));
    const promote = await runCli(['promote', '--profile', without, '--json'], { cwd: dir });
    expect(promote.code).toBe(2);
    expect(JSON.parse(promote.stdout)).toMatchObject({
      error: { code: 'PROMOTE_NO_GATEWAY', message: expect.stringContaining('turns the gateway off') },
    });
  });
});
