// Helpers for tests of Ink views: readable frames and view states built from real events.
import { stripVTControlCharacters } from 'node:util';
import { vi } from 'vitest';
import { emptyViewState, reduce, type ViewState } from '../../src/events/state.js';
import type { OmrsEvent, TimedEvent } from '../../src/events/types.js';

/** A frame without colours and cursor movements, as a person reads it. */
export const stripAnsi = (text: string | undefined): string => stripVTControlCharacters(text ?? '');

/**
 * vi.waitFor with room for a loaded machine: the views load real profiles and run real commands,
 * which take longer than vi.waitFor's default second while CI runs the end-to-end lanes beside them.
 */
export const eventually = <T>(check: () => T | Promise<T>, options: { timeout?: number } = {}): Promise<T> =>
  vi.waitFor(check, { timeout: 10_000, ...options });

/** Folds events as the bus would, the i-th stamped at `start + i * stepMs`. */
export function foldEvents(events: OmrsEvent[], start = 1_000_000, stepMs = 0): ViewState {
  return events.reduce(
    (state, event, i) => reduce(state, { ...event, at: start + i * stepMs } as TimedEvent),
    emptyViewState(),
  );
}

export const KEYS = {
  up: '\u001B[A',
  down: '\u001B[B',
  enter: '\r',
  tab: '\t',
  escape: '\u001B',
  ctrlC: '\u0003',
} as const;
