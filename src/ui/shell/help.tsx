import { Box, Text } from 'ink';
import { KeyBar } from '../components/key-bar.js';
import { Panel } from './panel.js';

export const KEYS: readonly { keys: string; label: string; help: string }[] = [
  { keys: '↑/↓', label: 'move', help: 'move in the focused panel (also k/j)' },
  {
    keys: 'enter',
    label: 'select',
    help: 'select the profile under the cursor and show its runtime and app digest',
  },
  { keys: 'tab', label: 'switch panel', help: 'move the focus between profiles and environments' },
  { keys: '?', label: 'help', help: 'show or hide this help (esc hides it too)' },
  { keys: 'q', label: 'quit', help: 'quit (also Ctrl-C)' },
];

export const HelpBar = () => (
  <Box>
    <KeyBar keys={KEYS} />
  </Box>
);

export const HelpPanel = () => (
  <Panel title="Keys" focused>
    {KEYS.map(({ keys, help }) => (
      <Box key={keys}>
        <Box width={8} flexShrink={0}>
          <Text bold>{keys}</Text>
        </Box>
        <Text>{help}</Text>
      </Box>
    ))}
    <Text dimColor>Every action here is also a plain command: run `omrs --help` for the list.</Text>
  </Panel>
);
