import { describe, expect, it } from 'vitest';
import { isValidMod30, mod30CheckChar, MOD30_ALPHABET, withMod30Check } from '../../../src/seed/mod30.js';

describe('Luhn mod-30 (OpenMRS ID check character)', () => {
  it.each([
    ['100000', '100000Y'],
    ['100001', '100001W'],
    ['100002', '100002U'],
    ['100008', '100008E'],
  ])('%s → %s', (base, expected) => {
    expect(withMod30Check(base)).toBe(expected);
    expect(isValidMod30(expected)).toBe(true);
  });

  it('uses the idgen alphabet (no B, I, O, Q, S, Z)', () => {
    expect(MOD30_ALPHABET).toBe('0123456789ACDEFGHJKLMNPRTUVWXY');
    expect(MOD30_ALPHABET).toHaveLength(30);
  });

  it('rejects a wrong check character and any single-character change', () => {
    expect(isValidMod30('100000W')).toBe(false);
    for (let n = 100_000; n < 100_200; n++) {
      const id = withMod30Check(n);
      const digits = id.slice(0, -1).split('');
      for (let i = 0; i < digits.length; i++) {
        const changed = [...digits];
        changed[i] = String((Number(changed[i]) + 1) % 10);
        expect(isValidMod30(changed.join('') + id.slice(-1))).toBe(false);
      }
    }
  });

  it('handles letters of the alphabet and refuses others', () => {
    expect(isValidMod30(`1000AJ${mod30CheckChar('1000AJ')}`)).toBe(true);
    expect(() => mod30CheckChar('10B0')).toThrow(/invalid character/);
    expect(isValidMod30('1')).toBe(false);
  });
});
