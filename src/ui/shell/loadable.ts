import { useEffect, useState } from 'react';
import { errorNote } from './error-note.js';

export type Loadable<T> =
  { state: 'loading' } | { state: 'ready'; value: T } | { state: 'failed'; error: string; hint?: string };

/**
 * Runs `load` whenever `key` changes; a late answer for an older key is dropped. With `keep`, a
 * value already loaded stays on screen while the next one loads (a list refreshed after an action).
 */
export function useLoadable<T>(
  load: (() => Promise<T>) | undefined,
  key: unknown,
  { keep = false }: { keep?: boolean } = {},
): Loadable<T> | undefined {
  const [result, setResult] = useState<Loadable<T> | undefined>(load ? { state: 'loading' } : undefined);
  useEffect(() => {
    if (!load) {
      setResult(undefined);
      return;
    }
    let current = true;
    setResult((shown) => (keep && shown?.state === 'ready' ? shown : { state: 'loading' }));
    load().then(
      (value) => current && setResult({ state: 'ready', value }),
      (error: unknown) => {
        if (!current) return;
        const { message, hint } = errorNote(error);
        setResult({ state: 'failed', error: message, ...(hint && { hint }) });
      },
    );
    return () => {
      current = false;
    };
    // Reloads on key only: callers pass a new closure on every render.
  }, [key]);
  return result;
}
