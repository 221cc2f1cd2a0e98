import { Box, Text } from 'ink';

export const Header = ({ version, folder }: { version: string; folder?: string }) => (
  <Box justifyContent="space-between">
    <Text>
      <Text bold color="cyan">
        omrs
      </Text>{' '}
      <Text dimColor>v{version}</Text> · OpenMRS 3 environments
    </Text>
    {folder && (
      <Box marginLeft={1} flexShrink={1}>
        <Text dimColor wrap="truncate-start">
          profiles: {folder}
        </Text>
      </Box>
    )}
  </Box>
);
