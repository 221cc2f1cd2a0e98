// `omrs up` in a real terminal (tmux) stays in the live dashboard: the services reach healthy in
// the table, `l` shows the selected service's log, `r` restarts the backend and it comes back
// healthy, `q` leaves with 0 and the environment still running. Polls with deadlines, no sleeps.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPrivateCli, type BuiltCli } from '../../helpers/built-cli.js';
import { openTerminal, tmuxAvailable, type Terminal } from '../../helpers/tmux.js';
import { composeEngines, PROFILE, docker, omrs, omrsHome } from './helpers.js';

const REPO = join(import.meta.dirname, '../../..');
const ENV = `dash-${randomBytes(3).toString('hex')}`;
const SERVICES = ['db', 'backend-default', 'frontend', 'gateway'];

const { engines, ready: enginesReady } = composeEngines();
const ready = enginesReady && tmuxAvailable('the real-terminal checks of the dashboard');

const terminals: Terminal[] = [];
let cli: BuiltCli | undefined;

const row = (service: string, state: string, health: string): RegExp =>
  new RegExp(`${service}\\s+\\S+\\s+${state}\\s+${health}\\b`);
const allHealthy = (text: string): boolean => SERVICES.every((s) => row(s, 'ok', 'healthy').test(text));

describe.skipIf(!ready)('the live dashboard of omrs up in a real terminal', () => {
  beforeAll(async () => {
    // Its own build: a `npm run build` of the shared dist/ would empty it under the other lanes' CLIs.
    cli = buildPrivateCli('dashboard-tmux');
    await omrs(['down', '--env', ENV, '--volumes']);
  });
  afterAll(async () => {
    for (const t of terminals) t.kill();
    cli?.remove();
    const down = await omrs(['down', '--volumes', '--env', ENV]);
    expect(down.code, down.stderr).toBe(0);
  });

  it('shows the services healthy, follows logs, restarts the backend, and quits leaving the env running', async () => {
    const env = [
      `OMRS_HOME=${omrsHome}`,
      `OMRS_HELM=${engines.helm!.helm}`,
      `DOCKER_HOST=unix://${engines.docker!.socketPath}`,
    ].join(' ');
    const dash = openTerminal('dash', `${env} node ${cli!.bin} up --profile ${PROFILE} --env ${ENV}`, {
      cwd: REPO,
      columns: 120,
      rows: 35,
    });
    terminals.push(dash);

    let text = await dash.waitFor(
      (s) => allHealthy(s) && s.includes('q quit'),
      'the service table to show every service healthy',
      180_000,
    );
    expect(text).toContain(`omrs · ${ENV}`);
    expect(text).toMatch(/✔ Backend started \(\/openmrs\/health\/started\) \(\d/);
    expect(text).toMatch(/↑\/↓ select\s+l logs\s+r restart\s+s seed\s+d down\s+o open\s+g grafana\s+q quit/);

    // Select the backend, then show its log.
    await dash.pressUntil('Down', (s) => /❯ backend-default/.test(s), 'the cursor on backend-default', 8);
    dash.press('l');
    text = await dash.waitFor(
      (s) => s.includes('logs · backend-default') && s.includes('OpenMRS stand-in started'),
      'the backend log lines',
    );

    // Restart it: the pane shows it going down (the stand-in's shutdown line, seen on some screen:
    // the probes' lines push it out of the pane within seconds), the table healthy again.
    dash.press('r');
    let shutdownShown = false;
    text = await dash.waitFor(
      (s) => {
        shutdownShown ||= s.includes('signal received: shutting down');
        return shutdownShown && s.includes('restarted and healthy again');
      },
      'the restart in the log pane, then finished',
      120_000,
    );
    expect(text).toMatch(row('backend-default', 'ok', 'healthy'));
    const started = (await docker.getContainer(`omrs-${ENV}-backend-default`).inspect()).State.StartedAt;
    expect(Date.now() - Date.parse(started)).toBeLessThan(150_000);

    dash.press('q');
    expect(await dash.exitCode()).toBe(0);
    text = dash.screen();
    // The dashboard's alternate screen is gone; what `up` printed stays.
    expect(text).toMatch(new RegExp(`✔ ${ENV} is (up|up to date)`));

    const containers = await docker.listContainers({ filters: { label: [`omrs.dev/env=${ENV}`] } });
    const running = containers.map((c) => c.Labels['omrs.dev/service']).sort();
    expect(running).toEqual([...SERVICES].sort());
  });

  it('lists the running environment in the shell, and Enter opens its dashboard', async () => {
    const env = `OMRS_HOME=${omrsHome} OMRS_HELM=${engines.helm!.helm} DOCKER_HOST=unix://${engines.docker!.socketPath}`;
    const shell = openTerminal('shell', `${env} node ${cli!.bin}`, {
      cwd: REPO,
      columns: 120,
      rows: 35,
    });
    terminals.push(shell);
    const listed = new RegExp(
      `${ENV}\\s+running\\s+compose-test · compose\\s+http://localhost:\\d+/openmrs/spa/`,
    );
    await shell.waitFor((s) => listed.test(s), `${ENV} in the environments panel`);
    // The list's cursor shows in an unfocused panel too: wait for the focus before moving it.
    shell.press('Tab');
    await shell.waitFor((s) => s.includes('▸ Environments'), 'the environments panel focused');
    await shell.pressUntil('Down', (s) => new RegExp(`❯ ${ENV}`).test(s), `the cursor on ${ENV}`, 10);
    shell.press('Enter');
    await shell.waitFor(
      (s) => s.includes(`omrs · ${ENV}`) && allHealthy(s),
      'the dashboard of the env with its services healthy',
    );
    shell.press('q');
    await shell.waitFor((s) => s.includes('Profiles') && listed.test(s), 'the shell again');
    shell.press('q');
    expect(await shell.exitCode()).toBe(0);
  });
});
