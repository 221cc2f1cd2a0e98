// omrs and a real private registry (the harness `registry` engine: CNCF Distribution on
// 127.0.0.1): `omrs images save` of the omrs-test images, `omrs images load --push` into a prefix
// unique to this run, proven through the registry's HTTP API; `omrs images ls --resolve` reports
// the registry's digests; a profile with images.registry renders every image under the mirror and
// `omrs up --pull always` pulls them from it and reaches healthy. Everything this file creates
// (local tags, the env, the registry repositories) is removed at the end.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';

const exec = promisify(execFile);
const root = join(import.meta.dirname, '../../..');
const docker = requireEngine('docker');
const images = requireEngine('images');
const registry = requireEngine('registry');
const helm = requireEngine('helm');
const ready = Boolean(docker && images && registry && helm);

const run = randomBytes(3).toString('hex');
const prefix = `omrs-e2e-${run}`;
const mirror = `${registry?.address ?? '127.0.0.1:0'}/${prefix}`;
const env = `e2e-registry-${run}`;
const source = join(root, 'test/fixtures/profiles/good/compose-test.yaml');
/** The images of compose-test, as `images load --push` names them under the mirror. */
const components = {
  gateway: 'omrs-test/gateway:1',
  frontend: 'omrs-test/frontend:1',
  backend: 'omrs-test/backend:1',
  db: 'omrs-test/mariadb:10.11',
} as const;
const mirrored = (image: string) => `${mirror}/${image}`;
const repositoryOf = (image: string) => `${prefix}/${image.slice(0, image.lastIndexOf(':'))}`;
const tagOf = (image: string) => image.slice(image.lastIndexOf(':') + 1);

const tmp = mkdtempSync(join(tmpdir(), 'omrs-registry-'));
const home = join(tmp, 'home');
const bundle = join(tmp, 'bundle.tar');
const profile = join(tmp, 'mirror.yaml');
writeFileSync(
  profile,
  `extends: ${source}\ndescription: compose-test through the harness registry\nimages:\n  registry: ${mirror}\n  pullPolicy: IfNotPresent\n`,
);

const cliEnv = {
  DOCKER_HOST: docker && `unix://${docker.socketPath}`,
  OMRS_HOME: home,
  OMRS_HELM: helm?.helm,
  CI: 'true',
};
const omrs = (...argv: string[]): Promise<CliRun> => runCli(argv, { cwd: tmp, env: cliEnv });
const dockerCli = (...args: string[]) =>
  exec('docker', args, { env: { ...process.env, DOCKER_HOST: cliEnv.DOCKER_HOST } });
const repoDigests = async (image: string): Promise<string[]> =>
  dockerCli('image', 'inspect', '--format', '{{json .RepoDigests}}', image).then(
    ({ stdout }) => JSON.parse(stdout) as string[],
    () => [],
  );
const localMirrorTags = async (): Promise<string[]> => {
  const { stdout } = await dockerCli('images', '--format', '{{.Repository}}:{{.Tag}}');
  return stdout.split('\n').filter((i) => i.startsWith(`${mirror}/`));
};

// The registry's HTTP API (Docker Registry HTTP API V2 / OCI distribution spec), plain HTTP.
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');
const api = (path: string, init: RequestInit = {}) => fetch(`${registry!.url}/v2/${path}`, init);
const catalog = async (): Promise<string[]> => {
  const response = await api('_catalog?n=10000');
  expect(response.status).toBe(200);
  return ((await response.json()) as { repositories: string[] }).repositories;
};
const tags = async (repository: string): Promise<string[] | undefined> => {
  const response = await api(`${repository}/tags/list`);
  if (response.status === 404) return undefined;
  expect(response.status).toBe(200);
  return ((await response.json()) as { tags: string[] | null }).tags ?? [];
};
const manifestHead = (repository: string, reference: string) =>
  api(`${repository}/manifests/${reference}`, { method: 'HEAD', headers: { Accept: MANIFEST_TYPES } });

interface ImageRow {
  component: string;
  image: string;
  digest?: string;
  pinned?: boolean;
}

