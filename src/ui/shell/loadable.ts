import { useEffect, useState } from 'react';
import { isOmrsError } from '../../errors.js';

export type Loadable<T> =
  { state: 'loading' } | { state: 'ready'; value: T } | { state: 'failed'; error: string; hint?: string };

/** Runs `load` whenever `key` changes; a late answer for an older key is dropped. */
export function useLoadable<T>(load: (() => Promise<T>) | undefined, key: unknown): Loadable<T> | undefined {
  const [result, setResult] = useState<Loadable<T> | undefined>(load ? { state: 'loading' } : undefined);
  useEffect(() => {
    if (!load) {
      setResult(undefined);
      return;
    }
    let current = true;
    setResult({ state: 'loading' });
    load().then(
      (value) => current && setResult({ state: 'ready', value }),
      (error: unknown) =>
        current &&
        setResult({
          state: 'failed',
          error: error instanceof Error ? error.message : String(error),
          ...(isOmrsError(error) && error.hint && { hint: error.hint }),
        }),
    );
    return () => {
      current = false;
    };
    // Reloads on key only: callers pass a new closure on every render.
  }, [key]);
  return result;
}
