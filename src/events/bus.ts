import { maskCredentials, printable } from '../mask.js';
import type { EventSink, OmrsEvent, TimedEvent } from './types.js';

type Listener = (event: TimedEvent) => void;

/** Fans events out to every subscribed consumer, stamping each with the time it happened. */
export class EventBus implements EventSink {
  readonly #listeners = new Set<Listener>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  emit(event: OmrsEvent): void {
    const timed = { ...event, at: this.#now() } as TimedEvent;
    for (const listener of this.#listeners) listener(timed);
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** Runs `work` as a named step: started, then done with its duration or failed with the reason. */
export async function step<T>(
  events: EventSink,
  id: string,
  title: string,
  work: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  events.emit({ type: 'step', id, title, status: 'started' });
  try {
    const result = await work();
    events.emit({
      type: 'step',
      id,
      title,
      status: 'done',
      durationMs: Math.round(performance.now() - started),
    });
    return result;
  } catch (error) {
    // The first line only: the error itself, reported in full when it reaches the user, follows.
    // Masked like every error message: a library's message may quote a URL with a password in it.
    const detail = printable(
      maskCredentials(
        (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/:$/, ''),
      ),
    );
    events.emit({
      type: 'step',
      id,
      title,
      status: 'failed',
      detail,
      durationMs: Math.round(performance.now() - started),
    });
    throw error;
  }
}

export const discardEvents: EventSink = { emit: () => undefined };
