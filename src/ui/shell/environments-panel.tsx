import { Box, Text } from 'ink';
import type { Loadable } from './loadable.js';
import { Panel } from './panel.js';
import type { EnvironmentSummary } from './types.js';

export const EMPTY_ENVIRONMENTS = 'No environments yet. Run `omrs up` to start one.';

export interface EnvironmentsPanelProps {
  environments: Loadable<EnvironmentSummary[]> | undefined;
  cursor: number;
  focused: boolean;
}

const STATUS_COLORS: Record<string, string> = {
  running: 'green',
  ok: 'green',
  error: 'red',
  failed: 'red',
  stopped: 'gray',
};

export const EnvironmentsPanel = ({ environments, cursor, focused }: EnvironmentsPanelProps) => (
  <Panel title="Environments" focused={focused} flexGrow={1}>
    {!environments || environments.state === 'loading' ? (
      <Text dimColor>Looking for environments…</Text>
    ) : environments.state === 'failed' ? (
      <Text color="red">{environments.error}</Text>
    ) : environments.value.length === 0 ? (
      <Text dimColor>{EMPTY_ENVIRONMENTS}</Text>
    ) : (
      <Box flexDirection="column">
        {environments.value.map((env, i) => (
          <Text key={env.name} wrap="truncate-end" inverse={focused && i === cursor}>
            <Text color={focused && i === cursor ? 'cyan' : undefined}>{i === cursor ? '❯' : ' '}</Text>{' '}
            <Text bold>{env.name}</Text>{' '}
            <Text dimColor>
              {env.profile} · {env.runtime}
            </Text>{' '}
            <Text color={STATUS_COLORS[env.status] ?? 'yellow'}>{env.status}</Text>
            {env.url && <Text dimColor> {env.url}</Text>}
          </Text>
        ))}
      </Box>
    )}
  </Panel>
);
