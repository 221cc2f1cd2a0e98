// The release manager in the shell, in a real 80×24 terminal (tmux), on the harness cluster (the
// REAL Kubernetes API server with kwok nodes, context omrs-harness) and the AWS emulator, with the
// shared setup of test/e2e/promote: c shows the gate of prod, p walks the promote wizard from the QA
// record to the result (identity, gate, plan, the typed name, the live steps), then R rolls back.
// kwok runs no containers, so no idle colour could answer a smoke test: its target, typed into the
// wizard as --smoke-url, is a compose stack of the same images (setup.ts); see kind/promote.test.ts.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPrivateCli, type BuiltCli } from '../../helpers/built-cli.js';
import { runCli } from '../../helpers/cli.js';
import { keepCapture, openTerminal, tmuxAvailable, type Terminal } from '../../helpers/tmux.js';
import { engines, PROFILE, QA, usePromoteSetup } from '../promote/setup.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const ready = engines && tmuxAvailable('the release manager walk through the shell');

describe.skipIf(!ready)(
  'the release manager in the shell (80×24, harness cluster)',
  { timeout: 600_000 },
  () => {
    const setup = usePromoteSetup();
    // A project whose prod is the harness's prod (test/fixtures/profiles/good/promote-test.yaml).
    const project = mkdtempSync(join(tmpdir(), 'omrs-release-'));
    const home = mkdtempSync(join(tmpdir(), 'omrs-release-home-'));
    let cli: BuiltCli;
    let terminal: Terminal | undefined;
    const env = () => ({ ...setup.env, OMRS_HOME: home });
    const envLine = () =>
      Object.entries({ ...env(), CI: undefined })
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
    const inProject = (args: string[]) => runCli(args, { cwd: project, env: env() });

    beforeAll(async () => {
      mkdirSync(join(project, 'profiles'));
      writeFileSync(
        join(project, 'profiles', 'prod.yaml'),
        `extends: ${resolve(ROOT, PROFILE)}\ndescription: prod on the harness cluster\n`,
      );
      cli = buildPrivateCli('cockpit-release');
      // What QA wrote when its run passed, in the project folder where `p` looks for it.
      const qa = await inProject([
        'promote',
        'record',
        '--profile',
        resolve(ROOT, QA),
        '--smoke-url',
        setup.ctx.smokeUrl,
        '-o',
        'qa-record.json',
      ]);
      expect(qa.code, qa.stderr).toBe(0);
      // The infrastructure is as Terraform left it (its fingerprint recorded), and a first promotion
      // with the plain command made green live, so the wizard's promotion has a colour to roll back to.
      const fp = await inProject(['promote', 'fingerprint', '--profile', 'prod', '--record']);
      expect(fp.code, fp.stderr).toBe(0);
      const first = await inProject([
        'promote',
        '--profile',
        'prod',
        '--context',
        'omrs-harness',
        '--approve-record',
        'qa-record.json',
        '--smoke-url',
        setup.ctx.smokeUrl,
        '--yes',
      ]);
      expect(first.code, first.stderr).toBe(0);
      expect(await setup.live()).toBe('green');
    }, 400_000);
    afterAll(() => {
      terminal?.kill();
      cli?.remove();
      rmSync(project, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    });

    it('opens the gate of prod, promotes it through the wizard, then rolls it back with R', async () => {
      const t = (terminal = openTerminal('release', `${envLine()} node ${cli.bin}`, { cwd: project }));
      await t.waitFor(
        (s) => s.includes('app digest') && !s.includes('Looking for environments'),
        'the shell',
      );
      await t.pressUntil('Down', (s) => /❯\s+(● )?prod/.test(s), 'the cursor on prod');

      // c: the gate of prod.
      t.press('c');
      let text = await t.waitFor(
        (s) => /gate (passed|failed) at level prod/.test(s),
        'the gate of prod',
        120_000,
      );
      expect(text).toMatch(/Checks · prod at level prod/);
      t.press('Escape');
      await t.waitFor((s) => s.includes('Profiles'), 'the shell');

      // p: the QA record, the same app.
      t.press('p');
      text = await t.waitFor(
        (s) => /❯ qa-record\.json qa-test passed .* = same app/.test(s),
        'the QA records',
      );
      keepCapture('promote-record', text);
      t.press('Enter');
      await t.waitFor((s) => s.includes('--smoke-url'), 'the smoke URL question');
      t.press('-l', setup.ctx.smokeUrl);
      await t.waitFor((s) => s.includes(setup.ctx.smokeUrl), 'the smoke URL typed');
      t.press('Enter');

      // The use case ran lock, render, gate and plan, and waits on the wizard's pages.
      text = await t.waitFor((s) => s.includes('[identity]') && s.includes('SAME APP'), 'identity', 180_000);
      expect(text).toMatch(/backend\s+127\.0\.0\.1:15005\/omrs-promo…127\.0\.0\.1:15005\/omrs-promo…=/);
      // The digest QA tested (from its record) and the one the registry gives prod now.
      expect(text).toMatch(/backend .*\n.*digest\s+(sha256:[0-9a-f]{12})…\s+\1…/);
      keepCapture('promote-identity', text);
      t.press('Enter');
      text = await t.waitFor(
        (s) => s.includes('[gate]') && /✔ gate passed at level prod/.test(s),
        'the gate page',
      );
      expect(text).toMatch(/cluster: \d+ rules on context omrs-harness/);
      keepCapture('promote-gate', text);
      t.press('Enter');
      text = await t.waitFor((s) => s.includes('[plan]'), 'the plan page');
      expect(text).toContain('Plan · idle colour blue in omrs-promote-e2e-blue');
      expect(text).toContain('live now: green');
      expect(text).toMatch(/\+ Deployment\/prod-backend/);
      expect(text).toContain('infrastructure unchanged, terraform skipped');
      keepCapture('promote-plan', text);
      // Nothing changed yet: green still serves.
      expect(await setup.live()).toBe('green');

      t.press('Enter');
      text = await t.waitFor((s) => s.includes('Type prod to confirm'), 'the typed confirmation');
      keepCapture('promote-confirm', text);
      t.press('-l', 'prod');
      await t.waitFor((s) => /› prod/.test(s), 'prod typed');
      t.press('Enter');
      text = await t.waitFor((s) => s.includes('✔ promoted prod: blue is live'), 'the promotion', 300_000);
      expect(text).toContain('[result]');
      expect(text).toMatch(/✔ switch traffic to blue/);
      keepCapture('promote-result', text);
      expect(await setup.live()).toBe('blue');
      expect((await setup.records()).at(-1)).toMatchObject({
        action: 'promote',
        to: 'blue',
        result: 'succeeded',
      });

      // R: back to green after the typed name.
      t.press('Enter');
      await t.waitFor((s) => s.includes('Profiles') && /❯\s+(● )?prod/.test(s), 'the shell on prod');
      t.press('R');
      text = await t.waitFor((s) => s.includes('Type prod to confirm'), 'the question of R', 60_000);
      expect(text).toContain('Roll prod back to green on omrs-harness');
      keepCapture('rollback-confirm', text);
      t.press('-l', 'prod');
      await t.waitFor((s) => /› prod/.test(s), 'prod typed');
      t.press('Enter');
      text = await t.waitFor(
        (s) => s.includes('✔ rolled back prod: green is live again'),
        'the rollback',
        120_000,
      );
      keepCapture('rollback-done', text);
      expect(await setup.live()).toBe('green');
      expect((await setup.records()).at(-1)).toMatchObject({
        action: 'rollback',
        to: 'green',
        result: 'succeeded',
      });

      t.press('Enter');
      await t.waitFor((s) => s.includes('Profiles'), 'the shell');
      t.press('q');
      expect(await t.exitCode()).toBe(0);
    });
  },
);