describe.skipIf(!ready)('omrs with a private registry (harness registry engine)', () => {
  /** repository → the digest the registry serves for its tag, filled by the push test. */
  const served = new Map<string, string>();

  afterAll(async () => {
    await omrs('down', '--env', env, '--volumes');
    const leftovers = await localMirrorTags().catch(() => []);
    if (leftovers.length > 0) await dockerCli('rmi', ...leftovers).catch(() => undefined);
    // The API deletes manifests (and their tags); the repository folders it leaves are removed
    // from the registry's own storage on this machine so that the catalog does not grow per run.
    for (const image of Object.values(components)) {
      const repository = repositoryOf(image);
      const head = await manifestHead(repository, tagOf(image)).catch(() => undefined);
      const digest = head?.headers.get('docker-content-digest');
      if (digest) await api(`${repository}/manifests/${digest}`, { method: 'DELETE' }).catch(() => undefined);
    }
    if (registry?.storage) {
      const folder = join(registry.storage, 'docker/registry/v2/repositories', prefix);
      if (existsSync(folder)) rmSync(folder, { recursive: true, force: true });
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the registry is a real Distribution registry on 127.0.0.1', async () => {
    expect(registry!.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const response = await api('');
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    expect((await catalog()).filter((r) => r.startsWith(`${prefix}/`))).toEqual([]);
  });

  it('images save, then images load --push puts every image into the registry', async () => {
    const saved = await omrs('--json', 'images', 'save', '--profile', source, '-o', bundle);
    expect(saved.code, saved.stderr).toBe(0);

    const loaded = await omrs('--json', 'images', 'load', bundle, '--push', mirror);
    expect(loaded.code, loaded.stderr).toBe(0);
    const result = JSON.parse(loaded.stdout) as {
      pushed: { image: string; target: string; digest?: string }[];
    };
    expect(result.pushed.map((p) => p.target).sort()).toEqual(Object.values(components).map(mirrored).sort());

    // The catalog lists exactly the four repositories under the prefix.
    expect((await catalog()).filter((r) => r.startsWith(`${prefix}/`)).sort()).toEqual(
      Object.values(components).map(repositoryOf).sort(),
    );
    for (const image of Object.values(components)) {
      const repository = repositoryOf(image);
      expect(await tags(repository)).toEqual([tagOf(image)]);
      const byTag = await manifestHead(repository, tagOf(image));
      expect(byTag.status, repository).toBe(200);
      const digest = byTag.headers.get('docker-content-digest') ?? '';
      expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      // The manifest is there by its digest too, and it is the one the engine pushed.
      expect((await manifestHead(repository, digest)).status).toBe(200);
      expect(await repoDigests(mirrored(image))).toContain(
        `${mirror}/${image.slice(0, image.lastIndexOf(':'))}@${digest}`,
      );
      // omrs reports the digest of each pushed image.
      expect(result.pushed.find((p) => p.target === mirrored(image))?.digest).toBe(digest);
      served.set(repository, digest);
    }
    expect(loaded.stdout + loaded.stderr).not.toMatch(/password/i);
  });

  it('images ls --resolve reports the registry digest of every image of a mirror profile', async () => {
    expect(served.size).toBe(4);
    const plain = await omrs('--json', 'images', 'ls', '--profile', profile);
    expect(plain.code, plain.stderr).toBe(0);
    const listed = (JSON.parse(plain.stdout) as { images: ImageRow[] }).images;
    expect(listed.map((i) => i.image).sort()).toEqual(Object.values(components).map(mirrored).sort());
    expect(listed.every((i) => i.digest === undefined)).toBe(true);

    const resolved = await omrs('--json', 'images', 'ls', '--profile', profile, '--resolve');
    expect(resolved.code, resolved.stderr).toBe(0);
    const rows = (JSON.parse(resolved.stdout) as { images: ImageRow[] }).images;
    for (const [component, image] of Object.entries(components)) {
      const row = rows.find((r) => r.component === component);
      expect(row, component).toMatchObject({
        image: mirrored(image),
        digest: served.get(repositoryOf(image)),
        pinned: false,
      });
    }
    const text = await omrs('images', 'ls', '--profile', profile, '--resolve');
    expect(text.code, text.stderr).toBe(0);
    for (const digest of served.values()) expect(text.stdout).toContain(digest);
  });

  it('images ls --resolve fails naming the image that is not in the registry (exit 1)', async () => {
    const missing = join(tmp, 'missing.yaml');
    writeFileSync(
      missing,
      `extends: ${profile}\nopenmrs:\n  images:\n    backend: omrs-test/never-pushed:0\n`,
    );
    const { code, stdout, stderr } = await omrs('images', 'ls', '--profile', missing, '--resolve');
    expect(code, stdout).toBe(1);
    expect(stderr).toContain(`${mirror}/omrs-test/never-pushed:0`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('a profile with images.registry renders every container image under the mirror', async () => {
    const rendered = await omrs('--json', 'render', '--profile', profile, '--env', env);
    expect(rendered.code, rendered.stderr).toBe(0);
    type Pod = { containers?: { image: string }[]; initContainers?: { image: string }[] };
    const manifests = (JSON.parse(rendered.stdout) as { manifests: Record<string, unknown>[] }).manifests;
    const refs: string[] = [];
    for (const object of manifests) {
      const spec = (
        object as {
          spec?: { template?: { spec?: Pod }; jobTemplate?: { spec?: { template?: { spec?: Pod } } } };
        }
      ).spec;
      const pod = spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec;
      for (const c of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) refs.push(c.image);
    }
    expect(refs.length).toBeGreaterThanOrEqual(4);
    for (const ref of refs) expect(ref.startsWith(`${mirror}/omrs-test/`), ref).toBe(true);
    expect(new Set(refs)).toEqual(new Set(Object.values(components).map(mirrored)));
  });

  it('omrs up --pull always pulls every image from the registry and reaches healthy', async () => {
    // The push left the mirror tags in the local engine: remove them so that only a pull can
    // bring them back (the omrs-test tags of the same images stay, so no layer is lost).
    const pushedTags = await localMirrorTags();
    if (pushedTags.length > 0) await dockerCli('rmi', ...pushedTags);
    expect(await localMirrorTags()).toEqual([]);

    const up = await runCli(['up', '--profile', profile, '--env', env, '--pull', 'always', '--json'], {
      cwd: tmp,
      env: cliEnv,
    });
    expect(up.code, up.stderr + up.stdout).toBe(0);
    for (const image of Object.values(components)) expect(up.stderr).toContain(`pulling ${mirrored(image)}`);
    expect(up.stderr).not.toMatch(/could not pull/);
    const port = (JSON.parse(up.stdout) as { gatewayPort: number }).gatewayPort;
    expect((await fetch(`http://127.0.0.1:${port}/openmrs/health/started`)).status).toBe(200);
    const page = await fetch(`http://127.0.0.1:${port}/openmrs/spa/`);
    expect(page.status).toBe(200);

    // Each image is back under the mirror name, with the digest the registry serves.
    expect((await localMirrorTags()).sort()).toEqual(Object.values(components).map(mirrored).sort());
    for (const image of Object.values(components)) {
      const digest = served.get(repositoryOf(image))!;
      expect(await repoDigests(mirrored(image))).toContain(
        `${mirror}/${image.slice(0, image.lastIndexOf(':'))}@${digest}`,
      );
    }
    // The containers run the mirror's images.
    const { stdout } = await dockerCli(
      'ps',
      '--filter',
      `label=omrs.dev/env=${env}`,
      '--format',
      '{{.Image}}',
    );
    const running = stdout.split('\n').filter(Boolean);
    expect(running.length).toBeGreaterThanOrEqual(3);
    for (const image of running) expect(image.startsWith(`${mirror}/`), image).toBe(true);

    const down = await omrs('down', '--env', env, '--volumes');
    expect(down.code, down.stderr).toBe(0);
  });

  it('up --pull always from a mirror without the images stops before starting anything (exit 4)', async () => {
    const empty = join(tmp, 'empty-mirror.yaml');
    writeFileSync(empty, `extends: ${profile}\nimages:\n  registry: ${mirror}-empty\n`);
    const emptyEnv = `${env}-x`;
    const up = await omrs('up', '--profile', empty, '--env', emptyEnv, '--pull', 'always');
    expect(up.code, up.stderr).toBe(4);
    expect(up.stderr).toContain(`${mirror}-empty/omrs-test/backend:1`);
    expect(up.stderr).toMatch(/Pulling failed/);
    const { stdout } = await dockerCli(
      'ps',
      '-a',
      '--filter',
      `label=omrs.dev/env=${emptyEnv}`,
      '--format',
      '{{.Names}}',
    );
    expect(stdout.trim()).toBe('');
  });
});
