import { Box, Text } from 'ink';
import { TextInput } from '../components/text-input.js';

export interface TtlLineProps {
  env: string;
  onSubmit: (ttl: string) => void;
  onCancel: () => void;
}

/** `x`: how much longer a disposable environment lives, as `omrs env extend --ttl` takes it. */
export const TtlLine = ({ env, onSubmit, onCancel }: TtlLineProps) => (
  <Box flexDirection="column">
    <Text wrap="wrap">
      <Text color="yellow">?</Text> Extend {env} by (30m, 2h, 1d; enter confirms, esc cancels):
    </Text>
    <TextInput initial="2h" onSubmit={(ttl) => onSubmit(ttl.trim())} onCancel={onCancel} />
  </Box>
);
