// Helpers for tests of Ink views: readable frames and view states built from real events.
import { stripVTControlCharacters } from 'node:util';
import { emptyViewState, reduce, type ViewState } from '../../src/events/state.js';
import type { OmrsEvent, TimedEvent } from '../../src/events/types.js';

/** A frame without colours and cursor movements, as a person reads it. */
export const stripAnsi = (text: string | undefined): string => stripVTControlCharacters(text ?? '');

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
