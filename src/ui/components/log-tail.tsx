import { Box, Text } from 'ink';
import type { ViewState } from '../../events/state.js';

export interface LogTailProps {
  logs: ViewState['logs'];
  lines?: number;
}

export const LogTail = ({ logs, lines = 8 }: LogTailProps) => {
  const shown = logs.slice(-lines);
  if (shown.length === 0) return null;
  const width = Math.max(...shown.map((l) => l.source.length));
  return (
    <Box flexDirection="column">
      {shown.map((log, i) => (
        <Text key={`${log.at}-${i}`} wrap="truncate-end">
          <Text dimColor>{log.source.padEnd(width)} |</Text> {log.line}
        </Text>
      ))}
    </Box>
  );
};
