// The profile's openmrs.modules reach the running backend (issue 17): the backend's init
// containers copy the distribution's modules and fetch the profile's from a module repository
// (here a mirror served by this test on the host), each checked against its SHA-256. The backend
// stand-in lists what it found at start (test/harness/images/backend-standin/modules.go), as
// OpenMRS's REST resource /ws/rest/v1/module does. A changed module changes the app digest and
// replaces the backend; a file with another checksum stops the start with the reason.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeEngines, docker, http, objectsOf, omrs, PROFILE, upJson } from './helpers.js';

const { ready } = composeEngines();
const ENV = `modules-${randomBytes(3).toString('hex')}`;
const PROPERTY = 'omrs.test.modules';
const MODULE = 'omrs.greeting';

/** A module repository on the host: path → file body; every request is recorded. */
function mirror(files: Map<string, Buffer>): { server: Server; requests: string[] } {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = files.get(req.url ?? '');
    res.writeHead(body ? 200 : 404).end(body);
  });
  return { server, requests };
}

const sha256 = (body: Buffer) => createHash('sha256').update(body).digest('hex');

describe.skipIf(!ready)('OpenMRS modules of the profile on the running backend (compose runtime)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omrs-modules-'));
  const profile = join(dir, 'modules.yaml');
  const first = randomBytes(4096);
  const second = randomBytes(4096);
  const files = new Map([
    [`/files/${MODULE}-1.0.0.omod`, first],
    [`/maven/org/example/${MODULE}-omod/1.1.0/${MODULE}-omod-1.1.0.jar`, second],
  ]);
  const { server, requests } = mirror(files);
  let base = '';

  const write = (module: Record<string, string>) =>
    writeFileSync(
      profile,
      stringify({
        extends: PROFILE,
        openmrs: {
          images: { fetcher: 'omrs-test/busybox:1' },
          modules: [{ id: MODULE, ...module }],
          globalProperties: { [PROPERTY]: 'on' },
        },
        moduleRepository: `${base}/maven`,
      }),
    );
  const up = async () => {
    const run = await omrs(['up', '--profile', profile, '--env', ENV, '--json']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    return upJson(run);
  };
  const backend = async () => {
    const [container] = await docker.listContainers({
      filters: { label: [`omrs.dev/env=${ENV}`, 'omrs.dev/service=backend-default'] },
    });
    return { id: container!.Id, digest: container!.Labels['omrs.dev/app-digest'] };
  };
  const rest = async (port: number, path: string) => {
    const response = await http(`http://127.0.0.1:${port}/openmrs/ws/rest/v1/${path}`, {
      auth: 'admin:Admin123',
    });
    expect(response.status, response.body).toBe(200);
    return (JSON.parse(response.body) as { results: Record<string, unknown>[] }).results;
  };
  const modules = async (port: number) =>
    (await rest(port, 'module')).map(({ uuid, version }) => ({ uuid, version }));
  let before: { id: string; digest?: string };
  let port = 0;

  beforeAll(async () => {
    // Containers reach the host at the default bridge's gateway address. Docker 20.10 can leave it
    // out of the network's IPAM config (a bridge whose address dockerd found set): then it is the
    // subnet's first address, which dockerd gives the bridge.
    const bridge = (await docker.getNetwork('bridge').inspect()) as {
      IPAM: { Config: { Gateway?: string; Subnet?: string }[] };
    };
    const [config] = bridge.IPAM.Config;
    const firstOf = (subnet: string) =>
      subnet.replace(/\.(\d+)\/\d+$/, (_, last: string) => `.${Number(last) + 1}`);
    const gateway = config?.Gateway ?? (config?.Subnet && firstOf(config.Subnet));
    expect(gateway, 'the default bridge’s address').toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    base = `http://${gateway}:${(server.address() as { port: number }).port}`;
    await omrs(['down', '--env', ENV, '--volumes']);
  });
  afterAll(async () => {
    await omrs(['down', '--env', ENV, '--volumes']);
    expect(await objectsOf(ENV)).toEqual({ containers: [], networks: [], volumes: [] });
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fetches a module from its URL, checks it, and the backend reports it beside the global property', async () => {
    write({ version: '1.0.0', url: `${base}/files/${MODULE}-1.0.0.omod`, sha256: sha256(first) });
    port = (await up()).gatewayPort;
    expect(await modules(port)).toEqual([{ uuid: MODULE, version: '1.0.0' }]);
    expect((await rest(port, `systemsetting?q=${PROPERTY}`)).map((s) => s.value)).toEqual(['on']);
    expect(requests).toEqual([`/files/${MODULE}-1.0.0.omod`]);
    before = await backend();
  });

  it('another module version (a Maven coordinate under the repository) changes the app digest and replaces the backend', async () => {
    write({ version: '1.1.0', coordinate: `org.example:${MODULE}-omod:1.1.0`, sha256: sha256(second) });
    const result = await up();
    expect(result.changes.join('\n')).toMatch(/backend-default/);
    const after = await backend();
    expect(after.id).not.toBe(before.id);
    expect(after.digest).toBeDefined();
    expect(after.digest).not.toBe(before.digest);
    // The new file replaced the old one: the backend found one version of the module.
    expect(await modules(result.gatewayPort)).toEqual([{ uuid: MODULE, version: '1.1.0' }]);
    expect(requests.at(-1)).toBe(`/maven/org/example/${MODULE}-omod/1.1.0/${MODULE}-omod-1.1.0.jar`);
    port = result.gatewayPort;
    before = after;
  });

  it('a file whose SHA-256 is not the profile’s stops the backend’s start and says why', async () => {
    const wrong = sha256(randomBytes(8));
    write({ version: '1.0.0', url: `${base}/files/${MODULE}-1.0.0.omod`, sha256: wrong });
    const run = await omrs(['up', '--profile', profile, '--env', ENV]);
    expect(run.code).not.toBe(0);
    const output = run.stderr + run.stdout;
    expect(output).toContain(
      `module ${MODULE}: sha256 mismatch for ${base}/files/${MODULE}-1.0.0.omod: the profile expects ${wrong}, the file has ${sha256(first)}`,
    );
    expect(output).not.toMatch(/Internal error|\n\s+at /);
  });
});
