// User errors that used to be reported as omrs bugs ("Internal error"): output paths that cannot be
// written, `-o -`, a DOCKER_HOST that is not Docker, `render --values` in text mode, bad `--tail`
// values and a manifest that is an alias bomb. Each gets its own clear error and exit code, before
// any long work starts. Through the CLI (in-process), and the built CLI where the bundle matters.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { buildPrivateCli, type BuiltCli } from '../../helpers/built-cli.js';
import { readEngine } from '../../helpers/engines.js';

const ROOT = join(import.meta.dirname, '../../..');
const PROFILE = join(ROOT, 'test/fixtures/profiles/good/compose-test.yaml');
const helm = readEngine('helm')?.helm;
const dir = mkdtempSync(join(tmpdir(), 'omrs-user-errors-'));
const aFile = join(dir, 'a-file');
// Nothing may need Docker before the output path is checked: an engine that does not exist proves it.
const env = {
  DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}`,
  CI: 'true',
  ...(helm && { OMRS_HELM: helm }),
};
const omrs = (args: string[]): Promise<CliRun> => runCli(args, { cwd: dir, env });

/** One clear error: the expected exit code, a hint, no stack trace and no "Internal error". */
function expectClearError(run: CliRun, code: number, message: RegExp): void {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).toMatch(/hint:/);
  expect(run.stderr).not.toMatch(/Internal error|\n\s+at \S+ \(/);
}

beforeAll(() => writeFileSync(aFile, 'not a folder\n'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('output paths that cannot be written are usage errors, found before the work', () => {
  it.each([
    ['compose export', ['compose', 'export', '--profile', PROFILE, '-o', join(aFile, 'x.yaml')]],
    ['render -o', ['render', '--profile', PROFILE, '-o', join(aFile, 'objects')]],
    ['images save', ['images', 'save', '--profile', PROFILE, '-o', join(aFile, 'bundle.tar')]],
    ['promote record', ['promote', 'record', '--profile', PROFILE, '-o', join(aFile, 'record.json')]],
  ])('%s into a path under a file: exit 2', async (_what, args) => {
    expectClearError(await omrs(args), 2, /cannot write .*a-file.* \(-o\): .*a-file is a file, not a folder/);
  });

  it('compose export under /proc ends at once (no endless recursive mkdir)', async () => {
    expectClearError(
      await omrs(['compose', 'export', '--profile', PROFILE, '-o', '/proc/x/y.yaml']),
      2,
      /cannot write the file \/proc\/x\/y\.yaml/,
    );
  });

  it('render -o into a folder that is a file: exit 2', async () => {
    expectClearError(
      await omrs(['render', '--profile', PROFILE, '-o', aFile]),
      2,
      /a-file.*it is a file, not a folder/,
    );
  });

  it('-o - is refused where the output is more than one stream, and creates no folder named "-"', async () => {
    for (const args of [
      ['compose', 'export', '--profile', PROFILE, '-o', '-'],
      ['render', '--profile', PROFILE, '-o', '-'],
      ['images', 'save', '--profile', PROFILE, '-o', '-'],
    ]) {
      const run = await omrs(args);
      expectClearError(run, 2, /-o - \(standard output\) is not supported here/);
    }
    expect(existsSync(join(dir, '-'))).toBe(false);
  });

  it('promote record without a QA environment to smoke-test writes no record (exit 2)', async () => {
    const run = await omrs(['promote', 'record', '--profile', PROFILE, '-o', '-']);
    expectClearError(run, 2, /PROMOTE_SMOKE_URL_REQUIRED|needs a smoke test of the QA environment/);
    expect(run.stdout).toBe('');
    expect(existsSync(join(dir, '-'))).toBe(false);
  });
});

describe('a DOCKER_HOST that is not Docker', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    // An HTTP server that answers every request with 200 and an empty JSON object.
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is a missing prerequisite (exit 4) that names DOCKER_HOST without its credentials', async () => {
    const run = await runCli(['status', '--env', 'anything'], {
      cwd: dir,
      env: { ...env, DOCKER_HOST: `tcp://someone:Pw-in-url-77@127.0.0.1:${port}` },
    });
    expectClearError(
      run,
      4,
      new RegExp(`DOCKER_HOST tcp://127\\.0\\.0\\.1:${port} answers, but not as a Docker engine`),
    );
    expect(run.stdout + run.stderr).not.toContain('Pw-in-url-77');
  });
});

describe('omrs logs --tail takes a whole number', () => {
  it.each(['abc', '-5', '1.5'])('--tail %s is a usage error (exit 2)', async (value) => {
    const run = await omrs(['logs', '--env', 'anything', '--tail', value]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`--tail must be a whole number (0 or more), not "${value}"`);
  });
});

describe('omrs check on a manifest that is an alias bomb', () => {
  it('reports the user’s file (exit 2), not the chart', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g'].entries()) {
      const previous = String.fromCharCode('a'.charCodeAt(0) + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    writeFileSync(join(dir, 'bomb.yaml'), `${levels.join('\n')}\n`);
    writeFileSync(join(dir, 'list.yaml'), 'just: a map\n');
    const bomb = await omrs(['check', 'bomb.yaml']);
    expectClearError(bomb, 2, /bomb\.yaml: the document has YAML aliases that expand too much/);
    expect(bomb.stderr).not.toMatch(/the chart rendered/);
    const notObject = await omrs(['check', 'list.yaml']);
    expectClearError(notObject, 2, /list\.yaml: the document is not a Kubernetes object/);
    expect(notObject.stderr).not.toMatch(/the chart rendered/);
  });
});

describe('the built CLI', () => {
  let cli: BuiltCli | undefined;
  beforeAll(() => {
    cli = buildPrivateCli('user-errors');
  }, 300_000);
  afterAll(() => cli?.remove());

  it('render --values prints the chart values as YAML in text mode', () => {
    const run = spawnSync(process.execPath, [cli!.bin, 'render', '--values', '--profile', PROFILE], {
      cwd: dir,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/Internal error/);
    expect(run.stdout).toMatch(/^omrs:\n {2}env: compose-test\n/);
  });
});
