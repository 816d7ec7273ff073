import { describe, expect, it } from 'vitest';
import { AfterHours } from '../../src/bridge/after-hours.js';
import { ALL_WEEK, parseHolidays, parseWeeklyHours, WeeklySchedule, type OpeningRange } from '../../src/bridge/business-hours.js';

function weekOf(text: string): OpeningRange[][] {
  const week = parseWeeklyHours(text);
  if (typeof week === 'string') throw new Error(week);
  return week;
}

function scheduleOf(hours: string, zone: string, holidays = ''): WeeklySchedule {
  const dates = parseHolidays(holidays);
  if (typeof dates === 'string') throw new Error(dates);
  return new WeeklySchedule(weekOf(hours), dates, zone);
}

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('weekly hours as written', () => {
  it('take day ranges, day lists, wrapping ranges and several time ranges a day', () => {
    const week = weekOf('mon-fri 09:00-12:00,13:00-17:00; sat,sun 10:00-14:00; fri-mon 22:00-02:00');
    expect(week[1]).toEqual([
      { start: 540, end: 720 },
      { start: 780, end: 1020 },
      { start: 1320, end: 1560 },
    ]);
    expect(week[3]).toEqual([
      { start: 540, end: 720 },
      { start: 780, end: 1020 },
    ]);
    expect(week[0]).toEqual([
      { start: 600, end: 840 },
      { start: 1320, end: 1560 },
    ]);
    expect(weekOf('MON 00:00-24:00')[1]).toEqual([{ start: 0, end: 1440 }]);
  });

  it('say what is wrong with a day, a time or the shape', () => {
    expect(parseWeeklyHours('mon-fry 09:00-17:00')).toBe('"mon-fry 09:00-17:00": "mon-fry" is not a day or days such as mon, sat-sun or mon-fri');
    expect(parseWeeklyHours('mon 9:00-17:00')).toBe('"mon 9:00-17:00": "9:00-17:00" is not a time range such as 09:00-17:00');
    expect(parseWeeklyHours('mon 09:00-24:30')).toBe('"mon 09:00-24:30": "09:00-24:30" has a time that is not on a 24-hour clock (00:00 to 24:00)');
    expect(parseWeeklyHours('mon')).toBe('"mon": days then hours, such as "mon-fri 09:00-17:00"');
    expect(parseWeeklyHours(' ; ')).toBe('weekly hours such as "mon-fri 09:00-17:00; sat 10:00-14:00"');
  });

  it('holidays must be real dates', () => {
    expect(parseHolidays('2026-12-25, 2026-12-26')).toEqual(new Set(['2026-12-25', '2026-12-26']));
    expect(parseHolidays('2026-02-30')).toBe('"2026-02-30" is not a date such as 2026-12-25');
    expect(parseHolidays('2026-13-01')).toBe('"2026-13-01" is not a date such as 2026-12-25');
    expect(parseHolidays('25.12.2026')).toBe('"25.12.2026" is not a date such as 2026-12-25');
  });
});

