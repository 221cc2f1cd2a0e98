// The interactive shell `omrs` opens in a terminal: profiles, environments, keyboard navigation.
import { useEffect, useReducer, useRef, useState } from 'react';
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { EventBus } from '../../events/bus.js';
import type { CheckReport } from '../../checks/types.js';
import { ShellDashboard } from '../dashboard/shell-dashboard.js';
import { createViewStore } from '../progress-view.js';
import { CREATE_RUNTIMES, type ActionDeps, type ShellActions } from './actions.js';
import { ChecksView } from './checks-view.js';
import { ConfirmLine } from './confirm-line.js';
import { createCommand, CreateForm } from './create-form.js';
import { DataMenu, type DataAction } from './data-menu.js';
import { DiffPicker, DiffView } from './diff-view.js';
import { EnvironmentsPanel } from './environments-panel.js';
import { Header } from './header.js';
import { HelpBar, HelpPanel } from './help.js';
import { JobScreen, type Job } from './job.js';
import { useLoadable } from './loadable.js';
import { initialNav, navigate } from './navigation.js';
import { ProfileDetails } from './profile-details.js';
import { ProfilePicker } from './profile-picker.js';
import { ProfileView } from './profile-view.js';
import { PromoteWizard } from './promote-wizard.js';
import { RuntimePicker, optionLabel } from './runtime-picker.js';
import { TtlLine } from './ttl-line.js';
import type {
  EnvironmentSummary,
  OpenedEnvironment,
  ProfileDetails as Details,
  ShellProps,
} from './types.js';
import type { Loadable } from './loadable.js';

export interface ShellAppProps extends ShellProps {
  /** Enter on an environment opens its dashboard (when given). */
  dashboardFor?: (env: EnvironmentSummary) => Promise<OpenedEnvironment>;
  /** What the keys u, s, n, x, D and g do: the use cases of the plain commands. */
  actions?: ShellActions;
}

/** What fills the terminal: the shell itself, or one of the screens its keys open. */
type Screen =
  | { kind: 'home' }
  | { kind: 'pick'; profile: string }
  | { kind: 'job'; job: Job }
  | { kind: 'checks'; profile: string; report: CheckReport }
  | { kind: 'profile'; profile: string }
  | { kind: 'diff-pick'; profile: string }
  | { kind: 'diff'; a: string; b: string }
  | { kind: 'promote'; profile: string }
  | {
      kind: 'dashboard';
      env: EnvironmentSummary;
      open: (env: EnvironmentSummary) => Promise<OpenedEnvironment>;
    };

/** A question under the panels of the shell. */
type Modal =
  | { kind: 'confirm'; question: string; onYes: () => void }
  | { kind: 'extend'; env: EnvironmentSummary }
  | { kind: 'create' }
  | { kind: 'data'; env: EnvironmentSummary };

const NO_ACTIONS = 'this shell was opened without actions (run `omrs` in a terminal)';

