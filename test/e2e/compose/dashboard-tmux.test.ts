// `omrs up` in a real terminal (tmux) stays in the live dashboard: the services reach healthy in
// the table, `l` shows the selected service's log, `r` restarts the backend and it comes back
// healthy, `q` leaves with 0 and the environment still running. Polls with deadlines, no sleeps.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enginesRequired, requireEngine } from '../../helpers/engines.js';
import { PROFILE, docker, omrs, omrsHome } from './helpers.js';

const REPO = join(import.meta.dirname, '../../..');
const SOCKET = `omrs-dash-${process.pid}`;
const SESSION = 'dash';
const ENV = `dash-${randomBytes(3).toString('hex')}`;
const SERVICES = ['db', 'backend-default', 'frontend', 'gateway'];

function tmuxAvailable(): boolean {
  if (spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0) return true;
  const reason =
    'tmux is not installed (apt-get install -y tmux): the real-terminal checks of the dashboard did not run';
  if (enginesRequired()) throw new Error(`OMRS_REQUIRE_ENGINES=1 but ${reason}`);
  console.warn(`\n  SKIPPED: ${reason}\n`);
  return false;
}

const engines = {
  docker: requireEngine('docker'),
  images: requireEngine('images'),
  helm: requireEngine('helm'),
};
const ready = Boolean(engines.docker && engines.images && engines.helm) && tmuxAvailable();

const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-p', '-t', SESSION);
const press = (...keys: string[]): void => void tmux('send-keys', '-t', SESSION, ...keys);

async function waitForScreen(
  predicate: (text: string) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = screen();
    if (predicate(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the screen shows:\n${text}`);
}

const row = (service: string, state: string, health: string): RegExp =>
  new RegExp(`${service}\\s+\\S+\\s+${state}\\s+${health}\\b`);
const allHealthy = (text: string): boolean => SERVICES.every((s) => row(s, 'ok', 'healthy').test(text));

describe.skipIf(!ready)('the live dashboard of omrs up in a real terminal', () => {
  beforeAll(async () => {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO, stdio: 'pipe' });
    await omrs(['down', '--env', ENV, '--volumes']);
  });
  afterAll(async () => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    const down = await omrs(['down', '--volumes', '--env', ENV]);
    expect(down.code, down.stderr).toBe(0);
  });

  it('shows the services healthy, follows logs, restarts the backend, and quits leaving the env running', async () => {
    const env = [
      `OMRS_HOME=${omrsHome}`,
      `OMRS_HELM=${engines.helm!.helm}`,
      `DOCKER_HOST=unix://${engines.docker!.socketPath}`,
    ].join(' ');
    const command = `unset CI; export TERM=xterm-256color; ${env} node ${join(REPO, 'bin/omrs.js')} up --profile ${PROFILE} --env ${ENV}; echo ${SESSION}-exit=$?; sleep 300`;
    tmux('new-session', '-d', '-s', SESSION, '-x', '120', '-y', '35', '-c', REPO, command);

    let text = await waitForScreen(
      (s) => allHealthy(s) && s.includes('q quit'),
      'the service table to show every service healthy',
      180_000,
    );
    expect(text).toContain(`omrs · ${ENV}`);
    expect(text).toMatch(/✔ Backend started \(\/openmrs\/health\/started\) \(\d/);
    expect(text).toMatch(/↑\/↓ select\s+l logs\s+r restart\s+s seed\s+d down\s+o open\s+q quit/);

    // Select the backend, then show its log.
    for (let i = 0; i < SERVICES.length + 2 && !/❯ backend-default/.test(screen()); i++) {
      press('Down');
      await waitForScreen((s) => s.includes('❯'), 'the cursor', 5000);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await waitForScreen((s) => /❯ backend-default/.test(s), 'the cursor on backend-default', 5000);
    press('l');
    text = await waitForScreen(
      (s) => s.includes('logs · backend-default') && s.includes('OpenMRS stand-in started'),
      'the backend log lines',
    );

    // Restart it: the pane shows it going down and starting again, the table healthy again.
    press('r');
    text = await waitForScreen(
      (s) => s.includes('restarted and healthy again'),
      'the restart to finish',
      120_000,
    );
    expect(text).toMatch(row('backend-default', 'ok', 'healthy'));
    text = await waitForScreen(
      (s) => s.includes('signal received: shutting down'),
      'the restart in the log pane',
      15_000,
    );
    const started = (await docker.getContainer(`omrs-${ENV}-backend-default`).inspect()).State.StartedAt;
    expect(Date.now() - Date.parse(started)).toBeLessThan(150_000);

    press('q');
    text = await waitForScreen((s) => new RegExp(`${SESSION}-exit=\\d+`).test(s), 'omrs to exit', 15_000);
    expect(text).toContain(`${SESSION}-exit=0`);
    // The dashboard's alternate screen is gone; what `up` printed stays.
    expect(text).toMatch(new RegExp(`✔ ${ENV} is (up|up to date)`));

    const containers = await docker.listContainers({ filters: { label: [`omrs.dev/env=${ENV}`] } });
    const running = containers.map((c) => c.Labels['omrs.dev/service']).sort();
    expect(running).toEqual([...SERVICES].sort());
  });

  it('lists the running environment in the shell, and Enter opens its dashboard', async () => {
    const env = `OMRS_HOME=${omrsHome} OMRS_HELM=${engines.helm!.helm} DOCKER_HOST=unix://${engines.docker!.socketPath}`;
    tmux(
      'new-session',
      '-d',
      '-s',
      'shell',
      '-x',
      '120',
      '-y',
      '35',
      '-c',
      REPO,
      `unset CI; export TERM=xterm-256color; ${env} node ${join(REPO, 'bin/omrs.js')}; echo shell-exit=$?; sleep 300`,
    );
    const listed = new RegExp(
      `${ENV}\\s+compose-test · compose\\s+running\\s+http://localhost:\\d+/openmrs/spa/`,
    );
    const shellScreen = (): string => tmux('capture-pane', '-p', '-t', 'shell');
    const waitShell = async (predicate: (text: string) => boolean, what: string): Promise<string> => {
      const deadline = Date.now() + 30_000;
      let text = '';
      while (Date.now() < deadline)
        if (predicate((text = shellScreen()))) return text;
        else await new Promise((resolve) => setTimeout(resolve, 150));
      throw new Error(`timed out waiting for ${what}; the screen shows:\n${text}`);
    };
    await waitShell((s) => listed.test(s), `${ENV} in the environments panel`);
    tmux('send-keys', '-t', 'shell', 'Tab');
    for (let i = 0; i < 10 && !new RegExp(`❯ ${ENV}`).test(shellScreen()); i++) {
      tmux('send-keys', '-t', 'shell', 'Down');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    tmux('send-keys', '-t', 'shell', 'Enter');
    await waitShell(
      (s) => s.includes(`omrs · ${ENV}`) && allHealthy(s),
      'the dashboard of the env with its services healthy',
    );
    tmux('send-keys', '-t', 'shell', 'q');
    await waitShell((s) => s.includes('Profiles') && listed.test(s), 'the shell again');
    tmux('send-keys', '-t', 'shell', 'q');
    expect(await waitShell((s) => /shell-exit=\d+/.test(s), 'omrs to exit')).toContain('shell-exit=0');
  });
});
