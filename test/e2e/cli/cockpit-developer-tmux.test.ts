// A developer in the shell, in a real 80×24 terminal (tmux), on the real Docker engine: `u` on a
// profile, compose in the runtime picker, the steps of up, the dashboard with every service
// healthy, the backend's log; back in the shell the environment is listed; `m` seeds its database,
// snapshots it, purges the seeded rows and restores the snapshot; `s` and y stop it.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPrivateCli, type BuiltCli } from '../../helpers/built-cli.js';
import { runCli } from '../../helpers/cli.js';
import { keepCapture, openTerminal, type Terminal } from '../../helpers/tmux.js';
import { cockpitEngines, cockpitProject, type CockpitProject } from './cockpit.js';

const engines = cockpitEngines('the developer walk through the shell');
const ready = engines.ready;

const SERVICES = ['db', 'backend-default', 'frontend', 'gateway'];

const row = (service: string, state: string, health: string): RegExp =>
  new RegExp(`${service}\\s+\\S+\\s+${state}\\s+${health}\\b`);
const allHealthy = (text: string): boolean => SERVICES.every((s) => row(s, 'ok', 'healthy').test(text));

describe.skipIf(!ready)('a developer in the shell (80×24, real Docker)', () => {
  let project: CockpitProject;
  let ENV: string;
  let cli: BuiltCli;
  let terminal: Terminal | undefined;

  beforeAll(() => {
    project = cockpitProject();
    ENV = project.profile;
    cli = buildPrivateCli('cockpit-dev');
  }, 240_000);
  afterAll(async () => {
    terminal?.kill();
    const down = await runCli(['down', '--env', ENV, '--runtime', 'compose', '--volumes'], {
      cwd: project.root,
      env: { ...project.env, CI: 'true' },
    });
    expect(down.code, down.stderr).toBe(0);
    cli?.remove();
    project?.remove();
  });

  it('starts a compose environment with u, sees it healthy, reads its logs, works its data and stops it with s', async () => {
    const t = (terminal = openTerminal('dev', `${project.envLine} node ${cli.bin}`, { cwd: project.root }));
    await t.waitFor((s) => s.includes('app digest') && !s.includes('Looking for environments'), 'the shell');
    await t.pressUntil('Down', (s) => new RegExp(`❯\\s+(● )?${ENV}`).test(s), `the cursor on ${ENV}`);

    t.press('u');
    let text = await t.waitFor(
      (s) => s.includes(`Start ${ENV}: where?`) && s.includes(engines.kube!.context),
      'the runtime picker with the kubeconfig’s contexts',
    );
    expect(text).toMatch(/❯ ● compose\s+Docker on this machine/);
    expect(text).toMatch(/kind\s+kind cluster omrs/);
    expect(text).toMatch(/minikube\s+minikube profile omrs/);
    keepCapture('runtime-picker', text);

    t.press('Enter');
    text = await t.waitFor((s) => s.includes(`omrs up ${ENV} on compose`), 'the steps of up');
    keepCapture('up-progress', text);
    text = await t.waitFor(
      (s) => s.includes(`omrs · ${ENV}`) && allHealthy(s),
      'the dashboard with every service healthy',
      240_000,
    );
    keepCapture('dashboard-after-up', text);

    await t.pressUntil('Down', (s) => /❯ backend-default/.test(s), 'the cursor on backend-default');
    t.press('l');
    text = await t.waitFor(
      (s) => s.includes('logs · backend-default') && s.includes('OpenMRS stand-in started'),
      'the backend’s log',
    );

    t.press('q');
    const listed = new RegExp(`${ENV}\\s+running\\s+${ENV} · compose`);
    await t.waitFor((s) => s.includes('Profiles') && listed.test(s), `${ENV} listed running in the shell`);
    // Both panels draw a ❯; only the key bar tells which one has the focus (s stop: environments).
    // A Tab sent while the shell redraws after the dashboard can be lost, so press until it shows.
    await t.pressUntil('Tab', (s) => s.includes('s stop'), 'the focus on the environments', 4);
    // Other tests' environments (a cluster test's qa-eu) may be listed above or below it.
    const envPane = (s: string) => s.split('\n').map((line) => line.split('││')[1] ?? '');
    const rows = envPane(t.screen());
    const towards =
      rows.findIndex((r) => r.includes('❯ ')) > rows.findIndex((r) => new RegExp(`${ENV}\\s+running`).test(r))
        ? 'Up'
        : 'Down';
    await t.pressUntil(towards, (s) => new RegExp(`❯ ${ENV}\\s+running`).test(s), `the cursor on ${ENV}`);

    // m: its data. Seed (small) into the environment's real database, snapshot, purge, restore.
    const data = async (move: string, what: string, done: RegExp, confirm = false) => {
      t.press('m');
      await t.waitFor((s) => s.includes(`Data of ${ENV}`), 'the data menu');
      if (move) await t.pressUntil(move, (s) => new RegExp(`❯ ${what}`).test(s), `the cursor on ${what}`);
      t.press('Enter');
      if (confirm) {
        await t.waitFor((s) => s.includes(`Purge the seeded rows from ${ENV}?`), 'the question before purge');
        t.press('y');
      }
      // The result line is longer than the terminal: read it with its wrapped lines joined.
      const shown = await t.waitFor(
        (s) => done.test(s.replace(/\s*\n\s*/g, ' ')),
        `${what} to finish`,
        240_000,
      );
      t.press('Enter');
      await t.waitFor((s) => s.includes('s stop'), 'the shell again');
      return shown;
    };
    text = await data('', 'seed', /✔ seeded run \S+ into .*: [\d,]+ rows \(\d+ patients\)/);
    keepCapture('data-seed', text);
    await data('Down', 'snapshot', /✔ snapshot before-test of /);
    await data('Up', 'purge', /✔ purged run \S+ from /, true);
    text = await data('Up', 'restore', /✔ restored before-test into /);
    keepCapture('data-restore', text);

    t.press('s');
    text = await t.waitFor((s) => s.includes(`Stop ${ENV}?`), 'the question before down');
    keepCapture('stop-confirm', text);
    t.press('y');
    text = await t.waitFor((s) => s.includes(`environment ${ENV} is down`), 'down to finish', 120_000);
    expect(text).toMatch(/✔ Remove containers/);
    keepCapture('stop-done', text);

    const docker = new Docker({ socketPath: engines.docker!.socketPath });
    const left = await docker.listContainers({ all: true, filters: { label: [`omrs.dev/env=${ENV}`] } });
    expect(left).toEqual([]);

    t.press('Enter');
    await t.waitFor((s) => s.includes('Profiles') && !listed.test(s), 'the shell without the environment');
    t.press('q');
    expect(await t.exitCode()).toBe(0);
  }, 600_000);
});
