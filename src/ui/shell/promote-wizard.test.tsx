// The release manager's keys: `p` walks the promote wizard (QA record → identity → gate → plan →
// typed name → steps → result) and `R` rolls back. The QA records are files in the shape
// `omrs promote record` writes (its evidence: image digests, check gate, smoke test; the e2e tests
// write real ones against a QA stack), with the real app digests of the profiles, and `p` lists
// them through the real wiring (src/cli/shell-actions.ts). The promote and rollback actions are STAND-INS PLAYING THE CLUSTER'S
// PART: they emit the steps the use cases emit, hand the wizard a review built from the real lock
// and the real check gate, and ask through the real typed confirmation (confirmOrRefuse); the tmux
// end-to-end test drives the real use cases on the harness cluster.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KEYS, stripAnsi, eventually } from '../../../test/helpers/ink.js';
import { makeProfilesProject, type ProfilesProject } from '../../../test/helpers/profiles.js';
import { evaluate } from '../../checks/run.js';
import { shellActions } from '../../cli/shell-actions.js';
import { OmrsError } from '../../errors.js';
import { appDigest } from '../../profile/digest.js';
import { openProfile } from '../../profile/index.js';
import { confirmOrRefuse, type PromoteReview } from '../../promote/common.js';
import { buildLock } from '../../promote/lock.js';
import type { QaRecord } from '../../promote/qa-record.js';
import type { Io } from '../io.js';
import type { ActionDeps, PromoteAsk, PromoteDepsOfShell, ShellActions } from './actions.js';
import { ShellApp } from './app.js';
import { profileSources } from './sources.js';
import type { ShellProps } from './types.js';

let project: ProfilesProject;
let props: ShellProps;
let io: Io;
const WAIT = { timeout: 15_000 };
vi.setConfig({ testTimeout: 60_000 });

// `shop` is the production twin of `shop-qa`: the same app keys, so a record of shop-qa is the same app.
const APP = 'openmrs:\n  images:\n    backend: example/backend:1\n';
beforeAll(async () => {
  project = makeProfilesProject({
    'shop.yaml': `runtime: kube\ncluster: { context: team-prod, namespace: shop }\nchecks: { level: prod }\n${APP}`,
    'shop-qa.yaml': `runtime: compose\n${APP}`,
  });
  const env = { HOME: project.root };
  io = { cwd: project.root, env, signal: new AbortController().signal } as unknown as Io;
  props = {
    version: '9.9.9',
    ...profileSources({ cwd: project.root, env }),
    listEnvironments: async () => [],
  };
  const write = async (file: string, ref: string, at: string) => {
    const { name, file: profileFile, profile } = await openProfile(ref, { cwd: project.root, env });
    const record: QaRecord = {
      profile: name,
      profileFile,
      appDigest: appDigest(profile),
      testedAt: at,
      result: 'passed',
      who: 'qa <qa@example.org>',
      images: buildLock(name, profile, appDigest(profile)).images.map(({ component, image }, i) => ({
        component,
        image,
        digest: `sha256:${String(i).repeat(64)}`,
      })),
      checks: { level: 'qa', passed: true, fail: 0, warn: 0, waived: 0 },
      smoke: { baseUrl: 'http://127.0.0.1:8080', checks: [{ name: 'health', ok: true, detail: '200' }] },
    };
    writeFileSync(join(project.root, file), JSON.stringify(record, null, 2));
  };
  await write('qa-record.json', 'shop-qa', '2030-01-02T10:00:00Z');
  await write('dev-record.json', 'dev', '2030-01-01T10:00:00Z');
});
afterAll(() => project.remove());

/** What promote reads before it asks: the real lock of `shop` and the real gate on no inputs. */
async function reviewOfShop(): Promise<PromoteReview> {
  const { name, profile } = await openProfile('shop', io);
  return {
    profile: name,
    context: 'team-prod',
    lock: buildLock(name, profile, appDigest(profile)),
    gate: await evaluate(
      { skipped: [{ scope: 'cluster', reason: 'the stand-in has no cluster' }] },
      { level: 'prod', waivers: [], now: new Date() },
    ),
    live: 'blue',
    plan: {
      colour: 'green',
      namespace: 'shop-green',
      objects: [
        { kind: 'Deployment', name: 'shop-backend', change: 'changed', field: 'spec.template' },
        { kind: 'ConfigMap', name: 'shop-config', change: 'added' },
      ],
      infra: { changed: false, summary: 'infrastructure unchanged, terraform skipped' },
    },
  };
}

