// Folds the event stream into a plain view model; renderers draw the model, never the raw events.
import type { HealthState, RuntimeState, StepStatus, TimedEvent } from './types.js';

export interface StepView {
  id: string;
  title: string;
  status: StepStatus;
  startedAt: number;
  durationMs?: number;
  detail?: string;
  progress?: { current: number; total?: number; unit?: string; message?: string };
}

export interface ResourceView {
  name: string;
  kind: string;
  runtime: RuntimeState;
  health: HealthState;
  detail?: string;
  restarts: number;
  ports: string[];
  since: number;
}

export interface ViewState {
  steps: StepView[];
  resources: ResourceView[];
  logs: { source: string; line: string; at: number }[];
  messages: { level: 'info' | 'warning' | 'debug'; message: string; hint?: string }[];
}

export const emptyViewState = (): ViewState => ({ steps: [], resources: [], logs: [], messages: [] });

const MAX_LOG_LINES = 500;

export function reduce(state: ViewState, event: TimedEvent): ViewState {
  switch (event.type) {
    case 'step': {
      const existing = state.steps.find((s) => s.id === event.id);
      const next: StepView = {
        ...(existing ?? { startedAt: event.at }),
        id: event.id,
        title: event.title,
        status: event.status,
        ...(event.durationMs !== undefined && { durationMs: event.durationMs }),
        ...(event.detail !== undefined && { detail: event.detail }),
      };
      const steps = existing
        ? state.steps.map((s) => (s.id === event.id ? next : s))
        : [...state.steps, next];
      return { ...state, steps };
    }
    case 'progress': {
      const { current, total, unit, message } = event;
      const steps = state.steps.map((s) =>
        s.id === event.step ? { ...s, progress: { current, total, unit, message } } : s,
      );
      return { ...state, steps };
    }
    case 'resource': {
      const existing = state.resources.find((r) => r.name === event.name);
      const changed = !existing || existing.runtime !== event.runtime;
      const next: ResourceView = {
        name: event.name,
        kind: event.kind,
        runtime: event.runtime,
        health: event.health ?? existing?.health ?? 'unknown',
        restarts: event.restarts ?? existing?.restarts ?? 0,
        ports: event.ports ?? existing?.ports ?? [],
        since: changed ? event.at : existing.since,
        ...(event.detail !== undefined && { detail: event.detail }),
      };
      const resources = existing
        ? state.resources.map((r) => (r.name === event.name ? next : r))
        : [...state.resources, next];
      return { ...state, resources };
    }
    case 'log': {
      const logs = [...state.logs, { source: event.source, line: event.line, at: event.at }];
      return { ...state, logs: logs.length > MAX_LOG_LINES ? logs.slice(-MAX_LOG_LINES) : logs };
    }
    case 'info':
    case 'warning':
    case 'debug':
      return {
        ...state,
        messages: [...state.messages, { level: event.type, message: event.message, hint: event.hint }],
      };
  }
}
