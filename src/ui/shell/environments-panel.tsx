import { Box, Text } from 'ink';
import { humanSeconds } from '../../envs/names.js';
import { useNow } from '../components/time.js';
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
  ready: 'green',
  deployed: 'green',
  down: 'gray',
  expired: 'red',
};

/** The status, with the time a disposable environment has left at `now`. */
export function statusAt(env: EnvironmentSummary, now: number): string {
  if (env.expiresAt === undefined) return env.status;
  const left = Math.floor((env.expiresAt - now) / 1000);
  return left <= 0 ? 'expired' : `${env.status} · ${humanSeconds(left)} left`;
}

/** One timer for the whole panel: the countdowns re-render each second; the list is not re-fetched. */
const EnvironmentRows = ({
  envs,
  cursor,
  focused,
}: {
  envs: EnvironmentSummary[];
  cursor: number;
  focused: boolean;
}) => {
  const now = useNow();
  return (
    <Box flexDirection="column">
      {envs.map((env, i) => {
        const status = statusAt(env, now);
        return (
          <Text key={`${env.runtime}/${env.name}`} wrap="truncate-end" inverse={focused && i === cursor}>
            <Text color={focused && i === cursor ? 'cyan' : undefined}>{i === cursor ? '❯' : ' '}</Text>{' '}
            <Text bold>{env.name}</Text>{' '}
            <Text dimColor>
              {env.profile} · {env.runtime}
            </Text>{' '}
            <Text color={STATUS_COLORS[status] ?? STATUS_COLORS[env.status] ?? 'yellow'}>{status}</Text>
            {env.url && <Text dimColor> {env.url}</Text>}
          </Text>
        );
      })}
    </Box>
  );
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
      <EnvironmentRows envs={environments.value} cursor={cursor} focused={focused} />
    )}
  </Panel>
);
