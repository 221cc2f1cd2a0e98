import { describe, expect, it } from 'vitest';
import { Generator, IdAllocator, type ReferenceIds } from '../../../src/seed/generate.js';
import { loadFaker } from '../../../src/seed/faker.js';
import { isValidMod30 } from '../../../src/seed/mod30.js';
import { expectedRows, resolvePlan, seedEpoch, SIZE_PRESETS } from '../../../src/seed/plan.js';
import { Prng, UUID_PATTERN, UuidSequence } from '../../../src/seed/random.js';
import { TABLES, type RowSet } from '../../../src/seed/tables.js';
import { insertStatements, sqlLiteral } from '../../../src/seed/writer.js';

const ref: ReferenceIds = {
  phoneAttributeType: 9,
  openmrsIdType: 3,
  locations: [1, 2],
  visitTypes: [1, 2, 3],
  encounterTypes: [1, 2],
  encounterRole: 2,
  providers: [1, 2, 3],
  concepts: {
    weight: 10,
    height: 11,
    temperature: 12,
    systolic: 13,
    diastolic: 14,
    pulse: 15,
    coded: 16,
    text: 17,
  },
  codedAnswers: [18, 19, 20],
};

async function generate(seed: number, chunk = 0, counts = { patients: 50 }) {
  const plan = resolvePlan({ size: 'small', seed, counts, chunkPatients: 25 });
  const generator = new Generator({ plan, faker: await loadFaker('en'), ref, identifierBase: 100_000 });
  const ids = new IdAllocator(Object.fromEntries(Object.keys(TABLES).map((t) => [t, 1000])));
  return generator.chunk(chunk, ids);
}

const dump = (rows: RowSet) => JSON.stringify([...rows.rows.entries()]);

describe('seed generators', () => {
  it('give byte-identical rows for the same seed, in a fresh faker each time', async () => {
    expect(dump(await generate(42))).toBe(dump(await generate(42)));
    expect(dump(await generate(42, 1))).toBe(dump(await generate(42, 1)));
  });

  it('give different rows for a different seed or chunk', async () => {
    expect(dump(await generate(42))).not.toBe(dump(await generate(43)));
    expect(dump(await generate(42, 0))).not.toBe(dump(await generate(42, 1)));
  });

  it('make the rows the plan asks for, with valid OpenMRS IDs and matching columns', async () => {
    const rows = await generate(7);
    const per = expectedRows(resolvePlan({ size: 'small', seed: 7, counts: { patients: 25 } }));
    for (const [table, n] of Object.entries(per))
      expect({ table, n: rows.rows.get(table as keyof typeof TABLES)?.length }).toEqual({ table, n });
    for (const [table, list] of rows.rows)
      for (const row of list) expect(row).toHaveLength(TABLES[table].columns.length);
    const idCol = TABLES.patient_identifier.columns.indexOf('identifier');
    const identifiers = rows.rows.get('patient_identifier')!.map((r) => String(r[idCol]));
    expect(identifiers[0]).toBe('100000Y');
    expect(identifiers.every(isValidMod30)).toBe(true);
  });

  it('keeps vitals in realistic ranges and dates before the seed epoch', async () => {
    const rows = await generate(5);
    const cols = TABLES.obs.columns;
    const epoch = seedEpoch(5);
    for (const r of rows.rows.get('obs')!) {
      const concept = r[cols.indexOf('concept_id')] as number;
      const value = r[cols.indexOf('value_numeric')] as number | null;
      const ranges: Record<number, [number, number]> = {
        10: [2, 200],
        11: [40, 210],
        12: [35, 41],
        13: [70, 220],
        14: [40, 130],
        15: [40, 180],
      };
      if (ranges[concept]) expect(value).toBeGreaterThanOrEqual(ranges[concept][0]);
      if (ranges[concept]) expect(value).toBeLessThanOrEqual(ranges[concept][1]);
      if (concept === 16) expect(ref.codedAnswers).toContain(r[cols.indexOf('value_coded')]);
      expect(Date.parse(String(r[cols.indexOf('obs_datetime')]) + 'Z')).toBeLessThan(epoch);
    }
  });

  it('derives valid, distinct UUIDs from (seed, table, index)', () => {
    const seq = new UuidSequence(42, 'obs');
    const seen = new Set<string>();
    const bad: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const u = seq.at(i);
      if (u.length !== 36 || !UUID_PATTERN.test(u)) bad.push(u);
      seen.add(u);
    }
    expect(bad).toEqual([]);
    expect(seen.size).toBe(20_000);
    expect(new UuidSequence(42, 'obs').at(5)).toBe(seq.at(5));
    expect(new UuidSequence(43, 'obs').at(5)).not.toBe(seq.at(5));
    expect(new UuidSequence(42, 'visit').at(5)).not.toBe(seq.at(5));
    expect(seq.at(2 ** 40)).toMatch(UUID_PATTERN);
  });

  it('has a seeded PRNG that repeats per seed', () => {
    const a = new Prng(1, 'x');
    const b = new Prng(1, 'x');
    const c = new Prng(2, 'x');
    const sa = Array.from({ length: 10 }, () => a.next());
    expect(sa).toEqual(Array.from({ length: 10 }, () => b.next()));
    expect(sa).not.toEqual(Array.from({ length: 10 }, () => c.next()));
    expect(sa.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('seed plans', () => {
  it('size presets: large is 100,000 patients and 1,000,000 obs', () => {
    const large = resolvePlan({ size: 'large' });
    expect(large.counts.patients).toBe(100_000);
    expect(expectedRows(large).obs).toBe(1_000_000);
    expect(SIZE_PRESETS.small.patients).toBe(100);
    expect(SIZE_PRESETS.medium.patients).toBe(2_000);
  });

  it('counts override the preset and change the run key; the same request gives the same key', () => {
    const a = resolvePlan({ size: 'small', seed: 1 });
    expect(resolvePlan({ size: 'small', seed: 1 }).key).toBe(a.key);
    expect(resolvePlan({ size: 'small', seed: 2 }).key).not.toBe(a.key);
    const b = resolvePlan({ size: 'small', seed: 1, counts: { patients: 7 } });
    expect(b.counts.patients).toBe(7);
    expect(b.key).not.toBe(a.key);
  });

  it('refuses bad sizes, counts and seeds with usage errors', () => {
    expect(() => resolvePlan({ size: 'huge' as never })).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => resolvePlan({ counts: { patients: -1 } })).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => resolvePlan({ seed: 1.5 })).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});

describe('SQL writer', () => {
  it('escapes literals', () => {
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlLiteral(1.5)).toBe('1.5');
    expect(sqlLiteral("O'Brien\\")).toBe("'O\\'Brien\\\\'");
    expect(sqlLiteral('a\nb\0')).toBe("'a\\nb\\0'");
  });

  it('splits multi-row INSERTs below the size limit', () => {
    const rows = Array.from({ length: 100 }, (_, i) => [i, 1, '2024-01-01', 'x'.repeat(50)]);
    const statements = insertStatements('patient', rows, 1000);
    expect(statements.length).toBeGreaterThan(5);
    for (const s of statements) expect(s.length).toBeLessThanOrEqual(1000);
    expect(statements.join('').match(/\(\d+,1,/g)).toHaveLength(100);
  });
});
