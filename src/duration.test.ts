import { describe, expect, it } from 'vitest';
import { durationText, LOOKBACK, outOfRange, parseDuration, TIMEOUT, TTL } from './duration.js';
import { ExitCode, OmrsError } from './errors.js';

const failure = (f: () => unknown): OmrsError => {
  try {
    f();
  } catch (error) {
    if (error instanceof OmrsError) return error;
    throw error;
  }
  throw new Error('expected an OmrsError');
};

describe('parseDuration', () => {
  it.each([
    ['1500ms', 1500],
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['4h', 14_400_000],
    ['2d', 172_800_000],
    [' 4h ', 14_400_000],
    ['365d', 365 * 86_400_000],
  ])('%s → %i ms', (text, ms) => expect(parseDuration(text, TTL, '--ttl')).toBe(ms));

  it.each(['soon', '4 h', '4H', '-5s', '1.5h', '1e3s', '', 'h', '4hours', '0x10s'])(
    'refuses "%s" as not a duration (exit 2, with the form in the hint)',
    (text) => {
      const e = failure(() => parseDuration(text, TTL, '--ttl'));
      expect(e.exitCode).toBe(ExitCode.usage);
      expect(e.message).toMatch(/^--ttl ".*" is not a duration like 30m, 4h or 2d$/);
      expect(e.hint).toMatch(/whole number and a unit .* between 1s and 365d/);
    },
  );

  it.each(['99999999999d', '366d', '8761h', '0s', '999ms', '9'.repeat(400) + 's'])(
    'refuses the TTL "%s" as out of range, naming the range',
    (text) => {
      const e = failure(() => parseDuration(text, TTL, '--ttl', 'ENV_BAD_TTL'));
      expect(e.code).toBe('ENV_BAD_TTL');
      expect(e.exitCode).toBe(ExitCode.usage);
      expect(e.message).toMatch(/is out of range: a time to live is between 1s and 365d$/);
      expect(e.message.length).toBeLessThan(120);
    },
  );

  it('bounds timeouts to a day (a Node timer cannot wait longer than 24.8 days) and look-backs to ten years', () => {
    expect(parseDuration('24h', TIMEOUT, 'x')).toBe(86_400_000);
    expect(() => parseDuration('25h', TIMEOUT, 'x')).toThrow(/a timeout is between 1s and 1d/);
    expect(parseDuration('3650d', LOOKBACK, '--since')).toBe(3650 * 86_400_000);
    expect(() => parseDuration('3651d', LOOKBACK, '--since')).toThrow(/between 1s and 3650d/);
  });

  it('tells out-of-range values apart from malformed ones (the profile schema reports each once)', () => {
    expect(outOfRange('48h', TIMEOUT)).toBe(true);
    expect(outOfRange('2h', TIMEOUT)).toBe(false);
    expect(outOfRange('soon', TIMEOUT)).toBe(false);
  });

  it('writes bounds in the largest unit that divides them', () => {
    expect(durationText(365 * 86_400_000)).toBe('365d');
    expect(durationText(90_000)).toBe('90s');
    expect(durationText(1500)).toBe('1500ms');
  });
});
