// `omrs up` on the real Docker engine with the omrs-test images, through the compose-test profile:
// healthy, idempotent, repairs, interrupts, data kept across down/up, two envs side by side.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  composeEngines,
  expectConvergedStack,
  PROFILE,
  docker,
  http,
  objectsOf,
  omrs,
  omrsHome,
  until,
  upJson,
} from './helpers.js';

const { ready } = composeEngines();
const A = 'e2e-a';
const B = 'e2e-b';

describe.skipIf(!ready)('omrs up on Docker (compose runtime)', () => {
  let port = 0;

  beforeAll(async () => {
    for (const env of [A, B]) await omrs(['down', '--env', env, '--volumes']);
  });
  afterAll(async () => {
    for (const env of [A, B]) await omrs(['down', '--env', env, '--volumes']);
    for (const env of [A, B])
      expect(await objectsOf(env)).toEqual({ containers: [], networks: [], volumes: [] });
    rmSync(omrsHome, { recursive: true, force: true });
  });

  it('reaches healthy and serves OpenMRS through the gateway on 127.0.0.1', async () => {
    const run = await omrs(['up', '--profile', PROFILE, '--env', A, '--json']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const result = upJson(run);
    port = result.gatewayPort;
    expect(result.url).toBe(`http://localhost:${port}/openmrs/spa/`);
    expect(result.admin.password).toBe('Admin123');
    const page = await http(`http://127.0.0.1:${port}/openmrs/spa/`);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<html/i);
    expect((await http(`http://127.0.0.1:${port}/openmrs/health/started`)).status).toBe(200);
    const session = await http(`http://127.0.0.1:${port}/openmrs/ws/rest/v1/session`, {
      auth: 'admin:Admin123',
    });
    expect(JSON.parse(session.body)).toMatchObject({ authenticated: true });
    const objects = await objectsOf(A);
    expect(objects.networks).toEqual([`omrs-${A}`]);
    expect(objects.containers.every((c) => c.name.startsWith(`omrs-${A}-`))).toBe(true);
    for (const c of objects.containers) {
      const labels = (await docker.getContainer(c.id).inspect()).Config.Labels;
      expect(Object.keys(labels)).toEqual(
        expect.arrayContaining([
          'omrs.dev/env',
          'omrs.dev/profile',
          'omrs.dev/app-digest',
          'omrs.dev/spec-hash',
          'omrs.dev/service',
        ]),
      );
    }
  });

  // How fast is bench/up's to measure (no-op up), not a timed assertion here: a loaded CI machine
  // took 1.1 s once while the code was as fast as ever.
  it('changes nothing on a second up, and says so', async () => {
    const before = await objectsOf(A);
    const run = await omrs(['up', '--profile', PROFILE, '--env', A, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = upJson(run);
    expect(result.noop).toBe(true);
    expect(run.stderr).toMatch(/Nothing to change/);
    expect(await objectsOf(A)).toEqual(before);
  });

  it('recreates only the backend when its environment changes', async () => {
    const before = await objectsOf(A);
    const run = await omrs(['up', '--profile', PROFILE, '--env', A, '--json'], {
      env: { OMRS_ADMIN_PASSWORD: 'Changed-Passw0rd' },
    });
    expect(run.code, run.stderr).toBe(0);
    const result = upJson(run);
    expect(result.changes).toEqual(['backend-default: replaced (spec changed)']);
    expect(result.admin.password).toBe('(from $OMRS_ADMIN_PASSWORD)');
    expect(run.stdout + run.stderr).not.toContain('Changed-Passw0rd');
    const after = await objectsOf(A);
    const id = (o: typeof before, service: string) => o.containers.find((c) => c.service === service)?.id;
    expect(id(after, 'backend-default')).not.toBe(id(before, 'backend-default'));
    for (const service of ['db', 'frontend', 'gateway', 'init-default'])
      expect(id(after, service)).toBe(id(before, service));
    // Back to the default password: the backend again, and only it.
    const back = upJson(await omrs(['up', '--profile', PROFILE, '--env', A, '--json']));
    expect(back.changes).toEqual(['backend-default: replaced (spec changed)']);
  });

  it('shows a killed backend in status, and up repairs it', async () => {
    await docker.getContainer(`omrs-${A}-backend-default`).kill();
    await until('the backend to be exited', async () =>
      (await docker.getContainer(`omrs-${A}-backend-default`).inspect()).State.Status === 'exited'
        ? true
        : undefined,
    );
    const status = await omrs(['status', '--env', A, '--json']);
    expect(status.code).toBe(1);
    const backend = (
      JSON.parse(status.stdout) as { services: { name: string; runtime: string; exitCode?: number }[] }
    ).services.find((s) => s.name === 'backend-default');
    expect(backend).toMatchObject({ runtime: 'error', exitCode: 137 });
    const plain = await omrs(['status', '--env', A]);
    expect(plain.stdout).toMatch(/backend-default\s+error/);
    const repaired = upJson(await omrs(['up', '--profile', PROFILE, '--env', A, '--json']));
    expect(repaired.changes).toEqual(['backend-default: started again (was exited)']);
    expect((await http(`http://127.0.0.1:${port}/openmrs/health/started`)).status).toBe(200);
    expect((await omrs(['status', '--env', A])).code).toBe(0);
  });

  it('keeps the data across down and up; down --volumes removes it', async () => {
    const sql = async (query: string): Promise<unknown[]> => {
      const info = await docker.getContainer(`omrs-${A}-backend-default`).inspect();
      const env = Object.fromEntries(
        info.Config.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
      );
      const db = await docker.getContainer(`omrs-${A}-db`).inspect();
      const conn = await mysql.createConnection({
        host: db.NetworkSettings.Networks[`omrs-${A}`]!.IPAddress,
        user: env.OMRS_DB_USERNAME,
        password: env.OMRS_DB_PASSWORD,
        database: env.OMRS_DB_NAME,
      });
      try {
        return (await conn.query(query))[0] as unknown[];
      } finally {
        await conn.end();
      }
    };
    await sql('CREATE TABLE IF NOT EXISTS omrs_e2e (v INT)');
    await sql('INSERT INTO omrs_e2e VALUES (42)');
    const down = await omrs(['down', '--env', A]);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/kept volumes/);
    const left = await objectsOf(A);
    expect(left.containers).toEqual([]);
    expect(left.networks).toEqual([]);
    expect(left.volumes.length).toBeGreaterThan(0);
    expect((await omrs(['down', '--env', A])).code).toBe(0); // idempotent
    expect((await omrs(['up', '--profile', PROFILE, '--env', A])).code).toBe(0);
    expect(await sql('SELECT v FROM omrs_e2e')).toEqual([{ v: 42 }]);

    expect((await omrs(['down', '--env', A, '--volumes'])).code).toBe(0);
    expect(await objectsOf(A)).toEqual({ containers: [], networks: [], volumes: [] });
    const fresh = await omrs(['up', '--profile', PROFILE, '--env', A, '--json']);
    expect(fresh.code, fresh.stderr).toBe(0);
    port = upJson(fresh).gatewayPort;
    await expect(sql('SELECT v FROM omrs_e2e')).rejects.toThrow(/doesn't exist/);
  });

  it('stops cleanly when aborted in the middle of up, and the next up converges', async () => {
    expect((await omrs(['down', '--env', B, '--volumes'])).code).toBe(0);
    const controller = new AbortController();
    const running = omrs(['up', '--profile', PROFILE, '--env', B], { signal: controller.signal });
    await until('the database container of B', async () =>
      (await objectsOf(B)).containers.some((c) => c.service === 'db') ? true : undefined,
    );
    controller.abort();
    const aborted = await running;
    expect(aborted.code).toBe(130);
    const half = await objectsOf(B);
    for (const c of half.containers) expect(c.name.startsWith(`omrs-${B}-`)).toBe(true);

    const again = await omrs(['up', '--profile', PROFILE, '--env', B, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const after = await objectsOf(B);
    expectConvergedStack(after);
    expect(after.networks).toEqual([`omrs-${B}`]);
    expect(after.volumes).toEqual([`omrs-${B}-db-data`]);
  });

  it('runs two environments side by side; down of one leaves the other untouched', async () => {
    const a = await objectsOf(A);
    const b = upJson(await omrs(['up', '--profile', PROFILE, '--env', B, '--json']));
    expect(b.noop).toBe(true);
    expect(b.gatewayPort).not.toBe(port);
    const session = await http(`http://127.0.0.1:${b.gatewayPort}/openmrs/ws/rest/v1/session`, {
      auth: 'admin:Admin123',
    });
    expect(JSON.parse(session.body)).toMatchObject({ authenticated: true });
    expect((await omrs(['down', '--env', B, '--volumes'])).code).toBe(0);
    expect(await objectsOf(A)).toEqual(a);
    expect((await http(`http://127.0.0.1:${port}/openmrs/health/started`)).status).toBe(200);
  });

  it('stops before starting anything when an image is missing (exit 4), naming it and how to get it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omrs-missing-image-'));
    const profile = join(dir, 'missing.yaml');
    writeFileSync(profile, `extends: ${PROFILE}\nopenmrs:\n  images:\n    backend: omrs-test/not-built:0\n`);
    for (const pull of ['never', 'missing']) {
      const run = await omrs(['up', '--profile', profile, '--env', 'e2e-missing', '--pull', pull]);
      expect(run.code).toBe(4);
      expect(run.stderr).toMatch(/omrs-test\/not-built:0/);
      expect(run.stderr).toMatch(/omrs images load <bundle\.tar>/);
    }
    expect(await objectsOf('e2e-missing')).toEqual({ containers: [], networks: [], volumes: [] });
  });

  it('prints logs of one service and of all, interleaved with prefixes', async () => {
    const one = await omrs(['logs', 'backend-default', '--env', A, '--tail', '5']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout.trim().split('\n').length).toBeGreaterThan(0);
    const all = await omrs(['logs', '--env', A, '--tail', '3']);
    expect(all.stdout).toMatch(/^gateway\s+\| /m);
    expect(all.stdout).toMatch(/^backend-default\s+\| /m);
    const missing = await omrs(['logs', 'nope', '--env', A]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Services: backend-default/);
  });
});
