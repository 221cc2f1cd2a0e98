// The interactive shell `omrs` opens in a terminal: profiles, environments, keyboard navigation.
import { useEffect, useState } from 'react';
import { Box, useApp, useInput, useStdout } from 'ink';
import { EnvironmentsPanel } from './environments-panel.js';
import { Header } from './header.js';
import { HelpBar, HelpPanel } from './help.js';
import { useLoadable } from './loadable.js';
import { ProfileDetails } from './profile-details.js';
import { ProfilePicker } from './profile-picker.js';
import type { ShellProps } from './types.js';

type Focus = 'profiles' | 'environments';

const clamp = (value: number, length: number) => Math.max(0, Math.min(value, length - 1));

export const ShellApp = ({ version, listProfiles, inspectProfile, listEnvironments }: ShellProps) => {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [focus, setFocus] = useState<Focus>('profiles');
  const [profileCursor, setProfileCursor] = useState(0);
  const [envCursor, setEnvCursor] = useState(0);
  const [selected, setSelected] = useState<string | undefined>();
  const [showHelp, setShowHelp] = useState(false);

  const profiles = useLoadable(listProfiles, 'once');
  const environments = useLoadable(listEnvironments, 'once');
  const details = useLoadable(selected === undefined ? undefined : () => inspectProfile(selected), selected);

  const names = profiles?.state === 'ready' ? profiles.value.names : [];
  const envCount = environments?.state === 'ready' ? environments.value.length : 0;

  // Start on the project's default profile, so its details show without a key press.
  useEffect(() => {
    if (profiles?.state !== 'ready') return;
    const { names: list, defaultProfile } = profiles.value;
    const start = defaultProfile && list.includes(defaultProfile) ? defaultProfile : list[0];
    if (start === undefined) return;
    setProfileCursor(list.indexOf(start));
    setSelected(start);
  }, [profiles]);

  useInput((input, key) => {
    if (input === 'q' || (key.ctrl && input === 'c')) {
      exit();
      return;
    }
    if (input === '?') return setShowHelp((shown) => !shown);
    if (key.escape) return setShowHelp(false);
    if (key.tab) return setFocus((f) => (f === 'profiles' ? 'environments' : 'profiles'));
    const step = key.upArrow || input === 'k' ? -1 : key.downArrow || input === 'j' ? 1 : 0;
    if (step !== 0) {
      if (focus === 'profiles') setProfileCursor((c) => clamp(c + step, names.length));
      else setEnvCursor((c) => clamp(c + step, envCount));
      return;
    }
    if (key.return && focus === 'profiles' && names[profileCursor] !== undefined) setSelected(names[profileCursor]);
  });

  const columns = stdout.columns || 80;
  const pickerWidth = Math.min(Math.max(28, ...names.map((n) => n.length + 18)), Math.floor(columns / 2));
  return (
    <Box flexDirection="column">
      <Header version={version} folder={profiles?.state === 'ready' ? profiles.value.folder : undefined} />
      <Box>
        <ProfilePicker profiles={profiles} cursor={profileCursor} selected={selected} focused={focus === 'profiles'} width={pickerWidth} />
        <EnvironmentsPanel environments={environments} cursor={envCursor} focused={focus === 'environments'} />
      </Box>
      {showHelp ? <HelpPanel /> : <ProfileDetails details={details} />}
      <HelpBar />
    </Box>
  );
};
