import type { ConsoleUpdate } from './views.js';

const DAY_MS = 86_400_000;
/** Five seconds before the opening: a held customer's message looks again that soon, so the console's switch back opens it at once. */
const JUST_BEFORE_OPENING_MS = 5_000;

/** The demo's business hours (UTC, so the console needs no zone); the console's "After hours" switch moves the bridge's clock around them. */
export const DEMO_BUSINESS_HOURS = { BUSINESS_HOURS: 'mon-fri 09:00-17:00', BUSINESS_TIMEZONE: 'UTC' } as const;

/**
 * The clock the demo's bridge judges business hours by: during the next opening hour, or, after
 * hours, just before it. Only the hours read it; everything else keeps the real time.
 */
export class DemoHours {
  private afterHours = false;
  private readonly opening = nextWeekdayNineUtc(Date.now());

  constructor(private readonly publish: (update: ConsoleUpdate) => void) {}

  readonly clock = (): number => (this.afterHours ? this.opening - JUST_BEFORE_OPENING_MS : this.opening + 3_600_000);

  get closed(): boolean {
    return this.afterHours;
  }

  toggle(): { afterHours: boolean } {
    this.afterHours = !this.afterHours;
    this.publish({ type: 'hours', afterHours: this.afterHours });
    return { afterHours: this.afterHours };
  }
}

function nextWeekdayNineUtc(now: number): number {
  let day = Math.floor(now / DAY_MS) * DAY_MS + 9 * 3_600_000;
  while (day <= now || [0, 6].includes(new Date(day).getUTCDay())) day += DAY_MS;
  return day;
}