const emitStep = (deps: ActionDeps, id: string, title: string) => {
  deps.events.emit({ type: 'step', id, title, status: 'started' });
  deps.events.emit({ type: 'step', id, title, status: 'done', durationMs: 2 });
};

type Deployed = { asks: PromoteAsk[]; deployed: number; aborted: boolean[] };

/** The stand-in of promote: the steps before the review, the review, the typed name, the deploy. */
function promoteStandIn(seen: Deployed): ShellActions['promote'] {
  return async (ask, deps: PromoteDepsOfShell) => {
    seen.asks.push(ask);
    emitStep(deps, 'lock', 'resolve and lock app digest, images, chart');
    emitStep(deps, 'gate', 'check gate (level prod: manifests, terraform, cluster)');
    emitStep(deps, 'plan', 'plan: idle colour green and infrastructure');
    try {
      await deps.review(await reviewOfShop());
      await confirmOrRefuse('Promote shop to green on team-prod', 'shop', false, {
        ...deps,
        cwd: project.root,
        env: {},
        interactive: true,
      });
    } finally {
      seen.aborted.push(deps.signal.aborted);
    }
    emitStep(deps, 'deploy', 'deploy green (shop-green)');
    emitStep(deps, 'switch', 'switch traffic to green');
    seen.deployed++;
    return 'promoted shop: green is live (was blue, kept for rollback); service shop/openmrs → shop-green-gateway';
  };
}

function actionsWith(overrides: Partial<ShellActions>): ShellActions {
  const real = shellActions(io);
  return { ...real, ...overrides };
}

/** From the list to the identity page: pick the record, give the smoke URL. */
async function toIdentity(shell: Awaited<ReturnType<typeof openShell>>): Promise<void> {
  await shell.press('p', (f) => f.includes('❯ qa-record.json'));
  await shell.press(KEYS.enter, (f) => f.includes('--smoke-url'));
  await shell.type('http://127.0.0.1:18080');
  await shell.press(KEYS.enter, (f) => f.includes('Identity ·'));
}

async function openShell(actions: ShellActions) {
  const shell = render(<ShellApp {...props} actions={actions} />);
  const screen = () => stripAnsi(shell.lastFrame());
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  const press = async (key: string, until: (frame: string) => boolean) => {
    await settle();
    shell.stdin.write(key);
    await eventually(() => expect(until(screen()), screen()).toBe(true), WAIT);
  };
  const type = async (text: string) => {
    await settle();
    for (const ch of text) shell.stdin.write(ch);
    await eventually(() => expect(screen()).toContain(text), WAIT);
  };
  await eventually(() => expect(screen()).toContain('app digest'));
  // From the default profile (dev) to shop.
  const names = project.names;
  const steps = names.indexOf('shop') - names.indexOf('dev');
  for (let i = 0; i < Math.abs(steps); i++) await press(steps > 0 ? KEYS.down : KEYS.up, () => true);
  await eventually(() => expect(screen()).toMatch(/❯\s+(● )?shop\b/), WAIT);
  return { ...shell, screen, press, type };
}

