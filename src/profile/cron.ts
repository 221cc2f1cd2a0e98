// A CronJob schedule as Kubernetes reads it: five fields (minute, hour, day of month, month, day
// of week) or a macro such as @daily. normaliseSchedule checks it and gives the five fields with
// numbers only ("?" as "*", names as numbers), which the compose scheduler matches in sh.

import { CronExpressionParser } from 'cron-parser';

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, first: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, first: 0 },
] as const;

export type Schedule = { fields: string } | { error: string };

/** The schedule's five fields, numbers only; or what is wrong with it. */
export function normaliseSchedule(schedule: string): Schedule {
  const text = schedule.trim();
  if (/^(CRON_)?TZ=/.test(text))
    return {
      error: 'a time zone in the schedule is not allowed by Kubernetes (CronJob timeZone is separate)',
    };
  const expanded = text.startsWith('@') ? MACROS[text.toLowerCase()] : text;
  if (expanded === undefined)
    return { error: `unknown macro "${text}": use one of ${Object.keys(MACROS).join(', ')}, or five fields` };
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5)
    return {
      error: `must be five fields "minute hour day-of-month month day-of-week" (like "0 2 * * *"), not ${parts.length}`,
    };
  const out: string[] = [];
  for (const [i, part] of parts.entries()) {
    const field = FIELDS[i]!;
    const items: string[] = [];
    for (const item of part.split(',')) {
      const normal = normaliseItem(item, field);
      if (normal === undefined)
        return {
          error: `the ${field.name} field "${part}" is not valid: expected *, a number ${field.min}-${field.max}${'names' in field ? ' or a name' : ''}, a range a-b, a list a,b or a step */n`,
        };
      items.push(normal);
    }
    out.push(items.join(','));
  }
  return { fields: out.join(' ') };
}

function normaliseItem(
  item: string,
  field: { min: number; max: number; names?: readonly string[]; first?: number },
): string | undefined {
  const [range = '', step, ...rest] = item.split('/');
  if (rest.length > 0 || (step !== undefined && !/^[1-9]\d*$/.test(step))) return undefined;
  const value = (v: string): number | undefined => {
    const named = field.names?.indexOf(v.toLowerCase()) ?? -1;
    const n = named >= 0 ? named + (field.first ?? 0) : /^\d+$/.test(v) ? Number(v) : undefined;
    return n !== undefined && n >= field.min && n <= field.max ? n : undefined;
  };
  let body: string;
  if (range === '*' || range === '?') body = '*';
  else {
    const [a = '', b, ...more] = range.split('-');
    const from = value(a);
    const to = b === undefined ? from : value(b);
    if (more.length > 0 || from === undefined || to === undefined || to < from) return undefined;
    body = b === undefined ? String(from) : `${from}-${to}`;
  }
  return step === undefined ? body : `${body}/${step}`;
}

/**
 * The longest time between two runs the schedule asks for (UTC), in seconds: over its next 1000
 * runs or 400 days, whichever ends first (every gap of a yearly or monthly schedule is in there).
 */
export function longestGapSeconds(fields: string, from = new Date(Date.UTC(2026, 0, 1))): number {
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
