// omrs images save / load against the real Docker engine: a bundle of the compose-test images
// plus a probe tag this test creates, removes and gets back by loading the bundle. The shared
// omrs-test images other tests use are never removed.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';

const exec = promisify(execFile);
const root = join(import.meta.dirname, '../../..');
const docker = requireEngine('docker');
const images = requireEngine('images');
const env = { DOCKER_HOST: docker && `unix://${docker.socketPath}` };
const probe = 'omrs-test/bundle-probe:1';
const profile = join(root, 'test/fixtures/profiles/good/bundle-probe.yaml');
const unreachable = '127.0.0.1:1';

const dockerCli = (...args: string[]) => exec('docker', args, { env: { ...process.env, ...env } });
const exists = async (image: string): Promise<boolean> =>
  dockerCli('image', 'inspect', image).then(
    () => true,
    () => false,
  );

const tmp = mkdtempSync(join(tmpdir(), 'omrs-bundle-'));
const bundle = join(tmp, 'bundle.tar');
const cli = (...argv: string[]) => runCli(['--json', 'images', ...argv], { cwd: tmp, env });

describe.skipIf(!docker || !images)('omrs images save / load (real Docker engine)', () => {
  beforeAll(async () => {
    await dockerCli('tag', images!.tags.busybox, probe);
  });
  afterAll(async () => {
    const { stdout } = await dockerCli('images', '--format', '{{.Repository}}:{{.Tag}}');
    const leftovers = stdout.split('\n').filter((i) => i === probe || i.startsWith(`${unreachable}/`));
    if (leftovers.length > 0) await dockerCli('rmi', ...leftovers).catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('saves every image of the profile into one bundle, leaving no temporary file', async () => {
    const { code, stdout, stderr } = await cli('save', '--profile', profile, '-o', 'bundle.tar');
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as { file: string; bytes: number; images: { saved: string }[] };
    expect(result.file).toBe(bundle);
    expect(result.images.map((i) => i.saved)).toEqual(
      expect.arrayContaining([
        probe,
        'omrs-test/gateway:1',
        'omrs-test/backend:1',
        'omrs-test/mariadb:10.11',
      ]),
    );
    expect(existsSync(bundle)).toBe(true);
    expect(result.bytes).toBeGreaterThan(1024 * 1024);
    expect(readdirSync(tmp)).toEqual(['bundle.tar']);
    // progress in bytes on stderr as NDJSON
    expect(stderr).toMatch(/"type":\s*"progress".*"unit":\s*"B"/);
  });

  it('loads the bundle back: a removed tag is there again', async () => {
    await dockerCli('rmi', probe);
    expect(await exists(probe)).toBe(false);
    const { code, stdout, stderr } = await cli('load', bundle);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as { images: string[]; pushed: unknown[] };
    expect(result.images).toContain(probe);
    expect(result.pushed).toEqual([]);
    expect(await exists(probe)).toBe(true);
  });

  it('refuses to save when an image is missing locally (exit 4, naming it)', async () => {
    const missing = join(tmp, 'missing.yaml');
    writeFileSync(
      missing,
      `extends: ${profile}\nopenmrs:\n  images:\n    backend: omrs-test/never-built:0\n`,
    );
    const { code, stdout } = await cli('save', '--profile', missing, '-o', 'missing.tar');
    expect(code).toBe(4);
    expect(stdout).toContain('omrs-test/never-built:0');
    expect(stdout).toContain('docker pull');
    expect(existsSync(join(tmp, 'missing.tar'))).toBe(false);
    rmSync(missing);
  });

  it('rejects a missing, a non-tar and a truncated bundle with exit 2', async () => {
    const garbage = join(tmp, 'garbage.tar');
    writeFileSync(garbage, Buffer.alloc(64 * 1024, 'not a tar '));
    const truncated = join(tmp, 'truncated.tar');
    await exec('head', ['-c', String(300 * 1024), bundle]).then(({ stdout }) =>
      writeFileSync(truncated, stdout, 'latin1'),
    );
    for (const file of [join(tmp, 'nope.tar'), garbage, truncated]) {
      const { code, stdout, stderr } = await runCli(['images', 'load', file], { cwd: tmp, env });
      expect(code, `${file}: ${stdout}${stderr}`).toBe(2);
      expect(stderr).toContain(file);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
    rmSync(garbage);
    rmSync(truncated);
  });

  it('Ctrl-C during save and during load: exit 130 (not a failed save or a corrupt bundle), no partial file', async () => {
    const stopOn = (pattern: RegExp) => {
      const controller = new AbortController();
      return {
        signal: controller.signal,
        onStderr: (text: string) => {
          if (!controller.signal.aborted && pattern.test(text)) controller.abort();
        },
      };
    };
    // The first progress event comes after 8 MiB of the stream: the save is under way.
    const save = await runCli(['--json', 'images', 'save', '--profile', profile, '-o', 'stopped.tar'], {
      cwd: tmp,
      env,
      ...stopOn(/"type":"progress","step":"save"/),
    });
    expect(save.code, save.stdout + save.stderr).toBe(130);
    expect(JSON.parse(save.stdout)).toMatchObject({ error: { code: 'INTERRUPTED' } });
    expect(readdirSync(tmp).filter((f) => f.includes('stopped'))).toEqual([]);

    const load = await runCli(['--json', 'images', 'load', bundle], {
      cwd: tmp,
      env,
      ...stopOn(/"id":"load"/),
    });
    expect(load.code, load.stdout + load.stderr).toBe(130);
    expect(JSON.parse(load.stdout)).toMatchObject({ error: { code: 'INTERRUPTED' } });
  });

  it('fetches the profile’s modules beside the bundle, checked, laid out as a module repository a site can serve', async () => {
    const omod = randomBytes(3000);
    const jar = randomBytes(5000);
    const sha = (body: Buffer) => createHash('sha256').update(body).digest('hex');
    const served = new Map([
      ['/repo/org/example/greeting-omod/1.0.0/greeting-omod-1.0.0.jar', jar],
      ['/files/own-2.0.omod', omod],
    ]);
    const server = createServer((req, res) => {
      const body = served.get(req.url ?? '');
      res.writeHead(body ? 200 : 404).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const withModules = join(tmp, 'with-modules.yaml');
    const write = (ownSha: string) =>
      writeFileSync(
        withModules,
        [
          `extends: ${profile}`,
          `moduleRepository: ${base}/repo`,
          'openmrs:',
          `  images: { fetcher: ${images!.tags.busybox} }`,
          '  modules:',
          `    - { id: greeting, version: 1.0.0, coordinate: "org.example:greeting-omod:1.0.0", sha256: ${sha(jar)} }`,
          `    - { id: own, version: "2.0", url: "${base}/files/own-2.0.omod", sha256: ${ownSha} }`,
          '',
        ].join('\n'),
      );
    try {
      write(sha(omod));
      const { code, stdout, stderr } = await cli('save', '--profile', withModules, '-o', 'modules.tar');
      expect(code, stderr).toBe(0);
      const result = JSON.parse(stdout) as {
        modulesDir: string;
        modules: { id: string; file: string; sha256: string }[];
      };
      const dir = join(tmp, 'modules.tar.modules');
      expect(result.modulesDir).toBe(dir);
      const coordinateFile = join(dir, 'org/example/greeting-omod/1.0.0/greeting-omod-1.0.0.jar');
      const urlFile = join(dir, `urls/127.0.0.1_${new URL(base).port}/files/own-2.0.omod`);
      expect(result.modules).toEqual([
        expect.objectContaining({ id: 'greeting', file: coordinateFile, sha256: sha(jar) }),
        expect.objectContaining({ id: 'own', file: urlFile, sha256: sha(omod) }),
      ]);
      expect(readFileSync(coordinateFile).equals(jar)).toBe(true);
      expect(readFileSync(urlFile).equals(omod)).toBe(true);

      // A file with another checksum: the save stops before the images, and nothing takes its name.
      write(sha(randomBytes(8)));
      const bad = await runCli(['images', 'save', '--profile', withModules, '-o', 'bad.tar'], {
        cwd: tmp,
        env,
      });
      expect(bad.code, bad.stderr).toBe(1);
      expect(bad.stderr).toContain('MODULE_CHECKSUM_MISMATCH');
      expect(bad.stderr).toContain(`Module own 2.0 from ${base}/files/own-2.0.omod has SHA-256 ${sha(omod)}`);
      expect(existsSync(join(tmp, 'bad.tar'))).toBe(false);
      const badDir = join(tmp, 'bad.tar.modules', `urls/127.0.0.1_${new URL(base).port}/files`);
      expect(existsSync(badDir) ? readdirSync(badDir) : []).toEqual([]);
    } finally {
      server.close();
      rmSync(withModules, { force: true });
    }
  });

  it('--push to an unreachable registry fails clearly, naming the registry', async () => {
    const { code, stderr } = await runCli(['images', 'load', bundle, '--push', unreachable], {
      cwd: tmp,
      env,
    });
    expect(code).toBe(1);
    expect(stderr).toContain(`registry ${unreachable}`);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stderr).not.toContain('Internal error');
  });
});
