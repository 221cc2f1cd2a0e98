// A CronJob schedule as Kubernetes reads it: five fields (minute, hour, day of month, month, day
// of week) or a macro such as @daily. normaliseSchedule checks it and gives the five fields with
// numbers only ("?" as "*", names as numbers), which the compose scheduler matches in sh.
// runsAfter walks its runs in UTC, with the day rule of Kubernetes' cron (when both the day of
// month and the day of week are restricted, a day matching either runs). It was cron-parser's
// iterator: 150 ms of luxon per render for a daily schedule's 400 runs; this is well under 1 ms.
// (`omrs status` still asks cron-parser for the last run in a CronJob's own time zone.)

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
  const fields = out.join(' ');
  if (!everRuns(fields))
    return {
      error: `never runs: no month it names has the day of month "${out[2]}" (e.g. 30 or 31 in February)`,
    };
  return { fields };
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

interface Sets {
  minutes: number[];
  hours: number[];
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Kubernetes' day rule: with both day fields restricted, either one matches. */
  either: boolean;
}

function expand(field: string, min: number, max: number): number[] {
  const out = new Set<number>();
  for (const item of field.split(',')) {
    const [range = '*', step = '1'] = item.split('/');
    const [a, b] = range === '*' ? [min, max] : range.split('-').map(Number);
    const to = b ?? (item.includes('/') ? max : a!);
    for (let v = a!; v <= to; v += Number(step)) out.add(v);
  }
  return [...out].sort((x, y) => x - y);
}

function setsOf(fields: string): Sets {
  const [minute = '', hour = '', day = '', month = '', weekday = ''] = fields.split(' ');
  const unrestricted = (f: string) => f === '*' || f === '*/1';
  return {
    minutes: expand(minute, 0, 59),
    hours: expand(hour, 0, 23),
    days: new Set(expand(day, 1, 31)),
    months: new Set(expand(month, 1, 12)),
    weekdays: new Set(expand(weekday, 0, 7).map((d) => d % 7)),
    either: !unrestricted(day) && !unrestricted(weekday),
  };
}

const DAY_MS = 86_400_000;

/**
 * The schedule's runs after `from` (UTC, in ms), in order, looking at most `horizonDays` days
 * ahead. `fields` is normaliseSchedule's output.
 */
export function* runsAfter(fields: string, from: Date, horizonDays = 3000): Generator<number> {
  const s = setsOf(fields);
  const first = Math.floor(from.getTime() / DAY_MS) * DAY_MS;
  for (let day = first; day < first + horizonDays * DAY_MS; day += DAY_MS) {
    const date = new Date(day);
    if (!s.months.has(date.getUTCMonth() + 1)) continue;
    const byDay = s.days.has(date.getUTCDate());
    const byWeekday = s.weekdays.has(date.getUTCDay());
    if (s.either ? !(byDay || byWeekday) : !(byDay && byWeekday)) continue;
    for (const h of s.hours)
      for (const m of s.minutes) {
        const t = day + h * 3_600_000 + m * 60_000;
        if (t > from.getTime()) yield t;
      }
  }
}

/** Whether the schedule ever runs (a day that exists in a month it names); within eight years. */
export const everRuns = (fields: string): boolean =>
  !runsAfter(fields, new Date(Date.UTC(2026, 0, 1))).next().done;

/**
 * The longest time between two runs the schedule asks for (UTC), in seconds: over its next 1000
 * runs or 400 days, whichever ends first (every gap of a yearly or monthly schedule is in there).
 */
export function longestGapSeconds(fields: string, from = new Date(Date.UTC(2026, 0, 1))): number {
  const runs = runsAfter(fields, from);
  const end = from.getTime() + 400 * DAY_MS;
  let previous = runs.next().value;
  if (previous === undefined) return 0;
  let longest = 0;
  for (let i = 0; i < 1000 && previous < end; i++) {
    const next = runs.next().value;
    if (next === undefined) break;
    longest = Math.max(longest, next - previous);
    previous = next;
  }
  return Math.round(longest / 1000);
}
