// Deterministic randomness: a seeded PRNG for values, and UUIDs derived from (seed, table, index)
// so that the same seed gives the same rows, byte for byte, in any database.
import { createHash } from 'node:crypto';

/** 32-bit hash of a string (FNV-1a followed by a murmur3 finaliser). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** sfc32: small, fast, and good enough for test data; state from four 32-bit words. */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(...parts: (string | number)[]) {
    const key = parts.join(':');
    this.#a = hash32(`a:${key}`);
    this.#b = hash32(`b:${key}`);
    this.#c = hash32(`c:${key}`);
    this.#d = 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A float in [min, max) rounded to `decimals`. */
  float(min: number, max: number, decimals: number): number {
    const f = 10 ** decimals;
    return Math.round((min + this.next() * (max - min)) * f) / f;
  }

  /** Roughly normal (sum of three uniforms), clamped to [min, max], rounded to `decimals`. */
  normal(mean: number, sd: number, min: number, max: number, decimals: number): number {
    const z = (this.next() + this.next() + this.next() - 1.5) * 2; // sd ≈ 1
    const f = 10 ** decimals;
    return Math.round(Math.min(max, Math.max(min, mean + z * sd)) * f) / f;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * UUIDs for one (seed, table): a SHA-1 of the pair gives 128 key bits (like UUIDv5's namespace hash),
 * each index is mixed into them with a murmur finaliser, and the version (5) and variant (10xx) bits
 * are set, so every value is a valid 36-character RFC 4122 UUID and costs no hashing per row.
 */
export class UuidSequence {
  readonly #k: Uint32Array;

  constructor(seed: number, table: string) {
    const digest = createHash('sha1').update(`omrs-seed:${seed}:${table}`).digest();
    this.#k = new Uint32Array([
      digest.readUInt32BE(0),
      digest.readUInt32BE(4),
      digest.readUInt32BE(8),
      digest.readUInt32BE(12),
    ]);
  }

  at(index: number): string {
    const lo = index >>> 0;
    const hi = Math.floor(index / 4294967296) >>> 0;
    const k = this.#k;
    const w0 = fmix32((k[0]! ^ lo) + Math.imul(hi, 0x9e3779b1));
    const w1 = fmix32((k[1]! ^ w0) + lo);
    const w2 = fmix32((k[2]! ^ w1) + Math.imul(lo, 0x85ebca6b));
    const w3 = fmix32((k[3]! ^ w2) + hi + lo);
    const b = (w: number, shift: number) => HEX[(w >>> shift) & 0xff]!;
    return (
      b(w0, 24) +
      b(w0, 16) +
      b(w0, 8) +
      b(w0, 0) +
      '-' +
      b(w1, 24) +
      b(w1, 16) +
      '-' +
      HEX[0x50 | ((w1 >>> 8) & 0x0f)]! +
      b(w1, 0) +
      '-' +
      HEX[0x80 | ((w2 >>> 24) & 0x3f)]! +
      b(w2, 16) +
      '-' +
      b(w2, 8) +
      b(w2, 0) +
      b(w3, 24) +
      b(w3, 16) +
      b(w3, 8) +
      b(w3, 0)
    );
  }
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
