import { Text } from 'ink';

/** One line of keys and what they do ("q quit  ? help"), cut at the terminal's edge. */
export const KeyBar = ({ keys }: { keys: readonly { keys: string; label: string }[] }) => (
  <Text wrap="truncate-end">
    {keys.map(({ keys: key, label }, i) => (
      <Text key={key}>
        {i > 0 && '  '}
        <Text bold color="cyan">
          {key}
        </Text>{' '}
        <Text dimColor>{label}</Text>
      </Text>
    ))}
  </Text>
);
