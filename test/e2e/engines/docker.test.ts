// Smoke test of the harness docker engine (test/harness/engines/docker.sh): a container from the
// locally built busybox image runs httpd and answers on a port published on 127.0.0.1.
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { readEngine, requireEngine } from '../../helpers/engines.js';

const docker = requireEngine('docker');
const images = readEngine('images');
const BUSYBOX = images?.tags.busybox ?? 'omrs-test/busybox:1';
const LABELS = { 'omrs.test': '1', 'omrs.test.file': 'engines/docker' };

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!docker)('harness docker engine', () => {
  const client = new Docker({ socketPath: docker?.socketPath });
  const created: Docker.Container[] = [];

  afterAll(async () => {
    for (const c of created) await c.remove({ force: true, v: true }).catch(() => undefined);
  });

  it('answers ping and reports its version', async () => {
    expect(String(await client.ping())).toBe('OK');
    const v = await client.version();
    expect(v.ApiVersion).toMatch(/^1\.\d+$/);
  });

  it('runs a busybox httpd whose published 127.0.0.1 port answers', async () => {
    const token = `omrs-${process.pid}-${Date.now()}`;
    const container = await client.createContainer({
      Image: BUSYBOX,
      Labels: LABELS,
      Cmd: [
        'sh',
        '-c',
        `mkdir -p /www && echo ${token} > /www/index.html && exec httpd -f -v -p 8000 -h /www`,
      ],
      ExposedPorts: { '8000/tcp': {} },
      HostConfig: { PortBindings: { '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
    created.push(container);
    await container.start();
    const info = await container.inspect();
    const port = info.NetworkSettings.Ports['8000/tcp']?.[0]?.HostPort;
    expect(port).toMatch(/^\d+$/);
    const body = await until('httpd on the published port', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/index.html`);
      return res.ok ? res.text() : undefined;
    });
    expect(body.trim()).toBe(token);
  });
});
