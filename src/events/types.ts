// The typed progress events that every long action emits. The Ink dashboard, the plain line
// printer and the NDJSON printer are three consumers of the same stream.

export type StepStatus = 'started' | 'done' | 'failed' | 'skipped';

/** Tilt's two axes: is the thing running, and is an update of it in progress. */
export type RuntimeState = 'pending' | 'starting' | 'ok' | 'error' | 'stopped';
export type HealthState = 'unknown' | 'starting' | 'healthy' | 'unhealthy' | 'none';

export interface StepEvent {
  type: 'step';
  id: string;
  title: string;
  status: StepStatus;
  detail?: string;
  durationMs?: number;
}

export interface ProgressEvent {
  type: 'progress';
  step: string;
  current: number;
  total?: number;
  unit?: string;
  message?: string;
}

export interface ResourceEvent {
  type: 'resource';
  name: string;
  kind: string;
  runtime: RuntimeState;
  health?: HealthState;
  detail?: string;
  restarts?: number;
  ports?: string[];
}

export interface LogEvent {
  type: 'log';
  source: string;
  line: string;
  stream?: 'stdout' | 'stderr';
}

export interface MessageEvent {
  type: 'info' | 'warning' | 'debug';
  message: string;
  hint?: string;
}

export type OmrsEvent = StepEvent | ProgressEvent | ResourceEvent | LogEvent | MessageEvent;

/** What a use case receives: somewhere to send events. Use cases never print. */
export interface EventSink {
  emit(event: OmrsEvent): void;
}

export type TimedEvent = OmrsEvent & { at: number };
