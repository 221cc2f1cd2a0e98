// The clock use cases take as a dependency, so tests can stand at any time.
export type Clock = () => number;

/** Whole seconds since the epoch by `clock` (the system clock when none is given). */
export const nowSeconds = (clock: Clock = Date.now): number => Math.floor(clock() / 1000);
