// What the compose and the kube dashboard sources share: the one-line results of their actions,
// opening a URL in a browser, and keeping a restarting service out of the status poll.
import { findBinary, run } from '../platform/exec.js';

export const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

export function restartLine(
  service: string,
  result: { ready: boolean; durationMs: number; detail: string },
): string {
  const took = `${(result.durationMs / 1000).toFixed(1)}s`;
  return result.ready
    ? `${service} restarted and healthy again (${took})`
    : `${service} restarted but is not healthy after ${took}: ${result.detail}`;
}

/** Opens the URL with xdg-open or open where there is one; says what happened in one line. */
export async function openInBrowser(url: string, env: Record<string, string | undefined>): Promise<string> {
  const opener = (await findBinary('xdg-open', env)) ?? (await findBinary('open', env));
  if (!opener) return `open ${url}`;
  const result = await run(opener, [url], { env, timeoutMs: 5000 }).catch(() => ({ code: 1 }));
  return result.code === 0 ? `opened ${url}` : `open ${url} (no browser here)`;
}

/** A service being restarted is reported by the restart, not by the poll (which would flicker). */
export function restartTracker() {
  const restarting = new Set<string>();
  return {
    has: (service: string): boolean => restarting.has(service),
    async during<T>(service: string, work: () => Promise<T>): Promise<T> {
      restarting.add(service);
      try {
        return await work();
      } finally {
        restarting.delete(service);
      }
    },
  };
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    if (signal.aborted) done();
    else signal.addEventListener('abort', done, { once: true });
  });
}
