// The engines runner (test/harness/engines.sh) itself, driven with engine scripts of its own
// (OMRS_ENGINES_DIR) and an empty cache: it needs no engine, so it belongs to the unit project.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const runner = join(import.meta.dirname, '..', 'harness', 'engines.sh');

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'omrs-harness-test-'));
  mkdirSync(join(dir, 'engines'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * An engine script: `up` runs `up` (the engine counts as started once it touches
 * $OMRS_HARNESS_CACHE/run/<name>), `status` succeeds only when that file exists.
 */
function engine(name: string, up: string): void {
  const file = join(dir, 'engines', `${name}.sh`);
  writeFileSync(
    file,
    `#!/usr/bin/env bash
set -euo pipefail
RUN="$OMRS_HARNESS_CACHE/run/${name}"
LOG="$OMRS_HARNESS_CACHE/logs/${name}-setup.log"
start() { mkdir -p "$(dirname "$RUN")"; touch "$RUN"; }
case "\${1:-up}" in
  up)
${up}
    ;;
  status) if [ -f "$RUN" ]; then echo "${name}: up"; else echo "${name}: down"; exit 1; fi ;;
  stop) rm -f "$RUN" ;;
esac
`,
  );
  chmodSync(file, 0o755);
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function engines(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [runner, ...args],
      {
        env: {
          ...process.env,
          OMRS_ENGINES_DIR: join(dir, 'engines'),
          OMRS_HARNESS_CACHE: join(dir, 'cache'),
        },
      },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number(error.code ?? 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        }),
    );
  });
}

describe('npm run engines (test/harness/engines.sh)', () => {
  it('exits 0 when every engine asked for is up after its up', async () => {
    engine('good', '    start');
    const run = await engines('up', 'good');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('engines: all up: good');
    expect(await engines('status', 'good')).toMatchObject({ code: 0, stdout: 'good: up\n' });
  });

  it('fails naming the engine whose up exits 0 without starting it', async () => {
    engine('good', '    start');
    engine('hollow', '    echo "hollow: nothing to do"');
    const run = await engines('up', 'good', 'hollow');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(
      'engines: hollow reported success but its status says it is not up: hollow: down',
    );
    expect(run.stderr).toContain(`engines: hollow: see its logs under ${join(dir, 'cache', 'logs')}/`);
    expect(run.stderr).toMatch(/engines: not ready: hollow$/m);
    expect(run.stderr).not.toContain('engines: good');
  });

  it('fails naming the engine whose up fails', async () => {
    engine(
      'broken',
      `    mkdir -p "$(dirname "$LOG")"; printf 'E: Could not get lock /var/lib/dpkg/lock-frontend\\n' >>"$LOG"
    echo "broken: step 'build' failed" >&2; exit 3`,
    );
    const run = await engines('up', 'broken');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("broken: step 'build' failed");
    expect(run.stderr).toContain(`engines: broken failed; its log is under ${join(dir, 'cache', 'logs')}/`);
    // CI keeps only this output: the end of the log the engine wrote says why.
    expect(run.stderr).toContain(`engines: the end of ${join(dir, 'cache', 'logs', 'broken-setup.log')}:`);
    expect(run.stderr).toContain('      E: Could not get lock /var/lib/dpkg/lock-frontend');
    expect(run.stderr).toMatch(/engines: not ready: broken$/m);
  });

  it('catches an up ended early by `exit` inside a redirected { } group (mariadb.sh, issue 13)', async () => {
    // The group runs in the script's own shell: its `exit $rc` ends the whole script with status 0
    // right after the install step, before the engine is ever started.
    engine(
      'grouped',
      `    mkdir -p "$(dirname "$LOG")"
    { echo "installing"; rc=0; exit $rc; } >>"$LOG" 2>&1 || { echo "grouped: install failed" >&2; exit 1; }
    start`,
    );
    const run = await engines('up', 'grouped');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('engines: grouped reported success but its status says it is not up');
    expect(run.stderr).toContain('grouped-setup.log');
    expect(run.stderr).toMatch(/engines: not ready: grouped$/m);
  });

  it('status exits non-zero naming the engines that are down', async () => {
    engine('good', '    start');
    engine('hollow', '    true');
    await engines('up', 'good');
    const run = await engines('status', 'good', 'hollow');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('good: up\nhollow: down\n');
    expect(run.stderr).toBe('engines: not ready: hollow\n');
  });
});