describe('p: the promote wizard', () => {
  it('lists the QA records, the one of the same app marked, and goes back with esc', async () => {
    const seen: Deployed = { asks: [], deployed: 0, aborted: [] };
    const shell = await openShell(actionsWith({ promote: promoteStandIn(seen) }));
    await shell.press('p', (f) => f.includes('qa-record.json'));
    const frame = shell.screen();
    expect(frame).toContain('Promote shop');
    expect(frame).toContain('[record]');
    expect(frame).toContain('context: team-prod');
    // Newest first: QA's record of shop-qa (same app keys), then dev's (another app).
    expect(frame).toMatch(/❯ qa-record\.json shop-qa passed 2030-01-02T10:00 = same app/);
    expect(frame).toMatch(/dev-record\.json dev passed 2030-01-01T10:00 ≠ other app/);
    expect(frame).not.toContain('no QA record');
    await shell.press(KEYS.escape, (f) => f.includes('Profiles'));
    expect(seen.asks).toEqual([]);
    shell.unmount();
  });

  it('walks record → identity → gate → plan → typed name → steps → result', async () => {
    const seen: Deployed = { asks: [], deployed: 0, aborted: [] };
    const shell = await openShell(actionsWith({ promote: promoteStandIn(seen) }));
    await shell.press('p', (f) => f.includes('❯ qa-record.json'));
    await shell.press(KEYS.enter, (f) => f.includes('--smoke-url'));
    await shell.type('http://127.0.0.1:18080');
    await shell.press(KEYS.enter, (f) => f.includes('[identity]') && f.includes('SAME APP'));
    let frame = shell.screen();
    expect(frame).toMatch(/QA record \(shop-qa\)\s+shop \(target\)/);
    expect(frame).toMatch(/backend\s+example\/backend:1\s+example\/backend:1\s+=/);
    expect(frame).toMatch(/digest\s+sha256:0+\S*\s+not pinned/);

    await shell.press(KEYS.enter, (f) => f.includes('[gate]'));
    expect(shell.screen()).toContain('Gate · omrs check at level prod');
    expect(shell.screen()).toContain('cluster: skipped (the stand-in has no cluster)');
    expect(shell.screen()).toMatch(/✔ gate passed at level prod: 0 failing/);
    // b goes back a page.
    await shell.press('b', (f) => f.includes('Identity ·'));
    await shell.press(KEYS.enter, (f) => f.includes('[gate]'));

    await shell.press(KEYS.enter, (f) => f.includes('[plan]'));
    frame = shell.screen();
    expect(frame).toContain('Plan · idle colour green in shop-green');
    expect(frame).toContain('live now: blue · objects: 1 added, 1 changed, 0 removed');
    expect(frame).toContain('~ Deployment/shop-backend (spec.template)');
    expect(frame).toContain('+ ConfigMap/shop-config');
    expect(frame).toContain('infrastructure: infrastructure unchanged, terraform skipped');
    expect(seen.deployed).toBe(0);

    await shell.press(KEYS.enter, (f) => f.includes('[confirm]') && f.includes('Type shop to confirm'));
    await shell.type('shop');
    await shell.press(KEYS.enter, (f) => f.includes('[result]') && f.includes('✔ promoted shop'));
    frame = shell.screen();
    expect(frame).toMatch(/✔ deploy green \(shop-green\)/);
    expect(frame).toMatch(/✔ switch traffic to green/);
    expect(seen.asks).toEqual([
      {
        profile: 'shop',
        record: join(project.root, 'qa-record.json'),
        smokeUrl: 'http://127.0.0.1:18080',
        context: 'team-prod',
      },
    ]);
    expect(seen.deployed).toBe(1);
    await shell.press(KEYS.enter, (f) => f.includes('Profiles'));
    shell.unmount();
  });

  it('esc on the plan cancels through the signal: nothing is deployed', async () => {
    const seen: Deployed = { asks: [], deployed: 0, aborted: [] };
    const shell = await openShell(actionsWith({ promote: promoteStandIn(seen) }));
    await toIdentity(shell);
    await shell.press(KEYS.enter, (f) => f.includes('[gate]'));
    await shell.press(KEYS.enter, (f) => f.includes('[plan]'));
    await shell.press(KEYS.escape, (f) => f.includes('■ cancelled: promote interrupted'));
    expect(shell.screen()).toContain('hint: Run the same command again');
    expect(seen.aborted).toEqual([true]);
    expect(seen.deployed).toBe(0);
    await shell.press(KEYS.enter, (f) => f.includes('Profiles'));
    shell.unmount();
  });

  it('Ctrl-C on the identity page cancels too', async () => {
    const seen: Deployed = { asks: [], deployed: 0, aborted: [] };
    const shell = await openShell(actionsWith({ promote: promoteStandIn(seen) }));
    await toIdentity(shell);
    await shell.press(KEYS.ctrlC, (f) => f.includes('■ cancelled: promote interrupted'));
    expect(seen.aborted).toEqual([true]);
    expect(seen.deployed).toBe(0);
    shell.unmount();
  });

  it('a wrong name typed changes nothing; the error shows in place', async () => {
    const seen: Deployed = { asks: [], deployed: 0, aborted: [] };
    const shell = await openShell(actionsWith({ promote: promoteStandIn(seen) }));
    await toIdentity(shell);
    for (const page of ['[gate]', '[plan]', '[confirm]'])
      await shell.press(KEYS.enter, (f) => f.includes(page));
    await shell.type('prod');
    await shell.press(KEYS.enter, (f) =>
      f.includes('✖ not confirmed ("prod" is not shop); nothing was changed'),
    );
    expect(seen.deployed).toBe(0);
    shell.unmount();
  });

  it('shows the use case’s error with its hint where the wizard was; enter alone leaves the smoke URL to promote', async () => {
    const asks: PromoteAsk[] = [];
    const shell = await openShell(
      actionsWith({
        promote: async (ask, deps) => {
          asks.push(ask);
          emitStep(deps, 'lock', 'resolve and lock app digest, images, chart');
          throw new OmrsError({
            code: 'PROMOTE_APP_DIGEST_MISMATCH',
            message: 'profile shop is not the app QA tested',
            hint: 'Promote only what QA tested.',
          });
        },
      }),
    );
    await shell.press('p', (f) => f.includes('dev-record.json'));
    await shell.press(KEYS.down, (f) => f.includes('❯ dev-record.json'));
    await shell.press(KEYS.enter, (f) => f.includes('--smoke-url'));
    await shell.press(KEYS.enter, (f) => f.includes('✖ profile shop is not the app QA tested'));
    expect(asks.map((a) => a.smokeUrl)).toEqual([undefined]);
    expect(shell.screen()).toContain('hint: Promote only what QA tested.');
    expect(shell.screen()).toContain('[result]');
    shell.unmount();
  });
});

