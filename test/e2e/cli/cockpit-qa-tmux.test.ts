// QA in the shell, in a real 80×24 terminal (tmux), on the real Docker engine: `n` creates a
// disposable environment from a profile with a TTL, the environments panel counts it down, `x`
// gives it more time, `D` and y remove it with its volumes.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPrivateCli, type BuiltCli } from '../../helpers/built-cli.js';
import { runCli } from '../../helpers/cli.js';
import { keepCapture, openTerminal, type Terminal } from '../../helpers/tmux.js';
import { cockpitEngines, cockpitProject, type CockpitProject } from './cockpit.js';

const engines = cockpitEngines('the QA walk through the shell');
const ready = engines.ready;

describe.skipIf(!ready)('QA in the shell (80×24, real Docker)', () => {
  let project: CockpitProject;
  let cli: BuiltCli;
  let terminal: Terminal | undefined;
  let created: string | undefined;

  beforeAll(() => {
    project = cockpitProject({ cluster: false });
    cli = buildPrivateCli('cockpit-qa');
  }, 240_000);
  afterAll(async () => {
    terminal?.kill();
    if (created) {
      // Only when the test failed before D removed it.
      const rm = await runCli(['env', 'rm', created, '--runtime', 'compose'], {
        cwd: project.root,
        env: { ...project.env, CI: 'true' },
      });
      expect([0, 1]).toContain(rm.code);
    }
    cli?.remove();
    project?.remove();
  });

  it('creates a disposable environment with a TTL, sees its countdown, extends it and removes it', async () => {
    const profile = project.profile;
    const t = (terminal = openTerminal('qa', `${project.envLine} node ${cli.bin}`, { cwd: project.root }));
    await t.waitFor((s) => s.includes('app digest') && !s.includes('Looking for environments'), 'the shell');
    await t.pressUntil('Down', (s) => new RegExp(`❯\\s+(● )?${profile}`).test(s), `the cursor on ${profile}`);

    t.press('n');
    let text = await t.waitFor((s) => s.includes('New disposable environment'), 'the form of n');
    expect(text).toContain(`omrs env create --profile ${profile} --ttl 4h --runtime compose`);
    // One key at a time, as a person types: keys sent together reach the shell as one chunk.
    await t.pressUntil('Down', (s) => /❯ ttl/.test(s), 'the TTL field');
    await t.pressUntil('BSpace', (s) => /❯ ttl\s+type: 30m/.test(s), 'the TTL emptied');
    t.press('-l', '80s');
    text = await t.waitFor((s) => s.includes(`--ttl 80s --runtime compose`), 'the TTL typed');
    keepCapture('env-create-form', text);

    t.press('Enter');
    text = await t.waitFor(
      (s) => new RegExp(`✔ environment ${profile}-[a-z]+-[0-9a-f]{4} is up on Docker`).test(s),
      'the disposable environment to be up',
      240_000,
    );
    created = new RegExp(`environment (${profile}-[a-z]+-[0-9a-f]{4})`).exec(text)![1]!;
    expect(text).toMatch(/expires\s+\d{4}-\d\d-\d\dT/);
    keepCapture('env-create-done', text);

    // Back in the shell: the panel counts the 80 seconds down, each second, without reloading.
    t.press('Enter');
    const left = new RegExp(`${created} running · (\\d+)s left`);
    const first = await t.waitFor((s) => left.test(s), `${created} counting down in seconds`, 90_000);
    const firstLeft = Number(left.exec(first)![1]);
    const later = await t.waitFor(
      (s) => left.test(s) && Number(left.exec(s)![1]) < firstLeft,
      'the countdown to tick',
      10_000,
    );
    keepCapture('env-countdown', later);

    // x: one more hour.
    await t.pressUntil('Tab', (s) => s.includes('s stop'), 'the focus on the environments');
    await cursorTo(t, created);
    t.press('x');
    await t.waitFor((s) => s.includes(`Extend ${created} by`), 'the TTL question of x');
    await t.pressUntil('BSpace', (s) => /^› ?$/m.test(s), 'the TTL emptied');
    // Typed and entered at once, so the shell reads "1h\r" as one chunk, as it reads a paste.
    t.press('-l', '1h');
    t.press('Enter');
    text = await t.waitFor((s) => s.includes(`✔ ${created} now expires`), 'extend to finish', 60_000);
    t.press('Enter');
    await t.waitFor(
      (s) => new RegExp(`${created} running · 1h [01]m left`).test(s),
      'the new expiry in the panel',
    );

    // D: removed after y, with its volumes.
    await cursorTo(t, created);
    t.press('D');
    text = await t.waitFor(
      (s) => s.includes(`Remove ${created} with its volumes? Its data is lost. y/n`),
      'the question of D',
    );
    keepCapture('env-remove-confirm', text);
    t.press('y');
    text = await t.waitFor((s) => s.includes(`✔ removed ${created}`), 'env rm to finish', 120_000);
    keepCapture('env-remove-done', text);
    const docker = new Docker({ socketPath: engines.docker!.socketPath });
    const filters = { label: [`omrs.dev/env=${created}`] };
    expect(await docker.listContainers({ all: true, filters })).toEqual([]);
    expect((await docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);

    t.press('Enter');
    await t.waitFor((s) => s.includes('Profiles') && !s.includes(`${created} `), 'the shell without it');
    created = undefined;
    t.press('q');
    expect(await t.exitCode()).toBe(0);
  });
});

/** Other tests' environments may sit on either side of the one this walk made: Down, then Up. */
async function cursorTo(t: Terminal, name: string): Promise<void> {
  const on = (s: string) => new RegExp(`❯ ${name}`).test(s);
  await t
    .pressUntil('Down', on, `the cursor on ${name}`)
    .catch(() => t.pressUntil('Up', on, `the cursor on ${name}`));
}
