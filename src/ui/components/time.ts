import { useEffect, useState } from 'react';

/** The current time, refreshed every `intervalMs`, for elapsed times and ages. */
export function useNow(intervalMs = 1000, clock: () => number = Date.now): number {
  const [now, setNow] = useState(clock);
  useEffect(() => {
    const timer = setInterval(() => setNow(clock()), intervalMs);
    // Effects run some time after the first render (later still on a busy machine): read the clock
    // again now, or the time shown lags behind until the first tick.
    setNow(clock());
    return () => clearInterval(timer);
  }, [intervalMs, clock]);
  return now;
}

/** A short age like kubectl shows: 12s, 5m, 3h, 2d. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}
