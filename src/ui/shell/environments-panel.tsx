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
  /** Rows shown at once; the list scrolls to keep the cursor visible. */
  maxRows?: number;
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

/**
 * One timer for the whole panel: the countdowns re-render each second; the list is not re-fetched.
 * The status comes right after the name, so a narrow terminal cuts the profile and URL, not it.
 */
const EnvironmentRows = ({
  envs,
  cursor,
  focused,
  maxRows,
}: {
  envs: EnvironmentSummary[];
  cursor: number;
  focused: boolean;
  maxRows: number;
}) => {
  const now = useNow();
  const { first, visible, above, below } = scrolled(envs, cursor, maxRows);
  return (
    <Box flexDirection="column">
      {above > 0 && <Text dimColor> ↑ {above} more</Text>}
      {visible.map((env, at) => {
        const i = first + at;
        const status = statusAt(env, now);
        return (
          <Text key={`${i}/${env.runtime}/${env.name}`} wrap="truncate-end" inverse={focused && i === cursor}>
            <Text color={focused && i === cursor ? 'cyan' : undefined}>{i === cursor ? '❯' : ' '}</Text>{' '}
            <Text bold>{env.name}</Text>{' '}
            <Text color={STATUS_COLORS[status] ?? STATUS_COLORS[env.status] ?? 'yellow'}>{status}</Text>{' '}
            <Text dimColor>
              {env.profile} · {env.runtime}
            </Text>
            {env.url && <Text dimColor> {env.url}</Text>}
          </Text>
        );
      })}
      {below > 0 && <Text dimColor> ↓ {below} more</Text>}
    </Box>
  );
};

/** The rows of a list that fit, scrolled so the cursor stays visible, and how many are hidden. */
export function scrolled<T>(list: readonly T[], cursor: number, maxRows: number) {
  const first = Math.min(Math.max(0, cursor - maxRows + 1), Math.max(0, list.length - maxRows));
  const visible = list.slice(first, first + maxRows);
  return { first, visible, above: first, below: Math.max(0, list.length - first - maxRows) };
}

export const EnvironmentsPanel = ({
  environments,
  cursor,
  focused,
  maxRows = 10,
}: EnvironmentsPanelProps) => (
  <Panel title="Environments" focused={focused} flexGrow={1}>
    {!environments || environments.state === 'loading' ? (
      <Text dimColor>Looking for environments…</Text>
    ) : environments.state === 'failed' ? (
      <Text color="red">{environments.error}</Text>
    ) : environments.value.length === 0 ? (
      <Text dimColor>{EMPTY_ENVIRONMENTS}</Text>
    ) : (
      <EnvironmentRows envs={environments.value} cursor={cursor} focused={focused} maxRows={maxRows} />
    )}
  </Panel>
);
