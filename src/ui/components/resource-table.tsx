import { Box, Text } from 'ink';
import type { ResourceView } from '../../events/state.js';
import type { HealthState, RuntimeState } from '../../events/types.js';
import { formatAge } from './time.js';

export interface ResourceTableProps {
  resources: ResourceView[];
  /** For the age column. */
  now: number;
  /** Mark this resource's row with a cursor (the dashboard); rows get a cursor column when set. */
  selected?: string | null;
}

const HEADERS = ['NAME', 'KIND', 'STATE', 'HEALTH', 'RESTARTS', 'PORTS', 'AGE'] as const;

const RUNTIME_COLORS: Record<RuntimeState, string | undefined> = {
  ok: 'green',
  error: 'red',
  pending: 'yellow',
  starting: 'yellow',
  stopped: 'gray',
};
const HEALTH_COLORS: Record<HealthState, string | undefined> = {
  healthy: 'green',
  unhealthy: 'red',
  starting: 'yellow',
  unknown: 'gray',
  none: 'gray',
};

export const ResourceTable = ({ resources, now, selected }: ResourceTableProps) => {
  const rows = resources.map((r) => ({
    resource: r,
    cells: [
      r.name,
      r.kind,
      r.runtime,
      r.health,
      String(r.restarts),
      r.ports.join(',') || '-',
      formatAge(now - r.since),
    ],
  }));
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((row) => row.cells[i]!.length)));
  const pad = (text: string, i: number) => text.padEnd(widths[i]!);
  const cursor = selected !== undefined;
  return (
    <Box flexDirection="column">
      <Text dimColor wrap="truncate-end">
        {cursor && '  '}
        {HEADERS.map(pad).join('  ').trimEnd()}
      </Text>
      {rows.map(({ resource, cells }) => (
        <Box key={resource.name} flexDirection="column">
          <Text wrap="truncate-end">
            {cursor && <Text color="cyan">{resource.name === selected ? '❯ ' : '  '}</Text>}
            <Text bold>{pad(cells[0]!, 0)}</Text>
            {'  '}
            {pad(cells[1]!, 1)}
            {'  '}
            <Text color={RUNTIME_COLORS[resource.runtime]}>{pad(cells[2]!, 2)}</Text>
            {'  '}
            <Text color={HEALTH_COLORS[resource.health]}>{pad(cells[3]!, 3)}</Text>
            {'  '}
            <Text color={resource.restarts > 0 ? 'yellow' : undefined}>{pad(cells[4]!, 4)}</Text>
            {'  '}
            {pad(cells[5]!, 5)}
            {'  '}
            {cells[6]}
          </Text>
          {resource.runtime === 'error' && resource.detail && (
            <Box marginLeft={cursor ? 4 : 2}>
              <Text color="red" wrap="truncate-end">
                {resource.detail}
              </Text>
            </Box>
          )}
        </Box>
      ))}
    </Box>
  );
};
