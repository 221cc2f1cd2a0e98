import { describe, expect, it } from 'vitest';
import { checkSchedule, GC_DEFAULT_SCHEDULE } from '../../../src/envs/gc-cronjob.js';
import { ExitCode, OmrsError } from '../../../src/errors.js';

describe('gc CronJob schedules', () => {
  it.each([GC_DEFAULT_SCHEDULE, '0 3 * * *', '5,35 */2 1-15 jan-jun mon-fri', '@hourly', ' 0 0 * * 0 '])(
    'accepts %s',
    (s) => expect(checkSchedule(s)).toBe(s.trim()),
  );
  it.each([
    ['every 15 minutes', /has 3 fields, not 5/],
    ['*/15 * * *', /has 4 fields/],
    ['60 * * * *', /minute "60" is not between 0 and 59/],
    ['*/0 * * * *', /"\*\/0" is not a minute item/],
    ['0 24 * * *', /hour "24"/],
    ['0 0 0 * *', /day of month "0"/],
    ['@every-15m', /has 1 field, not 5/],
  ])('refuses %s before any request (exit 2)', (s, why) => {
    let error: unknown;
    try {
      checkSchedule(s);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OmrsError);
    expect((error as OmrsError).exitCode).toBe(ExitCode.usage);
    expect((error as OmrsError).message).toMatch(why);
    expect((error as OmrsError).hint).toMatch(/five fields/);
  });
});
