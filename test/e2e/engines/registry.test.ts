// Smoke test of the harness registry (test/harness/engines/registry.sh, CNCF Distribution on
// 127.0.0.1): an OCI image pushed and read back through the HTTP API alone, then deleted.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireEngine } from '../../helpers/engines.js';

const registry = requireEngine('registry');
const repository = `omrs-smoke-${randomBytes(3).toString('hex')}/tiny`;
const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

describe.skipIf(!registry)('harness registry engine (Distribution)', () => {
  const api = (path: string, init: RequestInit = {}) => fetch(`${registry!.url}/v2/${path}`, init);

  afterAll(() => {
    if (!registry?.storage) return;
    const folder = join(registry.storage, 'docker/registry/v2/repositories', repository.split('/')[0]!);
    if (existsSync(folder)) rmSync(folder, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 and speaks the registry API v2', async () => {
    expect(registry!.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(registry!.url).toBe(`http://${registry!.address}`);
    const response = await api('');
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('stores an image, serves it by tag and digest, and deletes it', async () => {
    const layer = randomBytes(512);
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
      }),
    );
    for (const blob of [layer, config]) {
      const start = await api(`${repository}/blobs/uploads/`, { method: 'POST' });
      expect(start.status).toBe(202);
      const location = new URL(start.headers.get('location')!, registry!.url);
      location.searchParams.set('digest', sha256(blob));
      const put = await fetch(location, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: blob,
      });
      expect(put.status).toBe(201);
    }
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(config),
        size: config.length,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length },
      ],
    });
    const put = await api(`${repository}/manifests/1`, {
      method: 'PUT',
      headers: { 'Content-Type': OCI_MANIFEST },
      body: manifest,
    });
    expect(put.status).toBe(201);
    const digest = put.headers.get('docker-content-digest');
    expect(digest).toBe(sha256(manifest));

    expect(await (await api(`${repository}/tags/list`)).json()).toEqual({ name: repository, tags: ['1'] });
    const byDigest = await api(`${repository}/manifests/${digest}`, { headers: { Accept: OCI_MANIFEST } });
    expect(byDigest.status).toBe(200);
    expect(await byDigest.text()).toBe(manifest);
    const blob = await api(`${repository}/blobs/${sha256(layer)}`);
    expect(Buffer.from(await blob.arrayBuffer()).equals(layer)).toBe(true);

    expect((await api(`${repository}/manifests/${digest}`, { method: 'DELETE' })).status).toBe(202);
    expect((await api(`${repository}/manifests/1`, { headers: { Accept: OCI_MANIFEST } })).status).toBe(404);
  });
});
