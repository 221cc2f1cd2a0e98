import { Box, Text } from 'ink';
import { KeyBar } from '../components/key-bar.js';
import { Panel } from './panel.js';

type Focus = 'profiles' | 'environments';

export interface ShellKey {
  keys: string;
  label: string;
  help: string;
  /** The panel whose key bar shows it (both when absent; none: only `?` lists it). */
  bar?: Focus | 'none';
}

/** Every key of the shell: `?` lists them all, the key bar those of the focused panel. */
export const KEYS: readonly ShellKey[] = [
  { keys: '↑/↓', label: 'move', help: 'move in the focused panel (also k/j)' },
  { keys: 'enter', label: 'select', help: 'profile: resolved, with origins; environment: its dashboard' },
  { keys: 'tab', label: 'switch', help: 'move the focus between profiles and environments' },
  { keys: 'u', label: 'up', bar: 'profiles', help: 'start the profile: pick a runtime or context (omrs up)' },
  { keys: 'd', label: 'diff', bar: 'profiles', help: 'compare with another profile: app and env keys apart' },
  { keys: 'c', label: 'check', bar: 'profiles', help: 'run the checks gate of the profile (omrs check)' },
  // One row for both, so the help still fits a 24-row terminal.
  {
    keys: 'p / R',
    label: 'promote',
    bar: 'none',
    help: 'promote wizard; R: roll back (omrs promote, omrs rollback)',
  },
  {
    keys: 's',
    label: 'stop',
    bar: 'environments',
    help: 'stop the environment after y; volumes kept (omrs down)',
  },
  { keys: 'm', label: 'data', bar: 'none', help: 'data: seed (size), snapshot, restore, backup now, purge' },
  {
    keys: 'n',
    label: 'new',
    help: 'new disposable environment: profile, TTL, runtime, seed or snapshot',
  },
  { keys: 'x', label: 'extend', bar: 'environments', help: 'give a disposable environment more time' },
  {
    keys: 'D',
    label: 'remove',
    bar: 'environments',
    help: 'remove the environment and its volumes, after y',
  },
  {
    keys: 'X',
    label: 'destroy',
    bar: 'environments',
    help: 'snapshot, then remove it all after its name is typed (omrs destroy)',
  },
  { keys: 'g', label: 'gc', bar: 'environments', help: 'remove every expired disposable environment' },
  { keys: 'r', label: 'refresh', bar: 'none', help: 'list the environments again' },
  { keys: 'esc', label: 'back', bar: 'none', help: 'cancel a running action, go back, hide this help' },
  { keys: '?', label: 'help', help: 'show or hide this help' },
  { keys: 'q', label: 'quit', help: 'quit (Ctrl-C too; during an action Ctrl-C cancels it)' },
];

/** The keys of the focused panel, in one line. */
export const HelpBar = ({ focus }: { focus?: Focus }) => (
  <Box>
    <KeyBar
      keys={KEYS.filter(
        (k) => (k.bar === undefined || k.bar === focus) && !(focus === 'environments' && k.keys === 'tab'),
      )}
    />
  </Box>
);

export const HelpPanel = () => (
  <Panel title="Keys" focused>
    {KEYS.map(({ keys, help }) => (
      <Box key={keys}>
        <Box width={7} flexShrink={0}>
          <Text bold>{keys}</Text>
        </Box>
        <Text>{help}</Text>
      </Box>
    ))}
    <Text dimColor>Every action here is also a plain command: `omrs --help` lists them.</Text>
  </Panel>
);
