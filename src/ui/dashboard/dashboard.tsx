// The live dashboard of one environment: polls the runtime into the events store, follows the
// selected service's log, and runs the keys' actions through the source. view.tsx draws it.
import { useEffect, useReducer, useRef, useState, useSyncExternalStore } from 'react';
import { useInput, useStdout } from 'ink';
import type { ViewStore } from '../progress-view.js';
import { useNow } from '../components/time.js';
import { dashReducer, initialDash, type DashEvent } from './keys.js';
import { firstLine, pause } from '../../runtime/dashboard-common.js';
import type { MonitoringStatus } from '../../runtime/alerts.js';
import type { DashboardSource } from '../../runtime/runtime.js';
import { alertRows, DashboardView, selectedService } from './view.js';

export interface DashboardProps {
  store: ViewStore;
  source: DashboardSource;
  url?: string;
  /** q (or Ctrl-C): leave the dashboard; the environment keeps running. */
  onQuit: () => void;
  pollMs?: number;
}

const MAX_LOG_LINES = 200;
/** Polls the source until unmounted or the environment is taken down. */
function usePolling(
  source: DashboardSource,
  stopped: boolean,
  pollMs: number,
  dispatch: (e: DashEvent) => void,
) {
  const [url, setUrl] = useState<string | undefined>();
  const [monitoring, setMonitoring] = useState<MonitoringStatus | undefined>();
  useEffect(() => {
    if (stopped) return;
    const controller = new AbortController();
    void (async () => {
      while (!controller.signal.aborted) {
        try {
          const result = await source.refresh();
          if (controller.signal.aborted) break;
          if (result.url) setUrl(result.url);
          setMonitoring(result.monitoring);
          if (!result.exists)
            dispatch({
              type: 'notice',
              notice: { tone: 'error', text: `${source.env} is not running (nothing deployed)` },
            });
        } catch (error) {
          if (!controller.signal.aborted)
            dispatch({ type: 'notice', notice: { tone: 'error', text: `status: ${firstLine(error)}` } });
        }
        await pause(pollMs, controller.signal);
      }
    })();
    return () => controller.abort();
  }, [source, stopped, pollMs, dispatch]);
  return { url, monitoring };
}

/** The selected service's log lines, followed while the pane is shown. */
function useServiceLogs(source: DashboardSource, service: string | undefined): string[] {
  const [lines, setLines] = useState<string[]>([]);
  useEffect(() => {
    setLines([]);
    if (!service) return;
    const controller = new AbortController();
    // Batches lines, so a burst of log output is one render, not hundreds.
    let pending: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      const add = pending;
      pending = [];
      setLines((old) => [...old, ...add].slice(-MAX_LOG_LINES));
    };
    source
      .followLogs(service, controller.signal, (line) => {
        pending.push(line);
        timer ??= setTimeout(flush, 50);
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setLines((old) => [...old, `(logs stopped: ${firstLine(error)})`]);
      });
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [source, service]);
  return lines;
}

export const Dashboard = ({ store, source, url: givenUrl, onQuit, pollMs = 2000 }: DashboardProps) => {
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const now = useNow();
  const { stdout } = useStdout();
  const [dash, dispatch] = useReducer(dashReducer, initialDash);
  const { url: polledUrl, monitoring } = usePolling(source, dash.down, pollMs, dispatch);
  const selected = selectedService(state, dash);
  const logs = useServiceLogs(source, dash.showLogs && !dash.down ? selected : undefined);

  // Keys read the latest state through a ref; busy and confirm change at once, not on the next render.
  const latest = useRef({ state, dash, busy: undefined as string | undefined, confirming: false });
  latest.current.state = state;
  latest.current.dash = dash;

  const run = (busy: string, work: () => Promise<string>, after?: { down?: boolean }) => {
    const current = latest.current;
    if (current.busy)
      return dispatch({ type: 'notice', notice: { tone: 'info', text: `wait: ${current.busy}` } });
    if (current.dash.down)
      return dispatch({ type: 'notice', notice: { tone: 'info', text: `${source.env} is down; q leaves` } });
    current.busy = busy;
    dispatch({ type: 'started', busy });
    work()
      .then(
        (text) =>
          dispatch({ type: 'finished', notice: { tone: 'ok', text }, ...(after?.down && { down: true }) }),
        (error: unknown) =>
          dispatch({ type: 'finished', notice: { tone: 'error', text: `${busy}: ${firstLine(error)}` } }),
      )
      .finally(() => {
        current.busy = undefined;
      });
  };

  useInput((input, key) => {
    const current = latest.current;
    if (current.confirming) {
      const yes = input === 'y' || input === 'Y';
      current.confirming = false;
      dispatch({ type: 'answer', yes });
      if (yes) run(`taking ${source.env} down (volumes are kept)`, () => source.down(), { down: true });
      return;
    }
    if (input === 'q' || (key.ctrl && input === 'c')) return onQuit();
    const by = key.upArrow || input === 'k' ? -1 : key.downArrow || input === 'j' ? 1 : 0;
    if (by !== 0) return dispatch({ type: 'move', by, count: current.state.resources.length });
    const service = selectedService(current.state, current.dash);
    switch (input) {
      case 'l':
        return dispatch({ type: 'toggleLogs' });
      case 'r':
        if (service) run(`restarting ${service}`, () => source.restart(service));
        return;
      case 's':
        return run(`seeding ${source.env}`, () => source.seed());
      case 'o':
        return run('opening', () => source.open());
      case 'g':
        return run('opening Grafana', () => source.open('grafana'));
      case 'd':
        if (current.busy || current.dash.down) return run('down', () => source.down());
        current.confirming = true;
        return dispatch({ type: 'askDown' });
    }
  });

  // The log pane takes what the terminal has left, so the frame never scrolls.
  const rows = stdout.rows || 35;
  const used =
    1 +
    state.steps.length +
    2 +
    state.resources.length +
    Math.min(3, state.messages.length) +
    alertRows(monitoring) +
    3 +
    2;
  const logLines = Math.max(3, Math.min(30, rows - used - 1));
  const url = polledUrl ?? givenUrl;
  return (
    <DashboardView
      env={source.env}
      {...(url && { url })}
      {...(monitoring && { monitoring })}
      state={state}
      dash={dash}
      logs={logs}
      logLines={logLines}
      now={now}
    />
  );
};
