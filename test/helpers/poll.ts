// Polling with a deadline, for tests that wait on an engine: never fixed sleeps.

/**
 * Calls `probe` until it returns a value (not undefined), backing off from 50 ms to `maxDelayMs`.
 * A probe that throws counts as "not yet"; past the deadline the error names what was awaited and
 * the last error.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  maxDelayMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 50;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(maxDelayMs, delay * 2);
  }
}
