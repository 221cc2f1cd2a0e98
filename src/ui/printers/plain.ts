// Plain lines for logs and CI: one line per state change, no cursor movement.
import type { EventBus } from '../../events/bus.js';
import type { TimedEvent } from '../../events/types.js';
import type { OutStream } from '../io.js';
import type { Colors, Verbosity } from '../output-types.js';
import { formatDuration } from '../format.js';

const PROGRESS_INTERVAL_MS = 2000;

export function printPlainEvents(
  bus: EventBus,
  stream: OutStream,
  verbosity: Verbosity,
  c: Colors,
): () => void {
  const lastProgress = new Map<string, number>();
  const lastResourceState = new Map<string, string>();
  const stepTitles = new Map<string, string>();
  const write = (line: string) => stream.write(line + '\n');

  return bus.subscribe((event: TimedEvent) => {
    switch (event.type) {
      case 'step':
        stepTitles.set(event.id, event.title);
        if (verbosity === 'quiet' && event.status !== 'failed') return;
        if (event.status === 'started') write(`${c.cyan('•')} ${event.title}…`);
        else if (event.status === 'done')
          write(
            `${c.green('✔')} ${event.title}${event.durationMs !== undefined ? c.dim(` (${formatDuration(event.durationMs)})`) : ''}${event.detail ? c.dim(` — ${event.detail}`) : ''}`,
          );
        else if (event.status === 'skipped')
          write(`${c.dim('-')} ${event.title}${event.detail ? c.dim(` — ${event.detail}`) : ''}`);
        else write(`${c.red('✖')} ${event.title}${event.detail ? `: ${event.detail}` : ''}`);
        return;
      case 'progress': {
        if (verbosity === 'quiet') return;
        const last = lastProgress.get(event.step) ?? 0;
        const finished = event.total !== undefined && event.current >= event.total;
        if (!finished && event.at - last < PROGRESS_INTERVAL_MS) return;
        lastProgress.set(event.step, event.at);
        const amount = event.total !== undefined ? `${event.current}/${event.total}` : `${event.current}`;
        write(
          `  ${c.dim(stepTitles.get(event.step) ?? event.step)} ${amount}${event.unit ? ' ' + event.unit : ''}${event.message ? c.dim(' ' + event.message) : ''}`,
        );
        return;
      }
      case 'resource': {
        if (verbosity === 'quiet') return;
        // One line per change of state; every probe result only when verbose.
        const state = `${event.runtime}/${event.health ?? ''}`;
        const quietRepeat = lastResourceState.get(event.name) === state && verbosity === 'normal';
        lastResourceState.set(event.name, state);
        if (quietRepeat) return;
        write(
          `  ${c.bold(event.name)} ${stateColor(c, event.runtime)(event.runtime)}${event.health && event.health !== 'unknown' ? c.dim(` (${event.health})`) : ''}${event.detail ? c.dim(` ${event.detail}`) : ''}`,
        );
        return;
      }
      case 'log':
        if (verbosity === 'verbose' || verbosity === 'debug')
          write(`${c.dim(event.source + ' |')} ${event.line}`);
        return;
      case 'warning':
        write(`${c.yellow('!')} ${event.message}${event.hint ? '\n  ' + c.dim(event.hint) : ''}`);
        return;
      case 'info':
        if (verbosity !== 'quiet') write(event.message);
        return;
      case 'debug':
        if (verbosity === 'debug') write(c.dim(`debug: ${event.message}`));
        return;
    }
  });
}

function stateColor(c: Colors, state: string): (s: string) => string {
  if (state === 'ok') return c.green;
  if (state === 'error') return c.red;
  if (state === 'stopped') return c.dim;
  return c.yellow;
}
