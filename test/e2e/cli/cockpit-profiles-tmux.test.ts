// Profiles and checks in the shell, in a real 80×24 terminal (tmux), with the real helm: enter
// shows the resolved qa profile with origins, d compares qa with prod (the same app), c runs the
// gate of prod (helm template of the chart, the rules, the verdict), enter explains a rule, f
// filters by scope, ? lists every key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPrivateCli, type BuiltCli } from '../../helpers/built-cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { keepCapture, openTerminal, tmuxAvailable, type Terminal } from '../../helpers/tmux.js';
import { cockpitProject, type CockpitProject } from './cockpit.js';

const engines = { docker: requireEngine('docker'), helm: requireEngine('helm'), kube: requireEngine('kube') };
const ready =
  Boolean(engines.docker && engines.helm && engines.kube) && tmuxAvailable('the profiles and checks walk');

describe.skipIf(!ready)('profiles and checks in the shell (80×24, real helm)', () => {
  let project: CockpitProject;
  let cli: BuiltCli;
  let terminal: Terminal | undefined;

  beforeAll(() => {
    project = cockpitProject();
    cli = buildPrivateCli('cockpit-profiles');
  }, 240_000);
  afterAll(() => {
    terminal?.kill();
    cli?.remove();
    project?.remove();
  });

  it('shows a profile with origins, qa → prod as the same app, and the gate of prod', async () => {
    const t = (terminal = openTerminal('prof', `${project.envLine} node ${cli.bin}`, { cwd: project.root }));
    await t.waitFor((s) => s.includes('app digest') && !s.includes('Looking for environments'), 'the shell');
    await t.pressUntil('Down', (s) => /❯\s+(● )?qa/.test(s), 'the cursor on qa');

    t.press('Enter');
    let text = await t.waitFor(
      (s) => s.includes('omrs profile show qa --origins'),
      'the resolved qa profile',
    );
    expect(text).toMatch(/^runtime: kube # profiles\/qa\.yaml:\d+$/m);
    keepCapture('profile-show', text);
    t.press('Escape');
    await t.waitFor((s) => s.includes('Profiles') && /● qa/.test(s), 'the shell with qa selected');

    t.press('d');
    await t.waitFor((s) => s.includes('Compare qa with:'), 'the profile picker of d');
    await t.pressUntil('Up', (s) => /❯ prod/.test(s), 'the cursor on prod');
    t.press('Enter');
    text = await t.waitFor((s) => s.includes('qa → prod'), 'the diff');
    expect(text).toContain('✔ SAME APP');
    expect(text).toMatch(/app keys \(0\)/);
    keepCapture('profile-diff', text);
    t.press('Escape');
    await t.waitFor((s) => s.includes('Profiles'), 'the shell');

    await t.pressUntil('Up', (s) => /❯\s+(● )?prod/.test(s), 'the cursor on prod');
    t.press('c');
    text = await t.waitFor((s) => /gate (passed|failed) at level prod/.test(s), 'the gate of prod', 120_000);
    expect(text).toMatch(/Checks · prod at level prod · scope: all/);
    expect(text).toMatch(/manifests: \d+ rules on/);
    expect(text).toMatch(/❯ [✖▲○] (FAIL|WARN|WAIVED) OMRS-\S+/);
    expect(text).toMatch(/fix: |waived until/);
    keepCapture('checks', text);
    const rule = /❯ [✖▲○] (?:FAIL|WARN|WAIVED) (OMRS-\S+)/.exec(text)![1]!;

    t.press('Enter');
    text = await t.waitFor((s) => s.includes(`omrs check --explain ${rule}`), `the explanation of ${rule}`);
    expect(text).toMatch(/why: /);
    keepCapture('checks-explain', text);
    t.press('Escape');
    await t.waitFor((s) => s.includes('f filter by scope'), 'the findings again');
    t.press('f');
    text = await t.waitFor((s) => s.includes('scope: manifests'), 'the manifests only');
    t.press('Escape');
    await t.waitFor((s) => s.includes('Profiles'), 'the shell');

    t.press('?');
    text = await t.waitFor((s) => s.includes('Keys'), 'the help');
    for (const key of ['u', 'd', 'c', 's', 'm', 'n', 'x', 'D', 'g', 'r', 'esc', 'tab', 'enter', '?', 'q'])
      expect(text).toMatch(new RegExp(`│ ${key.replace('?', '\\?')}\\s{2,}\\S`));
    keepCapture('help', text);
    t.press('Escape');
    await t.waitFor((s) => s.includes('Profiles'), 'the shell');
    t.press('q');
    expect(await t.exitCode()).toBe(0);
  });

  /** SGR sequences that set a colour: 30–37, 90–97 and 38;… (foreground), 40–47, 100–107 and 48;… (background). */
  const COLOUR = new RegExp(
    `${String.fromCharCode(27)}\\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|4[0-7]|10[0-7]|38;[25]|48;[25])(?:;[0-9;]*)?m`,
  );

  it.each([
    ['with colours', '', true],
    ['with NO_COLOR', 'NO_COLOR=1', false],
  ])('draws the shell %s; the focused panel is marked without colour', async (_name, noColor, coloured) => {
    const session = coloured ? 'colour' : 'nocolour';
    const t = openTerminal(session, `${project.envLine} ${noColor} node ${cli.bin}`, { cwd: project.root });
    try {
      await t.waitFor(
        (s) => s.includes('app digest') && !s.includes('Looking for environments'),
        'the shell',
      );
      expect(COLOUR.test(t.screen({ styles: true }))).toBe(coloured);
      expect(t.screen()).toMatch(/▸ Profiles/);
      t.press('Tab');
      const text = await t.waitFor((s) => s.includes('▸ Environments'), 'the focus on the environments');
      expect(text).not.toMatch(/▸ Profiles/);
      if (!coloured) keepCapture('no-color', text);
      t.press('q');
      expect(await t.exitCode()).toBe(0);
    } finally {
      t.kill();
    }
  });
});
