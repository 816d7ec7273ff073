/**
 * Weekly opening hours and holidays in one IANA time zone, judged on the zone's wall clock (so DST
 * moves nothing an operator wrote). Written as `mon-fri 09:00-17:00; sat 10:00-14:00`: entries split
 * by `;`, each days (a day, a range such as `fri-mon`, or a comma list) then one or more `HH:MM-HH:MM`
 * ranges split by `,`. A range whose end is not after its start runs past midnight into the next day
 * (`22:00-06:00`), `24:00` is the end of the day. Opening hours belong to the day they start on: a
 * holiday cancels the ranges that start on it, and a night shift begun the evening before still ends.
 */

/** Whether new chats are taken now, and when they are next; `nextOpen` undefined when unknown. */
export interface ScheduleStatus {
  readonly open: boolean;
  readonly nextOpen?: number;
}

export interface Schedule {
  status(now: number): Promise<ScheduleStatus>;
}

/** One opening range, in minutes after the local midnight of the day it starts on; `end` may pass 1440. */
export interface OpeningRange {
  readonly start: number;
  readonly end: number;
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const DAY_MS = 86_400_000;
/** How far ahead the next opening is looked for: holidays may close a whole year's listed days. */
const LOOKAHEAD_DAYS = 400;

/** Opening ranges per weekday (0 = Sunday), or a message saying what is wrong with `text`. */
export function parseWeeklyHours(text: string): OpeningRange[][] | string {
  const week: OpeningRange[][] = DAYS.map(() => []);
  const entries = text.split(';').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0) return 'weekly hours such as "mon-fri 09:00-17:00; sat 10:00-14:00"';
  for (const entry of entries) {
    const parsed = /^(\S+)\s+(.+)$/.exec(entry);
    if (!parsed) return `"${entry}": days then hours, such as "mon-fri 09:00-17:00"`;
    const days = parseDays(parsed[1] as string);
    if (typeof days === 'string') return `"${entry}": ${days}`;
    for (const rangeText of (parsed[2] as string).split(',')) {
      const range = parseRange(rangeText.trim());
      if (typeof range === 'string') return `"${entry}": ${range}`;
      for (const day of days) week[day]?.push(range);
    }
  }
  for (const ranges of week) ranges.sort((a, b) => a.start - b.start);
  return week;
}

function parseDays(text: string): number[] | string {
  const days: number[] = [];
  for (const part of text.toLowerCase().split(',')) {
    const ends = part.split('-').map((name) => DAYS.indexOf(name as (typeof DAYS)[number]));
    const from = ends[0] ?? -1;
    const to = ends[1] ?? from;
    if (ends.length > 2 || from < 0 || to < 0) return `"${part}" is not a day or days such as mon, sat-sun or mon-fri`;
    for (let day = from; ; day = (day + 1) % 7) {
      days.push(day);
      if (day === to) break;
    }
  }
  return days;
}

function parseRange(text: string): OpeningRange | string {
  const parsed = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(text);
  const [startH, startM, endH, endM] = (parsed?.slice(1) ?? []).map(Number) as number[];
  if (!parsed || startH === undefined || startM === undefined || endH === undefined || endM === undefined) return `"${text}" is not a time range such as 09:00-17:00`;
  const start = startH * 60 + startM;
  const end = endH * 60 + endM;
  if (startH > 23 || startM > 59 || endM > 59 || end > 1440) return `"${text}" has a time that is not on a 24-hour clock (00:00 to 24:00)`;
  return { start, end: end > start ? end : end + 1440 };
}

/** The holiday dates as given, or a message naming the first that is not a real `YYYY-MM-DD` date. */
export function parseHolidays(text: string): Set<string> | string {
  const dates = text.split(',').map((date) => date.trim()).filter((date) => date !== '');
  for (const date of dates) {
    const midnight = /^\d{4}-\d\d-\d\d$/.test(date) ? Date.parse(`${date}T00:00:00Z`) : NaN;
    const valid = !Number.isNaN(midnight) && new Date(midnight).toISOString().startsWith(date);
    if (!valid) return `"${date}" is not a date such as 2026-12-25`;
  }
  return new Set(dates);
}

/** Whether `zone` is a time zone this runtime knows (IANA names such as Europe/Berlin). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A civil date counted in days since 1970-01-01, with its wall-clock minute of the day in the zone. */
interface WallTime {
  readonly day: number;
  readonly minute: number;
}

/** Opening hours and holidays, as the customer's message finds them; a pure function of the time. */
export class WeeklySchedule implements Schedule {
  private readonly wall: Intl.DateTimeFormat;

  constructor(
    private readonly week: readonly (readonly OpeningRange[])[],
    private readonly holidays: ReadonlySet<string>,
    zone: string,
  ) {
    this.wall = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  status(now: number): Promise<ScheduleStatus> {
    return Promise.resolve(this.isOpen(now) ? { open: true } : { open: false, nextOpen: this.nextOpen(now) });
  }

  isOpen(at: number): boolean {
    const { day, minute } = this.wallTime(at);
    return this.rangesOn(day).some((r) => r.start <= minute && minute < r.end) || this.rangesOn(day - 1).some((r) => minute + 1440 < r.end);
  }

  /** The next moment a range starts after `at` (its wall time made an instant in the zone); undefined when none within a year. */
  nextOpen(at: number): number | undefined {
    const today = this.wallTime(at).day;
    for (let day = today; day <= today + LOOKAHEAD_DAYS; day++) {
      for (const range of this.rangesOn(day)) {
        const opens = this.instantOf(day, range.start);
        if (opens > at) return opens;
      }
    }
    return undefined;
  }

  private rangesOn(day: number): readonly OpeningRange[] {
    const date = new Date(day * DAY_MS);
    return this.holidays.has(date.toISOString().slice(0, 10)) ? [] : (this.week[date.getUTCDay()] ?? []);
  }

  private wallTime(at: number): WallTime {
    const local = this.localAsUtc(at);
    return { day: Math.floor(local / DAY_MS), minute: Math.floor((local % DAY_MS) / 60_000) };
  }

  /** The zone's wall clock at `at`, written as if it were UTC (so its difference to `at` is the zone's offset). */
  private localAsUtc(at: number): number {
    const parts = Object.fromEntries(this.wall.formatToParts(at).map((p) => [p.type, Number(p.value)]));
    return Date.UTC(parts.year as number, (parts.month as number) - 1, parts.day, parts.hour, parts.minute, parts.second);
  }

  /**
   * The instant the zone's wall clock shows `minute` on `day`. A wall time skipped by a DST change
   * comes out one offset-change later (02:30 on a spring-forward night opens at 03:30).
   */
  private instantOf(day: number, minute: number): number {
    const wall = day * DAY_MS + minute * 60_000;
    const firstGuess = wall - (this.localAsUtc(wall) - wall);
    return wall - (this.localAsUtc(firstGuess) - firstGuess);
  }
}

/** Open all day every day (holidays alone close it). */
export const ALL_WEEK: readonly (readonly OpeningRange[])[] = DAYS.map(() => [{ start: 0, end: 1440 }]);
