// The shell as a cockpit: `u` picks a runtime and starts a profile, `s` stops an environment, and
// the QA keys n, x, D and g, each through the ShellActions port. The choices of `u` come from the
// real wiring (src/cli/shell-actions.ts) over real profile files and a real kubeconfig file; the
// actions that would need Docker or a cluster are STAND-INS PLAYING THE RUNTIME'S PART (they emit
// the events a runtime emits, run the real context guard, and honour the AbortSignal). The tmux
// end-to-end tests drive the same keys against the real engines.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KEYS, stripAnsi, eventually } from '../../../test/helpers/ink.js';
import { makeProfilesProject, type ProfilesProject } from '../../../test/helpers/profiles.js';
import { shellActions } from '../../cli/shell-actions.js';
import { InterruptedError, OmrsError } from '../../errors.js';
import { openProfile } from '../../profile/index.js';
import { guardContext } from '../../runtime/kube/context-guard.js';
import type { DashboardSource } from '../dashboard/source.js';
import type { Io } from '../io.js';
import type { ActionDeps, RuntimeOption, ShellActions } from './actions.js';
import { ShellApp } from './app.js';
import { profileSources } from './sources.js';
import type { EnvironmentSummary, ShellProps } from './types.js';

let project: ProfilesProject;
let kubeDir: string;
let props: ShellProps;
let io: Io;

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: staging
clusters:
- name: staging
  cluster: { server: 'https://127.0.0.1:1' }
- name: kind-omrs
  cluster: { server: 'https://127.0.0.1:2' }
users:
- name: someone
  user: { token: not-a-real-token }
contexts:
- name: staging
  context: { cluster: staging, user: someone }
- name: kind-omrs
  context: { cluster: kind-omrs, user: someone }
- name: team-prod
  context: { cluster: staging, user: someone }
