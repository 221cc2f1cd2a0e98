// An environment opened in the shell: its dashboard source on a fresh event bus, with the view
// store that folds the bus, released together.
import type { EventBus } from '../../events/bus.js';
import type { DashboardSource } from '../../runtime/runtime.js';
import type { OpenedEnvironment } from './types.js';

export async function openedEnvironment(
  makeSource: (bus: EventBus) => Promise<DashboardSource>,
  url?: string,
): Promise<OpenedEnvironment> {
  const [{ EventBus }, { createViewStore }] = await Promise.all([
    import('../../events/bus.js'),
    import('../progress-view.js'),
  ]);
  const bus = new EventBus();
  const store = createViewStore(bus);
  const source = await makeSource(bus).catch((error: unknown) => {
    store.close();
    throw error;
  });
  return {
    store,
    source,
    ...(url && { url }),
    close() {
      source.close?.();
      store.close();
    },
  };
}
