// The schedule's runs and longest gap, against cron-parser's iterator (the oracle; it was the
// implementation until it cost a render 150 ms) on generated schedules, and the schedules that
// never run.
import { CronExpressionParser } from 'cron-parser';
import { describe, expect, it } from 'vitest';
import { longestGapSeconds, normaliseSchedule, runsAfter } from '../../../src/profile/cron.js';

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length]!;

/** Schedules built from each field's forms: *, a value, a range, a list, steps, both day fields. */
function schedules(): string[] {
  const minutes = ['0', '*/15', '5,35', '0-10/5', '*', '59', '*/1'];
  const hours = ['2', '*', '*/6', '1-5', '0,12', '23', '3-21/6'];
  const days = ['*', '1', '15', '1-7', '*/2', '31', '29', '10-20/3', '30'];
  const months = ['*', '1', '2', '2,3', '*/3', '4-9', '12', '1,2,12'];
  const weekdays = ['*', '0', '1', '1-5', '6,0', '*/2', '7', '5'];
  const out = new Set(['0 0 1 1 *', '0 0 29 2 *', '0 2 * * *', '@weekly', '0 0 31 * *', '*/5 * * * *']);
  // A fixed linear congruential sequence: the same schedules on every run.
  let x = 12345;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  while (out.size < 200)
    out.add([minutes, hours, days, months, weekdays].map((forms) => pick(forms, next() >> 8)).join(' '));
  return [...out]
    .map((s) => (normaliseSchedule(s) as { fields?: string }).fields)
    .filter((f) => f !== undefined);
}

function oracleGap(fields: string, from: Date): number {
  const runs = CronExpressionParser.parse(fields, { currentDate: from, tz: 'UTC' });
  const end = from.getTime() + 400 * 86_400_000;
  let previous = runs.next().getTime();
  let longest = 0;
  for (let i = 0; i < 1000 && previous < end; i++) {
    const next = runs.next().getTime();
    longest = Math.max(longest, next - previous);
    previous = next;
  }
  return Math.round(longest / 1000);
}

describe('cron schedules', () => {
  const all = schedules();

  it('runs when cron-parser says, from several starts (month ends, a leap day, mid-minute)', () => {
    expect(all.length).toBeGreaterThan(150);
    const starts = [Date.UTC(2026, 0, 1), Date.UTC(2028, 1, 28, 23, 59, 30), Date.UTC(2027, 11, 31, 12, 7)];
    for (const fields of all)
      for (const start of starts) {
        const ours = runsAfter(fields, new Date(start));
        const theirs = CronExpressionParser.parse(fields, { currentDate: new Date(start), tz: 'UTC' });
        for (let i = 0; i < 25; i++) {
          const at = theirs.next().getTime();
          const run = ours.next();
          // runsAfter looks 3000 days ahead (a February 29 schedule ends there).
          if (run.done) {
            expect(at).toBeGreaterThan(start + 3000 * 86_400_000);
            break;
          }
          expect({ fields, start, i, at: new Date(run.value).toISOString() }).toEqual({
            fields,
            start,
            i,
            at: new Date(at).toISOString(),
          });
        }
      }
  });

  it('finds the longest gap cron-parser finds', () => {
    for (const fields of all.filter((_, i) => i % 5 === 0))
      expect({ fields, gap: longestGapSeconds(fields) }).toEqual({
        fields,
        gap: oracleGap(fields, new Date(Date.UTC(2026, 0, 1))),
      });
    expect(longestGapSeconds('0 2 * * *')).toBe(86_400);
    expect(longestGapSeconds('0 0 1 1 *')).toBe(365 * 86_400);
  });

  it('refuses a schedule that never runs, with what is wrong', () => {
    for (const never of ['0 0 30 2 *', '0 0 31 4,6,9,11 *', '0 0 30,31 feb *'])
      expect(normaliseSchedule(never)).toEqual({
        error: expect.stringMatching(/^never runs: no month it names has the day of month/),
      });
    // The day of week still runs it (either day field matches), and February 29 comes in 2028.
    expect(normaliseSchedule('0 0 30 2 1')).toEqual({ fields: '0 0 30 2 1' });
    expect(normaliseSchedule('0 0 29 2 *')).toEqual({ fields: '0 0 29 2 *' });
  });
});
