import { Box, Text } from 'ink';
import type { ViewState } from '../../events/state.js';

export interface MessageListProps {
  messages: ViewState['messages'];
  /** Show debug messages too. */
  debug?: boolean;
  /** Info and debug messages shown; warnings are never dropped. */
  maxInfo?: number;
}

export const MessageList = ({ messages, debug = false, maxInfo = 3 }: MessageListProps) => {
  const warnings = messages.filter((m) => m.level === 'warning');
  const others =
    maxInfo <= 0
      ? []
      : messages.filter((m) => m.level === 'info' || (debug && m.level === 'debug')).slice(-maxInfo);
  if (warnings.length === 0 && others.length === 0) return null;
  return (
    <Box flexDirection="column">
      {others.map((m, i) => (
        <Text key={`i${i}`} dimColor={m.level === 'debug'}>
          {m.level === 'debug' ? `debug: ${m.message}` : m.message}
        </Text>
      ))}
      {warnings.map((m, i) => (
        <Box key={`w${i}`} flexDirection="column">
          <Text>
            <Text color="yellow">!</Text> {m.message}
          </Text>
          {m.hint && (
            <Box marginLeft={2}>
              <Text dimColor>{m.hint}</Text>
            </Box>
          )}
        </Box>
      ))}
    </Box>
  );
};
