// Smoke test of the locally built test images (test/harness/engines/images.sh):
//  - each image starts;
//  - omrs-test/mariadb honours MARIADB_* on first start and its healthcheck script;
//  - gateway + frontend + backend stand-in + mariadb on one user-defined network behave like an
//    OpenMRS 3 stack: /openmrs/health/started is 503 until the schema exists, then 200; admin/Admin123
//    logs in through the gateway, a wrong password does not; a patient search returns JSON.
import Docker from 'dockerode';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEngine } from '../../helpers/engines.js';
import { until } from '../../helpers/poll.js';

const docker = requireEngine('docker');
const images = docker ? requireEngine('images') : undefined;
const run = `${process.pid}-${Date.now().toString(36)}`;
const LABELS = { 'omrs.test': '1', 'omrs.test.file': 'engines/images', 'omrs.test.run': run };

interface Reply {
  status: number;
  type: string;
  text: string;
  headers: Headers;
}
/** One HTTP request with a deadline; the body is always read so no connection is left hanging. */
async function http(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, headers: res.headers };
}

describe.skipIf(!docker || !images)('harness test images', () => {
  const client = new Docker({ socketPath: docker?.socketPath });
  const tags = images!.tags;
  const containers: Docker.Container[] = [];
  let network: Docker.Network | undefined;

  const step = (what: string) => console.log(`[images smoke ${new Date().toISOString()}] ${what}`);

  async function start(name: string, opts: Docker.ContainerCreateOptions): Promise<Docker.Container> {
    const container = await client.createContainer({
      name: `omrs-test-${name}-${run}`,
      Labels: LABELS,
      ...opts,
    });
    containers.push(container);
    await container.start();
    return container;
  }

  async function publishedPort(c: Docker.Container, port: string): Promise<number> {
    const info = await c.inspect();
    const p = info.NetworkSettings.Ports[port]?.[0]?.HostPort;
    if (!p) throw new Error(`${info.Name}: ${port} is not published`);
    return Number(p);
  }

  async function exec(c: Docker.Container, cmd: string[]): Promise<number> {
    const e = await c.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await e.start({});
    stream.resume();
    await new Promise((r) => stream.on('end', r));
    return (await e.inspect()).ExitCode ?? -1;
  }

  async function logs(c: Docker.Container): Promise<string> {
    const buf = (await c.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return buf.toString('utf8');
  }

  beforeAll(async () => {
    for (const tag of Object.values(tags)) await client.getImage(tag).inspect();
  });

  afterAll(async () => {
    for (const c of containers.reverse()) await c.remove({ force: true, v: true }).catch(() => undefined);
    if (network) await network.remove().catch(() => undefined);
  });

  it('omrs-test/mariadb creates the user and database of MARIADB_* and reports healthy', async () => {
    const db = await start('mariadb-env', {
      Image: tags.mariadb,
      Env: [
        'MARIADB_ROOT_PASSWORD=root-secret',
        'MARIADB_DATABASE=smoke',
        'MARIADB_USER=smoker',
        'MARIADB_PASSWORD=smoke-secret',
      ],
      ExposedPorts: { '3306/tcp': {} },
      HostConfig: { PortBindings: { '3306/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
    await until('healthcheck.sh', async () =>
      (await exec(db, ['healthcheck.sh', '--connect', '--innodb_initialized'])) === 0 ? true : undefined,
    );
    const port = await publishedPort(db, '3306/tcp');
    const conn = await mysql.createConnection({
      host: '127.0.0.1',
      port,
      user: 'smoker',
      password: 'smoke-secret',
      database: 'smoke',
    });
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT DATABASE() AS d, VERSION() AS v');
      expect(rows[0]!.d).toBe('smoke');
      expect(String(rows[0]!.v)).toMatch(/^10\.11\./);
      await conn.query('CREATE TABLE t (id INT PRIMARY KEY)');
    } finally {
      await conn.end();
    }
    await expect(
      mysql.createConnection({ host: '127.0.0.1', port, user: 'smoker', password: 'wrong' }),
    ).rejects.toThrow(/Access denied/);
    const root = await mysql.createConnection({
      host: '127.0.0.1',
      port,
      user: 'root',
      password: 'root-secret',
    });
    await root.end();
    // SIGTERM stops it cleanly.
    await db.stop({ t: 30 });
    const state = (await db.inspect()).State;
    expect(state.ExitCode).toBe(0);
    expect(await logs(db)).toMatch(/Shutdown complete/);
  });

  it('gateway, frontend, backend stand-in and mariadb form an OpenMRS 3 stack', async () => {
    network = await client.createNetwork({ Name: `omrs-test-net-${run}`, Driver: 'bridge', Labels: LABELS });
    const netName = `omrs-test-net-${run}`;
    const onNet = (alias: string): Docker.ContainerCreateOptions['NetworkingConfig'] => ({
      EndpointsConfig: { [netName]: { Aliases: [alias] } },
    });
    // The gateway comes first: it must start although frontend and backend do not exist yet.
    const gateway = await start('gateway', {
      Image: tags.gateway,
      ExposedPorts: { '80/tcp': {} },
      HostConfig: {
        NetworkMode: netName,
        PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      },
      NetworkingConfig: onNet('gateway'),
    });
    step('gateway started');
    const gw = `http://127.0.0.1:${await publishedPort(gateway, '80/tcp')}`;
    const early = await until(
      'gateway answering',
      async () => (await http(`${gw}/openmrs/health/started`)).status,
    );
    expect(early).toBe(502); // nginx is up, the backend name does not resolve yet

    const backend = await start('backend', {
      Image: tags.backend,
      Env: [
        'OMRS_DB_HOSTNAME=db',
        'OMRS_DB_PORT=3306',
        'OMRS_DB_NAME=openmrs',
        'OMRS_DB_USERNAME=openmrs',
        'OMRS_DB_PASSWORD=openmrs',
      ],
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: {
        NetworkMode: netName,
        PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      },
      NetworkingConfig: onNet('backend'),
    });
    step('backend started');
    const be = `http://127.0.0.1:${await publishedPort(backend, '8080/tcp')}`;
    // No database yet: alive but not started, through the gateway too.
    expect(await until('backend alive', async () => (await http(`${be}/openmrs/health/alive`)).status)).toBe(
      200,
    );
    expect((await http(`${be}/openmrs/health/started`)).status).toBe(503);
    expect(
      await until('gateway reaching the backend', async () => {
        const s = (await http(`${gw}/openmrs/health/started`)).status;
        return s === 502 ? undefined : s;
      }),
    ).toBe(503);
    await until('backend retrying the database', async () =>
      (await logs(backend)).match(/attempt 2 failed/) ? true : undefined,
    );

    step('backend 503 checked');
    await start('frontend', {
      Image: tags.frontend,
      HostConfig: { NetworkMode: netName },
      NetworkingConfig: onNet('frontend'),
    });
    await start('db', {
      Image: tags.mariadb,
      Env: [
        'MARIADB_ROOT_PASSWORD=root',
        'MARIADB_DATABASE=openmrs',
        'MARIADB_USER=openmrs',
        'MARIADB_PASSWORD=openmrs',
      ],
      HostConfig: { NetworkMode: netName },
      NetworkingConfig: onNet('db'),
    });

    step('frontend and db started');
    // The stand-in creates the schema, then reports started.
    const t0 = Date.now();
    await until(
      'health/started = 200 through the gateway',
      async () => ((await http(`${gw}/openmrs/health/started`)).status === 200 ? true : undefined),
      240_000,
      500,
    );
    console.log(`backend started ${Date.now() - t0} ms after the database container`);
    expect(await logs(backend)).toMatch(/schema: 117 tables created/);

    const auth = (user: string, pass: string) => ({
      Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`,
    });
    const ok = JSON.parse(
      (await http(`${gw}/openmrs/ws/rest/v1/session`, { headers: auth('admin', 'Admin123') })).text,
    );
    expect(ok).toMatchObject({ authenticated: true, user: { username: 'admin' } });
    const bad = JSON.parse(
      (await http(`${gw}/openmrs/ws/rest/v1/session`, { headers: auth('admin', 'not-the-password') })).text,
    );
    expect(bad).toEqual({ authenticated: false });

    const search = await http(`${gw}/openmrs/ws/rest/v1/patient?q=john`, {
      headers: auth('admin', 'Admin123'),
    });
    expect(search.status).toBe(200);
    expect(search.type).toMatch(/application\/json/);
    expect(JSON.parse(search.text)).toEqual({ results: [] }); // the core data has no patients
    expect((await http(`${gw}/openmrs/ws/rest/v1/patient?q=john`)).status).toBe(401);

    // The frontend through the gateway, at / and /openmrs/spa/, with its session call.
    for (const path of ['/', '/openmrs/spa/']) {
      const res = await http(`${gw}${path}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('OpenMRS 3 test frontend');
    }
    expect((await http(`${gw}/openmrs/spa/app.js`)).text).toContain('/openmrs/ws/rest/v1/session');
    const redirect = await http(`${gw}/openmrs/spa`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);

    // SIGTERM stops the stand-in cleanly.
    await backend.stop({ t: 20 });
    expect((await backend.inspect()).State.ExitCode).toBe(0);
    expect(await logs(backend)).toMatch(/stopped/);
  }, 420_000);
});
