// The interactive shell `omrs` opens in a terminal: profiles, environments, keyboard navigation.
import { useEffect, useReducer, useRef, useState } from 'react';
import { Box, useApp, useInput, useStdout } from 'ink';
import { ShellDashboard } from '../dashboard/shell-dashboard.js';
import { EnvironmentsPanel } from './environments-panel.js';
import { Header } from './header.js';
import { HelpBar, HelpPanel } from './help.js';
import { useLoadable } from './loadable.js';
import { initialNav, navigate } from './navigation.js';
import { ProfileDetails } from './profile-details.js';
import { ProfilePicker } from './profile-picker.js';
import type { EnvironmentSummary, OpenedEnvironment, ShellProps } from './types.js';

export interface ShellAppProps extends ShellProps {
  /** Enter on an environment opens its dashboard (when given). */
  dashboardFor?: (env: EnvironmentSummary) => Promise<OpenedEnvironment>;
}

export const ShellApp = ({
  version,
  listProfiles,
  inspectProfile,
  listEnvironments,
  dashboardFor,
}: ShellAppProps) => {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [nav, dispatch] = useReducer(navigate, initialNav);
  const [opened, setOpened] = useState<EnvironmentSummary | undefined>();

  const profiles = useLoadable(listProfiles, 'once');
  const environments = useLoadable(listEnvironments, 'once');
  const { selected } = nav;
  const details = useLoadable(selected === undefined ? undefined : () => inspectProfile(selected), selected);

  const names = profiles?.state === 'ready' ? profiles.value.names : [];
  const envCount = environments?.state === 'ready' ? environments.value.length : 0;
  // The input handler reads the lists through a ref, so a key never sees an older list.
  const envs = environments?.state === 'ready' ? environments.value : [];
  const lists = useRef({ names, envCount, envs, nav });
  lists.current = { names, envCount, envs, nav };

  // Start on the project's default profile, so its details show without a key press.
  useEffect(() => {
    if (profiles?.state !== 'ready') return;
    const { names: list, defaultProfile } = profiles.value;
    const start = defaultProfile && list.includes(defaultProfile) ? defaultProfile : list[0];
    if (start !== undefined) dispatch({ type: 'start', profile: start, profiles: list });
  }, [profiles]);

  useInput(
    (input, key) => {
      const { names: profileNames, envCount: count, envs: envList, nav: current } = lists.current;
      if (input === 'q' || (key.ctrl && input === 'c')) return exit();
      if (input === '?') return dispatch({ type: 'toggleHelp' });
      if (key.escape) return dispatch({ type: 'closeHelp' });
      if (key.tab) return dispatch({ type: 'switchPanel' });
      const by = key.upArrow || input === 'k' ? -1 : key.downArrow || input === 'j' ? 1 : 0;
      if (by !== 0) return dispatch({ type: 'move', by, profiles: profileNames, envCount: count });
      const env = envList[current.envCursor];
      if (key.return && current.focus === 'environments' && dashboardFor && env) return setOpened(env);
      if (key.return) dispatch({ type: 'select', profiles: profileNames });
    },
    { isActive: !opened },
  );

  if (opened && dashboardFor)
    return <ShellDashboard env={opened} open={dashboardFor} onBack={() => setOpened(undefined)} />;

  const columns = stdout.columns || 80;
  const pickerWidth = Math.min(Math.max(28, ...names.map((n) => n.length + 18)), Math.floor(columns / 2));
  return (
    <Box flexDirection="column">
      <Header version={version} folder={profiles?.state === 'ready' ? profiles.value.folder : undefined} />
      <Box>
        <ProfilePicker
          profiles={profiles}
          cursor={nav.profileCursor}
          selected={selected}
          focused={nav.focus === 'profiles'}
          width={pickerWidth}
        />
        <EnvironmentsPanel
          environments={environments}
          cursor={nav.envCursor}
          focused={nav.focus === 'environments'}
        />
      </Box>
      {nav.showHelp ? <HelpPanel /> : <ProfileDetails details={details} />}
      <HelpBar />
    </Box>
  );
};
