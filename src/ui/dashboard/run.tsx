// Mounts the dashboard full-screen after `omrs up` in a terminal, and resolves with the exit code
// when the user quits (q leaves the environment running). Loaded only in Ink mode.
import { useApp } from 'ink';
import type { EventBus } from '../../events/bus.js';
import { runFullScreen } from '../full-screen.js';
import type { Io } from '../io.js';
import { createViewStore, type ViewStore } from '../progress-view.js';
import { Dashboard } from './dashboard.js';
import type { DashboardSource } from '../../runtime/runtime.js';

export interface OpenAfterUp {
  io: Io;
  /** The runtime's source, reporting to the bus the recording folds. */
  source: DashboardSource;
  /** The URL `up` answered, until the source knows one. */
  url?: string;
}

export interface DashboardRecording {
  /** Opens the dashboard with everything recorded so far (the steps of `up`). */
  open(options: OpenAfterUp): Promise<number>;
}

/** Starts recording the bus at once, so the dashboard shows the steps of the `up` before it. */
export function recordDashboard(bus: EventBus): DashboardRecording {
  const store = createViewStore(bus);
  return {
    async open({ io, source, url }) {
      try {
        return await runDashboard(io, { store, source, ...(url && { url }) });
      } finally {
        source.close?.();
        store.close();
      }
    },
  };
}

const App = (props: { store: ViewStore; source: DashboardSource; url?: string }) => {
  const { exit } = useApp();
  return <Dashboard {...props} onQuit={() => exit()} />;
};

export const runDashboard = (
  io: Io,
  props: { store: ViewStore; source: DashboardSource; url?: string },
): Promise<number> => runFullScreen(io, <App {...props} />);
