import { Box, Text } from 'ink';
import { scrolled } from './environments-panel.js';
import type { Loadable } from './loadable.js';
import { Panel } from './panel.js';
import type { ProfileList } from './types.js';

export interface ProfilePickerProps {
  profiles: Loadable<ProfileList> | undefined;
  cursor: number;
  selected?: string;
  focused: boolean;
  width: number;
  /** Rows shown at once; the list scrolls to keep the cursor visible. */
  maxRows?: number;
}

export const ProfilePicker = ({
  profiles,
  cursor,
  selected,
  focused,
  width,
  maxRows = 10,
}: ProfilePickerProps) => (
  <Panel title="Profiles" focused={focused} width={width}>
    {!profiles || profiles.state === 'loading' ? (
      <Text dimColor>Loading profiles…</Text>
    ) : profiles.state === 'failed' ? (
      <Box flexDirection="column">
        <Text color="red">{profiles.error}</Text>
        {profiles.hint && <Text dimColor>{profiles.hint}</Text>}
      </Box>
    ) : profiles.value.names.length === 0 ? (
      <Text dimColor>
        No profiles in {profiles.value.folder}. Create profiles/dev.yaml with `runtime: compose`.
      </Text>
    ) : (
      <ProfileRows
        list={profiles.value}
        cursor={cursor}
        selected={selected}
        focused={focused}
        maxRows={maxRows}
      />
    )}
  </Panel>
);

const ProfileRows = ({
  list,
  cursor,
  selected,
  focused,
  maxRows,
}: {
  list: ProfileList;
  cursor: number;
  selected?: string;
  focused: boolean;
  maxRows: number;
}) => {
  const { first, visible, below } = scrolled(list.names, cursor, maxRows);
  return (
    <Box flexDirection="column">
      {first > 0 && <Text dimColor> ↑ {first} more</Text>}
      {visible.map((name, i) => {
        const atCursor = first + i === cursor;
        return (
          <Text key={name} wrap="truncate-end" inverse={atCursor && focused}>
            <Text color={atCursor && focused ? 'cyan' : undefined}>{atCursor ? '❯' : ' '}</Text>{' '}
            {name === selected ? <Text color="green">●</Text> : ' '}{' '}
            <Text bold={name === selected}>{name}</Text>
            {name === list.defaultProfile && <Text dimColor> (default)</Text>}
          </Text>
        );
      })}
      {below > 0 && <Text dimColor> ↓ {below} more</Text>}
    </Box>
  );
};
