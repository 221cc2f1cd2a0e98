// The dashboard as a pure view: the folded event state (steps, services, messages), the log lines
// of the selected service and the keyboard state in, one frame out. dashboard.tsx feeds it.
import { Box, Text } from 'ink';
import type { ViewState } from '../../events/state.js';
import { alertDetail, type MonitoringStatus } from '../../runtime/alerts.js';
import { KeyBar } from '../components/key-bar.js';
import { MessageList } from '../components/message-list.js';
import { ResourceTable } from '../components/resource-table.js';
import { Spinner } from '../components/spinner.js';
import { StepList } from '../components/step-list.js';
import { DASHBOARD_KEYS, type DashState } from './keys.js';

export interface DashboardViewProps {
  env: string;
  url?: string;
  /** With monitoring on: what the environment's Prometheus has firing, from the last poll. */
  monitoring?: MonitoringStatus;
  state: ViewState;
  dash: DashState;
  /** The lines of the selected service's log, oldest first. */
  logs: readonly string[];
  /** How many log lines the pane shows. */
  logLines?: number;
  now: number;
}

export const selectedService = (state: ViewState, dash: DashState): string | undefined =>
  state.resources[Math.min(dash.cursor, state.resources.length - 1)]?.name;

export const DashboardView = ({
  env,
  url,
  monitoring,
  state,
  dash,
  logs,
  logLines = 10,
  now,
}: DashboardViewProps) => {
  const selected = selectedService(state, dash);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>omrs · {env}</Text>
        {url && <Text color="cyan"> {url}</Text>}
        {dash.down && <Text color="yellow"> (down)</Text>}
      </Text>
      <StepList steps={state.steps} now={now} />
      <Box marginTop={1}>
        {state.resources.length > 0 ? (
          <ResourceTable resources={state.resources} now={now} selected={selected ?? null} />
        ) : (
          <Text dimColor>No services yet.</Text>
        )}
      </Box>
      {monitoring && <AlertsPane monitoring={monitoring} />}
      <MessageList messages={state.messages} maxInfo={2} />
      {dash.showLogs && selected && <LogPane service={selected} logs={logs} lines={logLines} />}
      <StatusLine dash={dash} env={env} />
      <DashboardHelpBar />
    </Box>
  );
};

export const LogPane = ({
  service,
  logs,
  lines,
}: {
  service: string;
  logs: readonly string[];
  lines: number;
}) => {
  const shown = logs.slice(-lines);
  return (
    <Box flexDirection="column" marginTop={1} borderStyle="single" borderColor="gray" paddingX={1}>
      <Text dimColor wrap="truncate-end">
        logs · <Text bold>{service}</Text> (following; l hides)
      </Text>
      {shown.length === 0 ? (
        <Text dimColor>waiting for log lines…</Text>
      ) : (
        shown.map((line, i) => (
          <Text key={i} wrap="truncate-end">
            {line || ' '}
          </Text>
        ))
      )}
    </Box>
  );
};

/** The most firing alerts the pane lists; the rest are counted. */
const MAX_ALERTS = 5;

/** The rows AlertsPane takes (its top margin included), for the log pane's height. */
export const alertRows = (m: MonitoringStatus | undefined): number =>
  m ? 2 + Math.min(MAX_ALERTS, m.firing.length) + (m.firing.length > MAX_ALERTS ? 1 : 0) : 0;

export const AlertsPane = ({ monitoring: m }: { monitoring: MonitoringStatus }) => {
  const pending = m.pending.length > 0 && <Text dimColor>; pending: {m.pending.join(', ')}</Text>;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text wrap="truncate-end">
        <Text bold>alerts</Text>{' '}
        {m.error ? (
          <Text color="yellow">not read ({m.error})</Text>
        ) : m.firing.length === 0 ? (
          <Text color="green">none firing</Text>
        ) : (
          <Text color="red">{m.firing.length} firing</Text>
        )}
        {pending}
      </Text>
      {m.firing.slice(0, MAX_ALERTS).map((a, i) => (
        <Text key={i} wrap="truncate-end">
          {'  '}
          <Text color="red">● {a.name}</Text> <Text dimColor>({alertDetail(a)})</Text> {a.summary}
        </Text>
      ))}
      {m.firing.length > MAX_ALERTS && (
        <Text dimColor> …and {m.firing.length - MAX_ALERTS} more (omrs status)</Text>
      )}
    </Box>
  );
};

const StatusLine = ({ dash, env }: { dash: DashState; env: string }) => {
  if (dash.confirmDown)
    return (
      <Text>
        <Text color="yellow">?</Text> Take {env} down? Its volumes (the database) are kept.{' '}
        <Text bold>y/n</Text>
      </Text>
    );
  if (dash.busy)
    return (
      <Text>
        <Spinner /> {dash.busy}…
      </Text>
    );
  if (dash.notice) {
    const { tone, text } = dash.notice;
    const icon = tone === 'ok' ? '✔' : tone === 'error' ? '✖' : '·';
    const color = tone === 'ok' ? 'green' : tone === 'error' ? 'red' : 'gray';
    return (
      <Text wrap="truncate-end">
        <Text color={color}>{icon}</Text> {text}
      </Text>
    );
  }
  return <Text> </Text>;
};

export const DashboardHelpBar = () => <KeyBar keys={DASHBOARD_KEYS} />;