describe('R: roll back', () => {
  it('rolls back after the environment’s name is typed', async () => {
    const calls: string[] = [];
    const rollback: ShellActions['rollback'] = async (profile, deps) => {
      calls.push(profile);
      emitStep(deps, 'rollback-check', 'check the previous colour blue (shop-blue)');
      await confirmOrRefuse('Roll shop back to blue on team-prod', 'shop', false, {
        ...deps,
        cwd: project.root,
        env: {},
        interactive: true,
      });
      emitStep(deps, 'switch', 'switch traffic back to blue');
      return 'rolled back shop: blue is live again (was green)';
    };
    const shell = await openShell(actionsWith({ rollback }));
    await shell.press('R', (f) => f.includes('Roll shop back to blue on team-prod? Type shop to confirm'));
    expect(shell.screen()).toContain('omrs rollback --profile shop');
    await shell.type('shop');
    await shell.press(KEYS.enter, (f) => f.includes('✔ rolled back shop: blue is live again (was green)'));
    expect(shell.screen()).toMatch(/✔ switch traffic back to blue/);
    expect(calls).toEqual(['shop']);
    await shell.press(KEYS.enter, (f) => f.includes('Profiles'));
    shell.unmount();
  });

  it('esc at the question cancels: nothing is switched', async () => {
    let switched = false;
    const rollback: ShellActions['rollback'] = async (_profile, deps) => {
      await confirmOrRefuse('Roll shop back to blue on team-prod', 'shop', false, {
        ...deps,
        cwd: project.root,
        env: {},
        interactive: true,
      });
      switched = true;
      return 'rolled back';
    };
    const shell = await openShell(actionsWith({ rollback }));
    await shell.press('R', (f) => f.includes('Type shop to confirm'));
    await shell.press(KEYS.escape, (f) => f.includes('■ cancelled: not confirmed'));
    expect(switched).toBe(false);
    shell.unmount();
  });
});
