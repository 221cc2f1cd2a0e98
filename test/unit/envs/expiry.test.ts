import { describe, expect, it } from 'vitest';
import { expiredOf, expiryFields, extendedExpiry, isoOf, readExpiry } from '../../../src/envs/expiry.js';
import { ExitCode, OmrsError } from '../../../src/errors.js';

const NOW = 1_800_000_000;
const SOURCE = 'label omrs.dev/expires';
const DAY = 86_400;

describe('reading an expiry back', () => {
  it('accepts unix seconds up to the longest TTL ahead (with a day for clock skew)', () => {
    expect(readExpiry(String(NOW + 3600), NOW, SOURCE)).toEqual({ unix: NOW + 3600 });
    expect(readExpiry(NOW - 10, NOW, SOURCE)).toEqual({ unix: NOW - 10 });
    expect(readExpiry(String(NOW + 366 * DAY), NOW, SOURCE)).toEqual({ unix: NOW + 366 * DAY });
  });
  it.each([
    [undefined, /label omrs.dev\/expires is missing/],
    ['', /is missing/],
    ['tomorrow', /"tomorrow" is not a time/],
    ['-5', /is not a time/],
    ['0', /is not a time/],
    ['1.5', /is not a time/],
    ['8640000000000001', /is more than 365d/],
    [String(NOW + 367 * DAY), /is more than 365d \(the longest time to live\) away/],
    ['99999999999999', /is more than 365d/],
  ])('reports %s as a problem, not a date', (raw, problem) => {
    const expiry = readExpiry(raw, NOW, SOURCE);
    expect(expiry.unix).toBeUndefined();
    expect(expiry.problem).toMatch(problem);
    expect(expiryFields(expiry, NOW)).toEqual({
      expires: null,
      expiresInSeconds: null,
      problem: expiry.problem,
    });
  });
  it('never builds a date that cannot exist', () => {
    expect(isoOf(8_640_000_000_000_001)).toBeUndefined();
    expect(isoOf(NOW)).toBe('2027-01-15T08:00:00Z');
  });
});

describe('extending', () => {
  it('adds to a valid expiry still ahead, else to now; a broken one is replaced', () => {
    expect(extendedExpiry({ unix: NOW + 100 }, NOW, 3600, 'e')).toBe(NOW + 3700);
    expect(extendedExpiry({ unix: NOW - 100 }, NOW, 3600, 'e')).toBe(NOW + 3600);
    expect(extendedExpiry({ problem: 'x' }, NOW, 3600, 'e')).toBe(NOW + 3600);
  });
  it('refuses an expiry beyond the longest TTL from now (exit 2)', () => {
    let error: unknown;
    try {
      extendedExpiry({ unix: NOW + 300 * DAY }, NOW, 100 * DAY, 'qa-x');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OmrsError);
    expect((error as OmrsError).exitCode).toBe(ExitCode.usage);
    expect((error as OmrsError).message).toMatch(
      /extending qa-x by 100d would make it expire in more than 365d/,
    );
  });
});

describe('what gc removes', () => {
  const env = (name: string, over: object) => ({
    name,
    runtime: 'compose',
    state: 'ready',
    expires: '2027-01-01T00:00:00Z',
    expiresInSeconds: 10,
    ...over,
  });
  it('removes the expired, skips and reports the ones with a broken expiry, leaves those being deleted', () => {
    const { expired, skipped } = expiredOf([
      env('live', {}),
      env('old', { expiresInSeconds: -5, state: 'expired' }),
      env('broken', { expires: null, expiresInSeconds: null, problem: 'label is missing' }),
      env('going', { expiresInSeconds: -5, state: 'deleting' }),
    ]);
    expect(expired.map((e) => e.name)).toEqual(['old']);
    expect(skipped).toEqual([{ name: 'broken', runtime: 'compose', problem: 'label is missing' }]);
  });
});