describe('a weekly schedule in a time zone', () => {
  const berlin = scheduleOf('mon-fri 09:00-17:00; sat 10:00-14:00', 'Europe/Berlin');

  it('is open on the zone’s wall clock, not UTC’s', () => {
    // Monday 2026-12-07: Berlin is UTC+1.
    expect(berlin.isOpen(at('2026-12-07T07:59:00Z'))).toBe(false);
    expect(berlin.isOpen(at('2026-12-07T08:00:00Z'))).toBe(true);
    expect(berlin.isOpen(at('2026-12-07T15:59:59Z'))).toBe(true);
    expect(berlin.isOpen(at('2026-12-07T16:00:00Z'))).toBe(false);
    expect(berlin.isOpen(at('2026-12-13T10:00:00Z'))).toBe(false); // Sunday
  });

  it('finds the next opening: later today, tomorrow, or after the weekend', () => {
    expect(iso(berlin.nextOpen(at('2026-12-07T06:00:00Z')))).toBe('2026-12-07T08:00:00.000Z');
    expect(iso(berlin.nextOpen(at('2026-12-07T17:00:00Z')))).toBe('2026-12-08T08:00:00.000Z');
    expect(iso(berlin.nextOpen(at('2026-12-11T17:00:00Z')))).toBe('2026-12-12T09:00:00.000Z'); // Friday evening → Saturday 10:00
    expect(iso(berlin.nextOpen(at('2026-12-12T14:00:00Z')))).toBe('2026-12-14T08:00:00.000Z'); // Saturday afternoon → Monday 09:00
  });

  it('keeps the wall-clock hours across both daylight-saving changes', () => {
    // Berlin springs forward on Sunday 2026-03-29 and falls back on Sunday 2026-10-25.
    expect(berlin.isOpen(at('2026-03-27T08:00:00Z'))).toBe(true); // Friday 09:00 CET
    expect(berlin.isOpen(at('2026-03-30T07:00:00Z'))).toBe(true); // Monday 09:00 CEST
    expect(berlin.isOpen(at('2026-03-30T06:59:00Z'))).toBe(false);
    expect(iso(berlin.nextOpen(at('2026-03-28T13:00:00Z')))).toBe('2026-03-30T07:00:00.000Z');
    expect(iso(berlin.nextOpen(at('2026-10-24T13:00:00Z')))).toBe('2026-10-26T08:00:00.000Z');
    expect(berlin.isOpen(at('2026-10-26T07:30:00Z'))).toBe(false); // Monday 08:30 CET
  });

  it('opens an hour late when its opening time is skipped by the spring change', () => {
    const night = scheduleOf('sun 02:30-05:00', 'Europe/Berlin');
    expect(iso(night.nextOpen(at('2026-03-28T12:00:00Z')))).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
  });

  it('runs a range past midnight into the next day', () => {
    const nights = scheduleOf('fri 22:00-06:00', 'America/New_York');
    // Friday 2026-12-11 22:00 EST is 2026-12-12T03:00Z.
    expect(nights.isOpen(at('2026-12-12T02:59:00Z'))).toBe(false);
    expect(nights.isOpen(at('2026-12-12T03:00:00Z'))).toBe(true);
    expect(nights.isOpen(at('2026-12-12T10:59:00Z'))).toBe(true); // Saturday 05:59
    expect(nights.isOpen(at('2026-12-12T11:00:00Z'))).toBe(false);
    expect(iso(nights.nextOpen(at('2026-12-12T11:00:00Z')))).toBe('2026-12-19T03:00:00.000Z');
  });

  it('is closed on a holiday, and a night range begun the day before still ends on it', () => {
    const shop = scheduleOf('mon-sun 09:00-17:00, 22:00-02:00', 'Europe/Berlin', '2026-12-25,2026-12-26');
    expect(shop.isOpen(at('2026-12-25T10:00:00Z'))).toBe(false);
    expect(shop.isOpen(at('2026-12-25T00:30:00Z'))).toBe(true); // 01:30 on the 25th, from the 24th's night
    expect(shop.isOpen(at('2026-12-25T22:00:00Z'))).toBe(false); // 23:00 on the 25th
    expect(iso(shop.nextOpen(at('2026-12-24T16:00:00Z')))).toBe('2026-12-24T21:00:00.000Z');
    expect(iso(shop.nextOpen(at('2026-12-25T10:00:00Z')))).toBe('2026-12-27T08:00:00.000Z');
  });

  it('with holidays alone, is open every other day', () => {
    const always = new WeeklySchedule(ALL_WEEK, new Set(['2026-12-25']), 'Europe/Berlin');
    expect(always.isOpen(at('2026-12-24T22:59:00Z'))).toBe(true);
    expect(always.isOpen(at('2026-12-24T23:00:00Z'))).toBe(false);
    expect(iso(always.nextOpen(at('2026-12-25T12:00:00Z')))).toBe('2026-12-25T23:00:00.000Z');
  });

  it('skips a holiday to the opening after it', () => {
    const once = scheduleOf('mon 09:00-10:00', 'UTC', '2026-12-07');
    expect(once.nextOpen(at('2026-12-07T09:30:00Z'))).toBe(at('2026-12-14T09:00:00Z'));
  });
});

describe('the after-hours verdict', () => {
  const schedule = scheduleOf('mon-fri 09:00-17:00', 'Europe/Berlin');
  const notice = (language?: string) => (language?.startsWith('de') ? 'Wir haben geschlossen und öffnen wieder {opens}.' : 'We are closed; we open again {opens}.');

  it('is none while open', async () => {
    const hours = new AfterHours({ schedule, policy: 'reply-only', notice, timeZone: 'Europe/Berlin', now: () => at('2026-12-07T10:00:00Z') });
    expect(await hours.whenClosed()).toBeUndefined();
  });

  it('names the next opening in the business time zone, and the closed period it belongs to', async () => {
    const hours = new AfterHours({ schedule, policy: 'reply-only', notice, timeZone: 'Europe/Berlin', now: () => at('2026-12-12T10:00:00Z') });
    expect(await hours.whenClosed()).toEqual({
      action: 'drop',
      recheckMs: 60_000,
      notice: { text: 'We are closed; we open again Monday 14 December at 09:00 CET.', period: '2026-12-14T08:00:00.000Z' },
    });
  });

  it("writes the reply and the opening in the customer's language", async () => {
    const hours = new AfterHours({ schedule, policy: 'reply-only', notice, timeZone: 'Europe/Berlin', now: () => at('2026-12-12T10:00:00Z') });
    expect((await hours.whenClosed('de'))?.notice?.text).toBe('Wir haben geschlossen und öffnen wieder Montag, 14. Dezember um 09:00 MEZ.');
  });

  it('holds a message until the opening, looking again at least every minute', async () => {
    let now = at('2026-12-14T07:59:58Z');
    const hours = new AfterHours({ schedule, policy: 'reply-and-route-when-open', notice: () => undefined, timeZone: 'Europe/Berlin', now: () => now });
    expect(await hours.whenClosed()).toEqual({ action: 'hold', recheckMs: 2000 });
    now = at('2026-12-14T08:00:00Z');
    expect(await hours.whenClosed()).toBeUndefined();
  });

  it("takes an opening a kept schedule answer named that has passed for unknown, and looks again no sooner than a second", async () => {
    const stale = { status: async () => ({ open: false, nextOpen: at('2026-12-14T08:00:00Z') }) };
    const hours = new AfterHours({ schedule: stale, policy: 'reply-and-route-when-open', notice, timeZone: 'Europe/Berlin', now: () => at('2026-12-14T08:00:05Z') });
    expect(await hours.whenClosed()).toMatchObject({ action: 'hold', recheckMs: 1000, notice: { text: 'We are closed; we open again later.' } });
  });

  it('routes anyway under reply-and-route', async () => {
    const hours = new AfterHours({ schedule, policy: 'reply-and-route', notice, timeZone: 'Europe/Berlin', now: () => at('2026-12-12T10:00:00Z') });
    expect((await hours.whenClosed())?.action).toBe('route');
  });
});
