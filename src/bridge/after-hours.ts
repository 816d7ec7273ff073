import type { Schedule } from './business-hours.js';

/**
 * What happens to the first message of a new chat while closed, besides the after-hours reply:
 * `reply-only` drops it (the reply should ask the customer to write again), `reply-and-route` opens the
 * chat anyway, `reply-and-route-when-open` keeps it, with whatever the customer adds, and opens the chat
 * once open.
 */
export const AFTER_HOURS_POLICIES = ['reply-only', 'reply-and-route', 'reply-and-route-when-open'] as const;
export type AfterHoursPolicy = (typeof AFTER_HOURS_POLICIES)[number];

export interface AfterHoursSettings {
  readonly schedule: Schedule;
  readonly policy: AfterHoursPolicy;
  /** The reply in a customer's language; `{opens}` is the next opening time in `timeZone`. Undefined: no reply. */
  readonly notice: (language?: string) => string | undefined;
  /** The zone `{opens}` is written in. */
  readonly timeZone: string;
  /** The time the schedule is judged by (tests inject theirs). */
  readonly now?: () => number;
}

/** What to do, while closed, with a message that would open a new chat. */
export interface ClosedVerdict {
  readonly action: 'drop' | 'route' | 'hold';
  /** The reply, and the closed period it belongs to (the customer hears it once per period). */
  readonly notice?: { readonly text: string; readonly period: string };
  /** hold: how long until the schedule is looked at again. */
  readonly recheckMs: number;
}

/** A held message looks again at least this often, so an early opening (or a changed schedule) is noticed. */
const RECHECK_MAX_MS = 60_000;
/** Nor more often than this: a held customer's row is claimed again each time it is looked at. */
const RECHECK_MIN_MS = 1_000;

export class AfterHours {
  private readonly now: () => number;
  /** `{opens}` written the way each language writes dates (en-GB for a customer whose language is unknown). */
  private readonly opensFormats = new Map<string, Intl.DateTimeFormat>();

  constructor(private readonly settings: AfterHoursSettings) {
    this.now = settings.now ?? Date.now;
  }

  /** Undefined while open; the reply in `language`, the customer's. */
  async whenClosed(language?: string): Promise<ClosedVerdict | undefined> {
    const now = this.now();
    const status = await this.settings.schedule.status(now);
    if (status.open) return undefined;
    // A schedule service's answer is kept a while: an opening it named may have passed meanwhile, and
    // is then looked at again soon, but not in a busy loop.
    const passed = status.nextOpen !== undefined && status.nextOpen <= now;
    const nextOpen = passed ? undefined : status.nextOpen;
    const { policy } = this.settings;
    const action = policy === 'reply-only' ? 'drop' : policy === 'reply-and-route' ? 'route' : 'hold';
    const recheckMs = passed ? RECHECK_MIN_MS : Math.max(RECHECK_MIN_MS, Math.min(RECHECK_MAX_MS, (nextOpen ?? Infinity) - now));
    const notice = this.settings.notice(language);
    if (notice === undefined) return { action, recheckMs };
    const opens = nextOpen === undefined ? 'later' : this.opensFormat(language).format(nextOpen);
    // Without a known opening, the closed period is the UTC day: the customer hears the reply once a day.
    const period = nextOpen === undefined ? new Date(now).toISOString().slice(0, 10) : new Date(nextOpen).toISOString();
    return { action, recheckMs, notice: { text: notice.replaceAll('{opens}', opens), period } };
  }

  private opensFormat(language: string | undefined): Intl.DateTimeFormat {
    const locale = language && Intl.DateTimeFormat.supportedLocalesOf(language).length > 0 ? language : 'en-GB';
    let format = this.opensFormats.get(locale);
    if (!format) {
      format = new Intl.DateTimeFormat(locale, {
        timeZone: this.settings.timeZone,
        weekday: 'long',
        day: 'numeric',
        month: 'long',
        hour: '2-digit',
        minute: '2-digit',
        timeZoneName: 'short',
      });
      this.opensFormats.set(locale, format);
    }
    return format;
  }
}
