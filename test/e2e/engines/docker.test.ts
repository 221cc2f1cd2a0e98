// Smoke test of the harness docker engine (test/harness/engines/docker.sh): a container from the
// locally built busybox image runs httpd and answers on a port published on 127.0.0.1; and the
// script's crash recovery, on a second isolated dockerd (OMRS_DOCKERD_ROOT) so the engine the
// other tests use is never killed.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { readEngine, requireEngine } from '../../helpers/engines.js';
import { isolatedDockerd } from '../../helpers/isolated-docker.js';
import { until } from '../../helpers/poll.js';

const docker = requireEngine('docker');
const images = readEngine('images');
const BUSYBOX = images?.tags.busybox ?? 'omrs-test/busybox:1';
const LABELS = { 'omrs.test': '1', 'omrs.test.file': 'engines/docker' };

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

/** Running: exists and is not a zombie (a killed child is one until this process reaps it). */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return false;
  }
}

describe.skipIf(!docker)('harness docker engine recovery (isolated dockerd)', () => {
  const dockerd = isolatedDockerd();
  const { root, script } = dockerd;
  const pidIn = (file: string) => Number(readFileSync(join(root, file), 'utf8').trim());
  // The CLI rather than dockerode: Node's kept-alive connection to the killed dockerd would be reused.
  const answers = () =>
    spawnSync('docker', ['-H', `unix://${dockerd.socket}`, 'version', '--format', '{{.Server.Version}}'], {
      encoding: 'utf8',
      timeout: 20_000,
    }).status === 0;

  afterAll(() => dockerd.remove());

  it('starts when the containerd a killed dockerd left behind no longer serves', { timeout: 240_000 }, () => {
    const first = script('up');
    expect(first.status, first.stderr).toBe(0);
    expect(answers()).toBe(true);

    // The CI failure this guards: dockerd and containerd die; the pid file then names a live
    // process called containerd that never answers, and a plain restart gives up on it.
    process.kill(pidIn('docker.pid'), 'SIGKILL');
    process.kill(pidIn('exec/containerd/containerd.pid'), 'SIGKILL');
    const impostor = join(root, 'containerd');
    copyFileSync('/bin/sleep', impostor);
    const hung = spawn(impostor, ['600'], { detached: true, stdio: 'ignore' });
    hung.unref();
    writeFileSync(join(root, 'exec/containerd/containerd.pid'), String(hung.pid));

    const again = script('up');
    expect(again.status, again.stderr + again.stdout).toBe(0);
    expect(again.stdout).toMatch(/restarting it with a fresh containerd/);
    expect(answers()).toBe(true);
    expect(running(hung.pid!)).toBe(false);
    expect(pidIn('exec/containerd/containerd.pid')).not.toBe(hung.pid);

    const stop = script('stop');
    expect(stop.status, stop.stderr).toBe(0);
    expect(answers()).toBe(false);
    expect(spawnSync('ip', ['link', 'show', 'docker0']).status, 'the main engine keeps its bridge').toBe(0);
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(root);
  });
});
