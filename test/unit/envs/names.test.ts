import { describe, expect, it } from 'vitest';
import { generateName, humanSeconds, ttlSeconds } from '../../../src/envs/names.js';
import { envNameOf } from '../../../src/render/env-name.js';

describe('environment names', () => {
  it('are <profile>-<adjective>-<4 hex>, DNS-safe, at most 30 characters', () => {
    for (let i = 0; i < 200; i++) {
      const n = generateName('qa');
      expect(n).toMatch(/^qa-[a-z]+-[0-9a-f]{4}$/);
    }
    const long = generateName('a-very-long-profile-name-indeed');
    expect(long.length).toBeLessThanOrEqual(30);
    expect(long).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
    expect(generateName('qa', () => Buffer.from([0, 0xab, 0xcd]))).toBe('qa-amber-abcd');
  });
  it('start with the environment name the profile runs as (envNameOf), as `up` names it', () => {
    const fixed = () => Buffer.from([0, 0xab, 0xcd]);
    expect(generateName('qa_eu', fixed)).toBe('qa-eu-amber-abcd');
    expect(generateName('Staging.v2', fixed)).toBe(`${envNameOf('Staging.v2')}-amber-abcd`);
  });
  it('TTLs', () => {
    expect(ttlSeconds('4h')).toBe(14_400);
    expect(ttlSeconds('5s')).toBe(5);
    expect(() => ttlSeconds('soon')).toThrow(/not a duration/);
    expect(humanSeconds(3700)).toBe('1h 1m');
    expect(humanSeconds(-120)).toBe('expired 2m ago');
  });
});