export const ShellApp = ({
  version,
  listProfiles,
  inspectProfile,
  listEnvironments,
  dashboardFor,
  actions,
}: ShellAppProps) => {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [nav, dispatch] = useReducer(navigate, initialNav);
  const [screen, setScreen] = useState<Screen>({ kind: 'home' });
  const [modal, setModal] = useState<Modal | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  // Bumped after an action, so the environments panel shows what it changed.
  const [listed, setListed] = useState(0);

  const profiles = useLoadable(listProfiles, 'once');
  const environments = useLoadable(listEnvironments, listed, { keep: true });
  const { selected } = nav;
  const details = useLoadable(selected === undefined ? undefined : () => inspectProfile(selected), selected);
  // Read when `n` opens its form: a snapshot taken meanwhile shows the next time.
  const creating = modal?.kind === 'create';
  const snapshots = useLoadable(creating && actions ? () => actions.snapshotNames() : undefined, creating);

  const names = profiles?.state === 'ready' ? profiles.value.names : [];
  const envCount = environments?.state === 'ready' ? environments.value.length : 0;
  // The input handler reads the lists through a ref, so a key never sees an older list.
  const envs = environments?.state === 'ready' ? environments.value : [];
  const lists = useRef({ names, envCount, envs, nav });
  lists.current = { names, envCount, envs, nav };

  const envKey = envs.map((e) => e.name).join('\n');
  useEffect(() => dispatch({ type: 'envsListed', envNames: envKey ? envKey.split('\n') : [] }), [envKey]);

  // Start on the project's default profile, so its details show without a key press.
  useEffect(() => {
    if (profiles?.state !== 'ready') return;
    const { names: list, defaultProfile } = profiles.value;
    const start = defaultProfile && list.includes(defaultProfile) ? defaultProfile : list[0];
    if (start !== undefined) dispatch({ type: 'start', profile: start, profiles: list });
  }, [profiles]);

  const home = () => {
    setScreen({ kind: 'home' });
    setListed((n) => n + 1);
  };
  /** Runs one use case on its own bus, in the job screen; `then` takes over after success. */
  function runJob<R>(
    title: string,
    run: (deps: ActionDeps) => Promise<R>,
    describe: (result: R) => string,
    then?: (result: R, job: Job<R>) => void,
  ) {
    const bus = new EventBus();
    const job: Job<R> = { title, bus, store: createViewStore(bus), run, describe };
    if (then) job.then = (result) => then(result, job);
    setNotice(undefined);
    setScreen({ kind: 'job', job });
  }

  const startOn = (profile: string) => (option: Parameters<ShellActions['up']>[1], env: string) =>
    runJob(
      `omrs up ${profile} on ${optionLabel(option)}`,
      (deps) => actions!.up(profile, option, deps),
      (started) => started.line,
      (started, job) => {
        const opened: OpenedEnvironment = {
          store: job.store,
          source: started.source,
          ...(started.url && { url: started.url }),
          close() {
            started.source.close?.();
            job.store.close();
          },
        };
        const summary = { name: env, profile, runtime: option.runtime, status: 'running' };
        setScreen({ kind: 'dashboard', env: summary, open: async () => opened });
      },
    );

  useInput(
    (input, key) => {
      const { names: profileNames, envCount: count, envs: envList, nav: current } = lists.current;
      if (input === 'q' || (key.ctrl && input === 'c')) return exit();
      if (input === '?') return dispatch({ type: 'toggleHelp' });
      if (key.escape) return dispatch({ type: 'closeHelp' });
      if (key.tab) return dispatch({ type: 'switchPanel' });
      const by = key.upArrow || input === 'k' ? -1 : key.downArrow || input === 'j' ? 1 : 0;
      if (by !== 0)
        return dispatch({
          type: 'move',
          by,
          profiles: profileNames,
          envCount: count,
          envNames: envList.map((e) => e.name),
        });
      const env = current.focus === 'environments' ? envList[current.envCursor] : undefined;
      if (key.return && env && dashboardFor) return setScreen({ kind: 'dashboard', env, open: dashboardFor });
      if (key.return) {
        dispatch({ type: 'select', profiles: profileNames });
        const name = profileNames[current.profileCursor];
        if (current.focus === 'profiles' && name && actions) setScreen({ kind: 'profile', profile: name });
        return;
      }
      if (input === 'r') return setListed((n) => n + 1);
      if (!'usnxXDgcdmpR'.includes(input) || input === '') return;
      if (!actions) return setNotice(NO_ACTIONS);
      const profile = profileNames[current.profileCursor];
      if (input === 'u' && current.focus === 'profiles' && profile)
        return setScreen({ kind: 'pick', profile });
      if (input === 'c' && current.focus === 'profiles' && profile)
        return runJob(
          `omrs check --profile ${profile}`,
          (deps) => actions.check(profile, deps),
          (report) => (report.passed ? 'gate passed' : 'gate failed'),
          (report) => setScreen({ kind: 'checks', profile, report }),
        );
      if (input === 'd' && current.focus === 'profiles' && profile)
        return setScreen({ kind: 'diff-pick', profile });
      if (input === 'p' && current.focus === 'profiles' && profile)
        return setScreen({ kind: 'promote', profile });
      // The use case asks for the environment's name typed before it switches anything.
      if (input === 'R' && current.focus === 'profiles' && profile)
        return runJob(
          `omrs rollback --profile ${profile}`,
          (deps) => actions.rollback(profile, deps),
          (line) => line,
        );
      if (input === 'n') return setModal({ kind: 'create' });
      if (input === 'g')
        return runJob(
          'omrs env gc',
          (deps) => actions.gcEnvs(deps),
          (line) => line,
        );
      if (!env) return setNotice(`${input}: select an environment first (tab moves to them)`);
      if (input === 's')
        return setModal({
          kind: 'confirm',
          question: `Stop ${env.name}? Its volumes (the database) are kept.`,
          onYes: () =>
            runJob(
              `omrs down ${env.name}`,
              (deps) => actions.down(env, deps),
              (line) => line,
            ),
        });
      if (input === 'x') return setModal({ kind: 'extend', env });
      // The use case shows what goes and asks for the environment's name typed, in the job screen.
      if (input === 'X')
        return runJob(
          `omrs destroy ${env.name}`,
          (deps) => actions.destroyEnv(env, deps),
          (line) => line,
        );
      if (input === 'm') return setModal({ kind: 'data', env });
      if (input === 'D')
        return setModal({
          kind: 'confirm',
          question: `Remove ${env.name} with its volumes? Its data is lost.`,
          onYes: () =>
            runJob(
              `omrs env rm ${env.name}`,
              (deps) => actions.removeEnv(env, deps),
              (line) => line,
            ),
        });
    },
    { isActive: screen.kind === 'home' && !modal },
  );

  if (screen.kind === 'dashboard')
    return <ShellDashboard env={screen.env} open={screen.open} onBack={home} />;
  if (screen.kind === 'job')
    return (
      <JobScreen
        job={screen.job}
        onBack={() => {
          screen.job.store.close();
          home();
        }}
      />
    );
  if (screen.kind === 'checks' && actions)
    return (
      <ChecksView
        profile={screen.profile}
        report={screen.report}
        explain={(rule) => actions.explainRule(rule)}
        onBack={home}
      />
    );
  if (screen.kind === 'promote' && actions)
    return <PromoteWizard profile={screen.profile} actions={actions} onBack={home} />;
  if (screen.kind === 'profile' && actions)
    return (
      <ProfileView
        profile={screen.profile}
        show={(name) => actions.showProfile(name)}
        onBack={() => setScreen({ kind: 'home' })}
      />
    );
  if (screen.kind === 'diff-pick')
    return (
      <DiffPicker
        from={screen.profile}
        profiles={names}
        onPick={(b) => setScreen({ kind: 'diff', a: screen.profile, b })}
        onBack={() => setScreen({ kind: 'home' })}
      />
    );
  if (screen.kind === 'diff' && actions)
    return (
      <DiffView
        a={screen.a}
        b={screen.b}
        compare={(a, b) => actions.diffProfiles(a, b)}
        onBack={() => setScreen({ kind: 'home' })}
      />
    );
  if (screen.kind === 'pick' && actions) {
    const profile = screen.profile;
    return (
      <RuntimePicker
        profile={profile}
        choices={() => actions.startChoices(profile)}
        onPick={(option, choices) => startOn(profile)(option, choices.env)}
        onBack={home}
      />
    );
  }

  const columns = stdout.columns || 80;
  const pickerWidth = Math.min(Math.max(28, ...names.map((n) => n.length + 18)), Math.floor(columns / 2));
  // The lists scroll, so the header, the details and the keys still fit a 24-row terminal.
  const listRows = Math.max(3, Math.min(10, (stdout.rows || 24) - 14));
  const header = (
    <Header version={version} folder={profiles?.state === 'ready' ? profiles.value.folder : undefined} />
  );
  // Every key, without the panels: it fits a 24-row terminal.
  if (nav.showHelp && !modal)
    return (
      <Box flexDirection="column">
        {header}
        <HelpPanel />
        <HelpBar focus={nav.focus} />
      </Box>
    );
  return (
    <Box flexDirection="column">
      {header}
      <Box>
        <ProfilePicker
          profiles={profiles}
          cursor={nav.profileCursor}
          selected={selected}
          focused={nav.focus === 'profiles'}
          width={pickerWidth}
          maxRows={listRows}
        />
        <EnvironmentsPanel
          environments={environments}
          cursor={nav.envCursor}
          focused={nav.focus === 'environments'}
          maxRows={listRows}
        />
      </Box>
      {modal?.kind === 'data' && actions ? (
        <DataMenu
          env={modal.env.name}
          onCancel={() => setModal(undefined)}
          onRun={(action) => {
            const env = modal.env;
            const run = () =>
              runJob(
                dataTitle(env.name, action),
                (deps) => actions.data(env, action, deps),
                (line) => line,
              );
            if (action.kind !== 'purge') {
              setModal(undefined);
              return run();
            }
            setModal({
              kind: 'confirm',
              question: `Purge the seeded rows from ${env.name}? Rows not made by omrs seed stay.`,
              onYes: run,
            });
          }}
        />
      ) : modal?.kind === 'create' && actions ? (
        <CreateForm
          profiles={names}
          snapshots={snapshots?.state === 'ready' ? snapshots.value : []}
          profile={names[nav.profileCursor] ?? names[0] ?? ''}
          runtime={createRuntime(details)}
          onCancel={() => setModal(undefined)}
          onCreate={(request) => {
            setModal(undefined);
            runJob(
              createCommand(request),
              (deps) => actions.createEnv(request, deps),
              (line) => line,
            );
          }}
        />
      ) : (
        <ProfileDetails details={details} />
      )}
      {modal?.kind === 'confirm' && (
        <ConfirmLine
          question={modal.question}
          onAnswer={(yes) => {
            setModal(undefined);
            if (yes) modal.onYes();
            else setNotice('cancelled: nothing was done');
          }}
        />
      )}
      {modal?.kind === 'extend' && actions && (
        <TtlLine
          env={modal.env.name}
          onCancel={() => setModal(undefined)}
          onSubmit={(ttl) => {
            const env = modal.env;
            setModal(undefined);
            runJob(
              `omrs env extend ${env.name} --ttl ${ttl}`,
              (deps) => actions.extendEnv(env, ttl, deps),
              (line) => line,
            );
          }}
        />
      )}
      {notice && !modal && (
        <Text wrap="truncate-end" dimColor>
          {notice}
        </Text>
      )}
      {modal?.kind !== 'create' && modal?.kind !== 'data' && <HelpBar focus={nav.focus} />}
    </Box>
  );
};

/** `n` offers the selected profile's runtime when `env create` takes it, else Docker. */
function createRuntime(details: Loadable<Details> | undefined): string {
  const runtime = details?.state === 'ready' && details.value.ok ? details.value.runtime : 'compose';
  return (CREATE_RUNTIMES as readonly string[]).includes(runtime) ? runtime : 'compose';
}

/** The plain command a data action is. */
function dataTitle(env: string, action: DataAction): string {
  switch (action.kind) {
    case 'seed':
      return `omrs seed --env ${env} --size ${action.size}`;
    case 'purge':
      return `omrs seed --purge --env ${env}`;
    case 'backup':
      return `omrs db backup --env ${env}`;
    default:
      return `omrs db ${action.kind} ${action.name} --env ${env}`;
  }
}
