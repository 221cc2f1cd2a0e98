// The Ink progress view of a long action: one subscriber of the event bus that folds events
// into the view model (events/state.ts) and draws it on stderr, so stdout stays for results.
import { render, Box, Text } from 'ink';
import { useSyncExternalStore } from 'react';
import type { EventBus } from '../events/bus.js';
import { emptyViewState, reduce, type ViewState } from '../events/state.js';
import type { Io } from './io.js';
import type { Verbosity } from './output-types.js';
import { LogTail } from './components/log-tail.js';
import { MessageList } from './components/message-list.js';
import { ResourceTable } from './components/resource-table.js';
import { StepList } from './components/step-list.js';
import { useNow } from './components/time.js';

export interface ViewStore {
  getState(): ViewState;
  subscribe(onChange: () => void): () => void;
  close(): void;
}

/** Subscribes at once, so events emitted before the first frame are not lost. */
export function createViewStore(bus: EventBus): ViewStore {
  let state = emptyViewState();
  const listeners = new Set<() => void>();
  const unsubscribe = bus.subscribe((event) => {
    state = reduce(state, event);
    for (const listener of listeners) listener();
  });
  return {
    getState: () => state,
    subscribe(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    close: unsubscribe,
  };
}

export interface ProgressViewProps {
  store: ViewStore;
  title?: string;
  verbosity?: Verbosity;
  /** For a small terminal: the steps and warnings only (no service table, no info lines). */
  compact?: boolean;
}

export const ProgressView = ({ store, title, verbosity = 'normal', compact = false }: ProgressViewProps) => {
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const now = useNow();
  const showLogs = verbosity === 'verbose' || verbosity === 'debug';
  return (
    <Box flexDirection="column">
      {title && <Text bold>{title}</Text>}
      <StepList steps={state.steps} now={now} />
      {state.resources.length > 0 && !compact && (
        <Box marginTop={1}>
          <ResourceTable resources={state.resources} now={now} />
        </Box>
      )}
      <MessageList messages={state.messages} debug={verbosity === 'debug'} {...(compact && { maxInfo: 0 })} />
      {showLogs && state.logs.length > 0 && (
        <Box marginTop={1}>
          <LogTail logs={state.logs} />
        </Box>
      )}
    </Box>
  );
};

export interface ProgressOptions {
  /** verbose and debug add the last log lines; debug adds debug messages. */
  verbosity?: Verbosity;
}

export function renderProgress(
  bus: EventBus,
  io: Io,
  title?: string,
  options: ProgressOptions = {},
): { unmount(): Promise<void> } {
  const store = createViewStore(bus);
  const instance = render(<ProgressView store={store} title={title} verbosity={options.verbosity} />, {
    stdout: io.stderr as unknown as NodeJS.WriteStream,
    stdin: io.stdin as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return {
    async unmount() {
      store.close();
      // React commits store updates in a microtask: let the last events reach the tree first.
      await new Promise((resolve) => setImmediate(resolve));
      // Ask for the exit promise before unmounting: it settles once the final frame is written.
      const exited = instance.waitUntilExit();
      instance.unmount();
      await exited;
    },
  };
}
