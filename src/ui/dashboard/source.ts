// What the dashboard needs from a runtime. The compose runtime provides one (compose-source.ts);
// every method reports through the events bus the dashboard folds, or returns a one-line result.

export interface DashboardSource {
  env: string;
  /** Emits the current state of every service as resource events; answers whether the env exists. */
  refresh(): Promise<{ exists: boolean; url?: string }>;
  /** Follows one service's log (starting with its last lines) until the signal aborts. */
  followLogs(service: string, signal: AbortSignal, onLine: (line: string) => void): Promise<void>;
  /** Restarts a service and waits until it is healthy again; answers with a one-line result. */
  restart(service: string): Promise<string>;
  seed(): Promise<string>;
  /** Stops the environment, keeping its volumes. */
  down(): Promise<string>;
  /** The URL, opened in a browser where one can be. */
  open(): Promise<string>;
  /** Releases what the source holds (timers, connections). */
  close?(): void;
}
