import type { EventBus } from '../../events/bus.js';
import type { OutStream } from '../io.js';
import type { Verbosity } from '../output-types.js';

/** One JSON object per line for every event, for scripts that follow progress. */
export function printJsonEvents(bus: EventBus, stream: OutStream, verbosity: Verbosity): () => void {
  return bus.subscribe((event) => {
    if (event.type === 'debug' && verbosity !== 'debug') return;
    stream.write(JSON.stringify(event) + '\n');
  });
}