`;

beforeAll(() => {
  project = makeProfilesProject({
    'shop.yaml': 'runtime: kube\ncluster: { context: team-prod }\nchecks: { level: prod }\n',
  });
  kubeDir = mkdtempSync(join(tmpdir(), 'omrs-kubeconfig-'));
  writeFileSync(join(kubeDir, 'config'), KUBECONFIG);
  const env = { KUBECONFIG: join(kubeDir, 'config'), HOME: kubeDir };
  io = { cwd: project.root, env, signal: new AbortController().signal } as unknown as Io;
  props = {
    version: '9.9.9',
    ...profileSources({ cwd: project.root, env }),
    listEnvironments: async () => [],
  };
});
afterAll(() => {
  project.remove();
  rmSync(kubeDir, { recursive: true, force: true });
});

/** A dashboard source standing in for the runtime's: it reports the services the stand-in `up` started. */
function standInSource(env: string, deps: ActionDeps): DashboardSource {
  return {
    env,
    refresh: async () => {
      for (const name of ['db', 'backend-default'])
        deps.events.emit({ type: 'resource', name, kind: 'container', runtime: 'ok', health: 'healthy' });
      return { exists: true };
    },
    followLogs: async () => undefined,
    restart: async (s) => `${s} restarted`,
    seed: async () => 'seeded',
    down: async () => `${env} is down`,
    open: async () => 'opened',
  };
}

/** A deadline, not a measurement: the first `u` loads the Kubernetes client, slow on a busy machine. */
const WAIT = { timeout: 15_000 };
// Each test walks several screens; on a machine busy with other tests that takes longer than 5 s.
vi.setConfig({ testTimeout: 60_000 });

type Calls = { action: string; args: unknown[] }[];

/** The real choices of `u`; every other action a stand-in that records its call. */
function cockpitActions(overrides: Partial<ShellActions> = {}): { actions: ShellActions; calls: Calls } {
  const calls: Calls = [];
  const real = shellActions(io);
  const record =
    (action: string, line: string) =>
    async (...args: unknown[]) => {
      calls.push({ action, args: args.slice(0, -1) });
      return line;
    };
  const actions: ShellActions = {
    startChoices: real.startChoices,
    check: real.check,
    explainRule: real.explainRule,
    showProfile: real.showProfile,
    diffProfiles: real.diffProfiles,
    snapshotNames: real.snapshotNames,
    async up(profile, option, deps) {
      calls.push({ action: 'up', args: [profile, option] });
      deps.events.emit({ type: 'step', id: 'plan', title: 'Plan the environment', status: 'started' });
      deps.events.emit({
        type: 'step',
        id: 'plan',
        title: 'Plan the environment',
        status: 'done',
        durationMs: 5,
      });
      return { line: `${profile} is up`, source: standInSource(profile, deps) };
    },
    down: record('down', 'dev is down: removed 4 containers; kept omrs-dev-db'),
    createEnv: record('createEnv', 'qa-amber-1a2b is up on Docker, expires 2030-01-01T00:00:00Z'),
    extendEnv: record('extendEnv', 'qa-amber-1a2b now expires 2030-01-01T02:00:00Z'),
    removeEnv: record('removeEnv', 'removed qa-amber-1a2b (4 containers, network, 2 volumes)'),
    gcEnvs: record('gcEnvs', 'removed 1: qa-old-0001 (2 kept)'),
    async destroyEnv(env, deps) {
      calls.push({ action: 'destroyEnv', args: [env] });
      const typed = await deps.confirm(
        `omrs destroy removes environment ${env.name}\nType ${env.name} to destroy it:`,
      );
      return typed === env.name ? `destroyed ${env.name} on compose` : `not confirmed: ${typed}`;
    },
    data: record('data', 'seeded run r-1 into omrs@127.0.0.1/openmrs: 1,234 rows (50 patients)'),
    promoteChoices: real.promoteChoices,
    promote: record('promote', 'promoted shop: green is live'),
    rollback: record('rollback', 'rolled back shop: blue is live again (was green)'),
    ...overrides,
  };
  return { actions, calls };
}

async function openShell(overrides: Partial<ShellProps & { actions: ShellActions }> = {}) {
  const shell = render(<ShellApp {...props} {...overrides} />);
  const screen = () => stripAnsi(shell.lastFrame());
  // Ink listens for keys from an effect that runs after the frame is drawn: yield to it first.
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
  /** Keys whose effect the next step checks: each after a yield, like press (a new view listens late). */
  const keys = async (...sequence: string[]) => {
    for (const key of sequence) {
      await settle();
      shell.stdin.write(key);
    }
  };
  await eventually(() => expect(screen()).toContain('app digest'));
  return { ...shell, screen, press, type, keys };
}

describe('u: start a profile', () => {
  it('offers compose, kind, minikube and every context of the kubeconfig, the profile’s runtime marked', async () => {
    const { actions } = cockpitActions();
    const shell = await openShell({ actions });
    await shell.press('u', (f) => f.includes('Start dev: where?') && f.includes('team-prod'));
    const frame = shell.screen();
    expect(frame).toMatch(/❯ ● compose Docker on this machine/);
    expect(frame).toMatch(/kind kind cluster omrs \(created when missing\)/);
    expect(frame).toMatch(/minikube minikube profile omrs/);
    expect(frame).toMatch(/kube · staging current context/);
    expect(frame).toMatch(/kube · kind-omrs context/);
    expect(frame).toContain('environment dev');
    await shell.press(KEYS.escape, (f) => f.includes('Profiles') && f.includes('app digest'));
    shell.unmount();
  });

  it('starts on compose: the steps of up, then the dashboard of the environment', async () => {
    const { actions, calls } = cockpitActions();
    const shell = await openShell({ actions });
    await shell.press('u', (f) => f.includes('❯ ● compose'));
    await shell.press(
      KEYS.enter,
      (f) => f.includes('omrs · dev') && /backend-default\s+container\s+ok\s+healthy/.test(f),
    );
    expect(shell.screen()).toMatch(/✔ Plan the environment/);
    expect(calls).toEqual([{ action: 'up', args: ['dev', expect.objectContaining({ runtime: 'compose' })] }]);
    await shell.press('q', (f) => f.includes('Profiles'));
    shell.unmount();
  });

  it('asks for the environment’s name before a context the profile does not name, and refuses another name', async () => {
    const { actions, calls } = cockpitActions();
    const shell = await openShell({ actions });
    await shell.press('u', (f) => f.includes('staging'));
    await shell.keys(...Array<string>(4).fill(KEYS.down));
    await eventually(() => expect(shell.screen()).toMatch(/❯\s+kube · kind-omrs/));
    await shell.press(KEYS.enter, (f) => f.includes('does not name context kind-omrs'));
    await shell.type('prod');
    await shell.press(KEYS.enter, (f) => f.includes('"prod" is not dev; nothing was started'));
    expect(calls).toEqual([]);
    await shell.type('dev');
    await shell.press(KEYS.enter, (f) => f.includes('omrs · dev'));
    expect(calls[0]!.args[1]).toMatchObject({ runtime: 'kube', context: 'kind-omrs', confirmName: 'dev' });
    shell.unmount();
  });

  it('asks the production guard’s question in place and passes the typed answer to it', async () => {
    // The stand-in runs the real context guard with the shell's confirm, as the kube runtime does.
    const guarded: ShellActions['up'] = async (profile, option, deps) => {
      const { profile: p } = await openProfile(profile, io);
      await guardContext({
        profile: p,
        runtime: option.runtime,
        ...(option.context && { flag: option.context }),
        contexts: ['staging', 'kind-omrs', 'team-prod'],
        interactive: true,
        confirm: deps.confirm,
        action: `upgrade ${profile}`,
      });
      return { line: 'up', source: standInSource(profile, deps) };
    };
    const { actions } = cockpitActions({ up: guarded });
    const shell = await openShell({ actions });
    await shell.keys(
      ...Array<string>(project.names.indexOf('shop') - project.names.indexOf('dev')).fill(KEYS.down),
    );
    await eventually(() => expect(shell.screen()).toMatch(/❯\s+shop/));
    await shell.press(
      'u',
      (f) => f.includes('Start shop: where?') && /❯ ● kube · team-prod the profile's context/.test(f),
    );
    await shell.press(KEYS.enter, (f) =>
      f.includes('upgrade shop on production context team-prod? Type the context name'),
    );
    await shell.type('team-dev');
    await shell.press(KEYS.enter, (f) =>
      f.includes('✖ not confirmed: "team-dev" is not team-prod; nothing was done'),
    );
    await shell.press(KEYS.enter, (f) => f.includes('Profiles'));

    await shell.press('u', (f) => f.includes('Start shop: where?') && f.includes('❯ ●'));
    await shell.press(KEYS.enter, (f) => f.includes('Type the context name'));
    await shell.type('team-prod');
    await shell.press(KEYS.enter, (f) => f.includes('omrs · shop'));
    shell.unmount();
  });

  it('shows the error of up in place with its hint, and goes back with enter', async () => {
    const failing: ShellActions['up'] = async (_profile, _option, deps) => {
      deps.events.emit({ type: 'step', id: 'images', title: 'Pull images', status: 'started' });
      deps.events.emit({
        type: 'step',
        id: 'images',
        title: 'Pull images',
        status: 'failed',
        detail: 'no such image',
      });
      throw new OmrsError({
        code: 'IMAGE_MISSING',
        message: 'image omrs-test/backend:9 is not on this Docker engine',
        hint: 'Pull it, or set images.pullPolicy: IfNotPresent.',
      });
    };
    const { actions } = cockpitActions({ up: failing });
    const shell = await openShell({ actions });
    await shell.press('u', (f) => f.includes('❯ ● compose'));
    await shell.press(KEYS.enter, (f) =>
      f.includes('✖ image omrs-test/backend:9 is not on this Docker engine'),
    );
    expect(shell.screen()).toContain('hint: Pull it, or set images.pullPolicy: IfNotPresent.');
    expect(shell.screen()).toMatch(/✖ Pull images/);
    await shell.press(KEYS.enter, (f) => f.includes('Profiles'));
    shell.unmount();
  });

  it.each([
    ['Esc', KEYS.escape],
    ['Ctrl-C', KEYS.ctrlC],
  ])('cancels a running up with %s through its AbortSignal, and stays in the shell', async (_name, key) => {
    let signal: AbortSignal | undefined;
    const waiting: ShellActions['up'] = (_profile, _option, deps) => {
      signal = deps.signal;
      deps.events.emit({ type: 'step', id: 'db', title: 'Start database', status: 'started' });
      return new Promise((_resolve, reject) =>
        deps.signal.addEventListener('abort', () => reject(new InterruptedError('up')), { once: true }),
      );
    };
    const { actions } = cockpitActions({ up: waiting });
    const shell = await openShell({ actions });
    await shell.press('u', (f) => f.includes('❯ ● compose'));
    await shell.press(KEYS.enter, (f) => f.includes('Start database') && f.includes('esc cancel'));
    await shell.press(key, (f) => f.includes('■ cancelled: up interrupted'));
    expect(signal?.aborted).toBe(true);
    await shell.press(KEYS.escape, (f) => f.includes('Profiles'));
    shell.unmount();
  });
});

const listed: EnvironmentSummary[] = [
  { name: 'dev', profile: 'dev', runtime: 'compose', status: 'running' },
  {
    name: 'qa-amber-1a2b',
    profile: 'qa',
    runtime: 'compose',
    status: 'ready',
    expiresAt: Date.now() + 3_600_000,
  },
];

async function onEnvironment(shell: Awaited<ReturnType<typeof openShell>>, name: string) {
  await eventually(() => expect(shell.screen()).toContain(name));
  await shell.press(KEYS.tab, (f) => f.includes('s stop'));
  await shell.keys(...Array<string>(listed.findIndex((e) => e.name === name)).fill(KEYS.down));
  await eventually(() => expect(shell.screen()).toMatch(new RegExp(`❯ ${name}`)));
}

describe('s: stop an environment', () => {
  it('asks first; n does nothing, y runs down and shows its result, then the list again', async () => {
    const { actions, calls } = cockpitActions();
    const listEnvironments = vi.fn(async () => listed);
    const shell = await openShell({ actions, listEnvironments });
    await onEnvironment(shell, 'dev');
    expect(shell.screen()).toMatch(/enter select\s+s stop\s+n new\s+x extend\s+D remove\s+X destroy\s+g gc/);
    await shell.press('s', (f) => f.includes('Stop dev? Its volumes (the database) are kept. y/n'));
    await shell.press('n', (f) => f.includes('cancelled: nothing was done'));
    expect(calls).toEqual([]);
    await shell.press('s', (f) => f.includes('Stop dev?'));
    await shell.press('y', (f) => f.includes('✔ dev is down: removed 4 containers; kept omrs-dev-db'));
    expect(calls).toEqual([{ action: 'down', args: [listed[0]] }]);
    const loads = listEnvironments.mock.calls.length;
    await shell.press(KEYS.enter, (f) => f.includes('Environments'));
    await eventually(() => expect(listEnvironments.mock.calls.length).toBeGreaterThan(loads));
    shell.unmount();
  });
});

describe('QA: disposable environments', () => {
  it('n creates one from a profile, a TTL and a runtime', async () => {
    const { actions, calls } = cockpitActions();
    const shell = await openShell({ actions, listEnvironments: async () => listed });
    await shell.press('n', (f) => f.includes('New disposable environment'));
    expect(shell.screen()).toContain('omrs env create --profile dev --ttl 4h --runtime compose');
    await shell.keys(KEYS.down, '\u007f', '\u007f'); // the TTL, emptied
    await shell.type('90m');
    await shell.keys(KEYS.down, '\u001B[C'); // the runtime, one to the right
    await eventually(() =>
      expect(shell.screen()).toContain('omrs env create --profile dev --ttl 90m --runtime kube'),
    );
    await shell.keys('\u001B[D');
    await eventually(() => expect(shell.screen()).toContain('--ttl 90m --runtime compose'));
    await shell.press(KEYS.enter, (f) => f.includes('✔ qa-amber-1a2b is up on Docker'));
    expect(calls).toEqual([
      { action: 'createEnv', args: [{ profile: 'dev', ttl: '90m', runtime: 'compose' }] },
    ]);
    shell.unmount();
  });

  it('n offers the project’s snapshots instead of seeding (env create --from-snapshot)', async () => {
    const dir = join(project.root, '.omrs', 'snapshots', 'openmrs_default');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'seeded-medium.sql.gz'), '');
    try {
      const { actions, calls } = cockpitActions();
      const shell = await openShell({ actions, listEnvironments: async () => listed });
      await shell.press('n', (f) => f.includes('a snapshot: seeded-medium'));
      await shell.keys(KEYS.down, KEYS.down, KEYS.down, '\u001B[C'); // data: the first snapshot
      await eventually(() =>
        expect(shell.screen()).toContain(
          'omrs env create --profile dev --ttl 4h --runtime compose --from-snapshot seeded-medium',
        ),
      );
      await shell.press(KEYS.enter, (f) => f.includes('✔ qa-amber-1a2b is up on Docker'));
      expect(calls).toEqual([
        {
          action: 'createEnv',
          args: [{ profile: 'dev', ttl: '4h', runtime: 'compose', fromSnapshot: 'seeded-medium' }],
        },
      ]);
      shell.unmount();
    } finally {
      rmSync(join(project.root, '.omrs'), { recursive: true, force: true });
    }
  });

  it('x extends the selected one by the TTL typed, D removes it after y, X destroys it after its name is typed, g collects the expired ones', async () => {
    const { actions, calls } = cockpitActions();
    const shell = await openShell({ actions, listEnvironments: async () => listed });
    await onEnvironment(shell, 'qa-amber-1a2b');
    expect(shell.screen()).toMatch(/qa-amber-1a2b ready · (59m|1h) .*left qa · compose/);
    await shell.press('x', (f) => f.includes('Extend qa-amber-1a2b by'));
    await shell.keys('\u007f', '\u007f');
    await shell.type('1d');
    await shell.press(KEYS.enter, (f) => f.includes('✔ qa-amber-1a2b now expires'));
    expect(calls.at(-1)).toEqual({ action: 'extendEnv', args: [listed[1], '1d'] });
    await shell.press(KEYS.enter, (f) => f.includes('Environments'));

    await shell.press('D', (f) => f.includes('Remove qa-amber-1a2b with its volumes? Its data is lost. y/n'));
    await shell.press('y', (f) => f.includes('✔ removed qa-amber-1a2b'));
    expect(calls.at(-1)).toEqual({ action: 'removeEnv', args: [listed[1]] });
    await shell.press(KEYS.enter, (f) => f.includes('Environments'));

    // X: the use case asks for the name typed in the job screen, then answers with its line.
    await shell.press('X', (f) => f.includes('Type qa-amber-1a2b to destroy it:'));
    await shell.type('qa-amber-1a2b');
    await shell.press(KEYS.enter, (f) => f.includes('✔ destroyed qa-amber-1a2b on compose'));
    expect(calls.at(-1)).toEqual({ action: 'destroyEnv', args: [listed[1]] });
    await shell.press(KEYS.enter, (f) => f.includes('Environments'));

    await shell.press('g', (f) => f.includes('✔ removed 1: qa-old-0001 (2 kept)'));
    expect(calls.at(-1)).toEqual({ action: 'gcEnvs', args: [] });
    shell.unmount();
  });

  it('tells which key needs an environment under the cursor', async () => {
    const { actions, calls } = cockpitActions();
    const shell = await openShell({ actions });
    await shell.press('D', (f) => f.includes('D: select an environment first (tab moves to them)'));
    expect(calls).toEqual([]);
    shell.unmount();
  });
});

describe('m: the data of an environment', () => {
  it('seeds with the size chosen, snapshots and restores by the name typed, and purges after y', async () => {
    const { actions, calls } = cockpitActions();
    const shell = await openShell({ actions, listEnvironments: async () => listed });
    await onEnvironment(shell, 'dev');
    await shell.press('m', (f) => f.includes('Data of dev'));
    expect(shell.screen()).toMatch(/❯ seed\s+small ←\/→ omrs seed --env dev --size small/);
    await shell.press('\u001B[C', (f) => f.includes('--size medium'));
    await shell.press(
      KEYS.enter,
      (f) => f.includes('omrs seed --env dev --size medium') && f.includes('✔ seeded run r-1'),
    );
    expect(calls.at(-1)).toEqual({ action: 'data', args: [listed[0], { kind: 'seed', size: 'medium' }] });
    await shell.press(KEYS.enter, (f) => f.includes('Environments'));

    await shell.press('m', (f) => f.includes('Data of dev'));
    await shell.press(KEYS.down, (f) => /❯ snapshot\s+before-test/.test(f));
    await shell.keys(...Array<string>('before-test'.length).fill('\u007f'));
    await shell.type('v1');
    await shell.press(
      KEYS.enter,
      (f) => f.includes('omrs db snapshot v1 --env dev') && f.includes('enter back'),
    );
    expect(calls.at(-1)).toEqual({ action: 'data', args: [listed[0], { kind: 'snapshot', name: 'v1' }] });
    await shell.press(KEYS.enter, (f) => f.includes('Environments'));

    await shell.press('m', (f) => f.includes('Data of dev'));
    await shell.press(KEYS.up, (f) => /❯ purge/.test(f));
    await shell.press(KEYS.enter, (f) => f.includes('Purge the seeded rows from dev?'));
    await shell.press('n', (f) => f.includes('cancelled: nothing was done'));
    expect(calls.at(-1)!.args[1]).toEqual({ kind: 'snapshot', name: 'v1' });
    await shell.press('m', (f) => f.includes('Data of dev'));
    await shell.press(KEYS.up, (f) => /❯ purge/.test(f));
    await shell.press(KEYS.enter, (f) => f.includes('Purge the seeded rows from dev?'));
    await shell.press('y', (f) => f.includes('omrs seed --purge --env dev') && f.includes('enter back'));
    expect(calls.at(-1)).toEqual({ action: 'data', args: [listed[0], { kind: 'purge' }] });
    await shell.press(KEYS.enter, (f) => f.includes('Environments'));

    // backup: a run of the backup schedule now, as `omrs db backup` (above purge, below restore).
    await shell.press('m', (f) => f.includes('Data of dev'));
    await shell.press(KEYS.up, (f) => /❯ purge/.test(f));
    await shell.press(KEYS.up, (f) => /❯ backup\s+a run now omrs db backup --env dev/.test(f));
    await shell.press(KEYS.enter, (f) => f.includes('omrs db backup --env dev') && f.includes('enter back'));
    expect(calls.at(-1)).toEqual({ action: 'data', args: [listed[0], { kind: 'backup' }] });
    shell.unmount();
  });
});

describe('c: the checks of a profile', () => {
  it('runs the real check use case and shows its error in place with the hint (an invalid profile)', async () => {
    const { actions } = cockpitActions();
    const shell = await openShell({ actions });
    await shell.keys(
      ...Array<string>(project.names.indexOf('dev') - project.names.indexOf('broken')).fill(KEYS.up),
    );
    await eventually(() => expect(shell.screen()).toMatch(/❯\s+broken/), WAIT);
    await shell.press('c', (f) => f.includes('omrs check --profile broken') && f.includes('✖ profile'));
    expect(shell.screen()).toMatch(/✖ profile "broken" is not valid/);
    expect(shell.screen()).toMatch(/• runtime: .*docker-swarm/);
    await shell.press(KEYS.escape, (f) => f.includes('Profiles'));
    shell.unmount();
  });

  it('opens the findings and the verdict once the gate ran', async () => {
    const { evaluate } = await import('../../checks/run.js');
    const stand: ShellActions['check'] = async (_profile, deps) => {
      deps.events.emit({ type: 'step', id: 'render', title: 'Render the profile', status: 'started' });
      deps.events.emit({
        type: 'step',
        id: 'render',
        title: 'Render the profile',
        status: 'done',
        durationMs: 3,
      });
      return evaluate(
        { skipped: [{ scope: 'cluster', reason: 'no context' }] },
        { level: 'dev', waivers: [], now: new Date() },
      );
    };
    const { actions } = cockpitActions({ check: stand });
    const shell = await openShell({ actions });
    await shell.press('c', (f) => f.includes('Checks · dev at level dev'));
    expect(shell.screen()).toContain('No findings.');
    expect(shell.screen()).toContain('✔ gate passed at level dev: 0 failing, 0 warnings, 0 waived');
    await shell.press(KEYS.escape, (f) => f.includes('Profiles'));
    shell.unmount();
  });
});

describe('profiles: enter and d', () => {
  /** Moves the profile cursor from the default profile (dev) to `name`. */
  async function toProfile(shell: Awaited<ReturnType<typeof openShell>>, name: string) {
    const steps = project.names.indexOf(name) - project.names.indexOf('dev');
    await shell.keys(...Array<string>(Math.abs(steps)).fill(steps > 0 ? KEYS.down : KEYS.up));
    await eventually(() => expect(shell.screen()).toMatch(new RegExp(`❯\\s+(● )?${name}`)), WAIT);
  }

  it('enter shows the resolved profile with the file and line of every key; esc goes back with it selected', async () => {
    const { actions } = cockpitActions();
    const shell = await openShell({ actions });
    await toProfile(shell, 'qa');
    await shell.press(KEYS.enter, (f) => f.includes('omrs profile show qa --origins'));
    const frame = shell.screen();
    expect(frame).toMatch(/Profile qa runtime kube app digest sha256:[0-9a-f]{12}/);
    expect(frame).toMatch(/^runtime: kube # profiles\/qa\.yaml:\d+$/m);
    expect(frame).toMatch(/^description: .* # profiles\/qa\.yaml:\d+$/m);
    expect(frame).toMatch(/scroll \(\d+\/\d+\)/);
    const before = /scroll \((\d+)\//.exec(frame)![1];
    await shell.press(KEYS.down, (f) => /scroll \((\d+)\//.exec(f)?.[1] !== before);
    await shell.press(
      KEYS.escape,
      (f) => f.includes('Profiles') && /● qa/.test(f) && /runtime\s+kube/.test(f),
    );
    shell.unmount();
  });

  it('d compares with another profile: qa → prod is the same app, only env keys differ', async () => {
    const { actions } = cockpitActions();
    const shell = await openShell({ actions });
    await toProfile(shell, 'qa');
    await shell.press('d', (f) => f.includes('Compare qa with:'));
    // The picker starts on the profile after qa in the list (shop): prod is one up.
    await shell.press(KEYS.up, (f) => /❯ prod/.test(f));
    await shell.press(KEYS.enter, (f) => f.includes('qa → prod'));
    const frame = shell.screen();
    expect(frame).toContain('✔ SAME APP: equal app keys; only where and how it runs differs');
    expect(frame).toMatch(/app digest sha256:[0-9a-f]{12}.* in both/);
    expect(frame).toMatch(/app keys \(0\)\n\s+\(none\)/);
    expect(frame).toMatch(/env keys \(\d+\)/);
    expect(frame).toMatch(/~ checks\.level: "qa" → "prod"/);
    await shell.press(KEYS.escape, (f) => f.includes('Profiles'));
    shell.unmount();
  });

  it('d marks a different app when the app digests differ', async () => {
    const { actions } = cockpitActions();
    const shell = await openShell({ actions });
    await toProfile(shell, 'local');
    await shell.press('d', (f) => f.includes('Compare local with:'));
    await shell.press(KEYS.up, (f) => /❯ dev/.test(f));
    await shell.press(KEYS.enter, (f) => f.includes('local → dev'));
    expect(shell.screen()).toContain('✖ DIFFERENT APP: the app keys differ');
    expect(shell.screen()).not.toContain('SAME APP');
    expect(shell.screen()).toMatch(/app keys \([1-9]\d*\)/);
    shell.unmount();
  });
});

describe('?', () => {
  it('lists every key of the shell, in 80 columns', async () => {
    const shell = await openShell();
    await shell.press('?', (f) => f.includes('Keys'));
    const frame = shell.screen();
    const keys = [
      'u',
      'd',
      'c',
      'p / R',
      's',
      'm',
      'n',
      'x',
      'D',
      'X',
      'g',
      'r',
      'esc',
      'tab',
      'enter',
      '?',
      'q',
    ];
    for (const key of keys) expect(frame).toMatch(new RegExp(`│ ${key.replace('?', '\\?')}\\s{2,}\\S`));
    for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    shell.unmount();
  });
});

// Unused-parameter guard for the RuntimeOption type in the stand-ins above.
export type { RuntimeOption };
