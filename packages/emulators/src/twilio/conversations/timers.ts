import { invalidParameter, TwilioApiError } from '../http/errors.js';
import type { ConversationTimers } from '../state.js';

/**
 * Conversation timers (https://www.twilio.com/docs/conversations/states-timers): `Timers.Inactive`
 * (at least one minute) moves an active conversation to `inactive` and `Timers.Closed` (at least ten
 * minutes) closes it, each once that long has passed without activity; a new message is activity.
 * On create they need `State` too (https://www.twilio.com/docs/api/errors/50382).
 */

const MIN_INACTIVE_MS = 60_000;
const MIN_CLOSED_MS = 600_000;

export interface TimerParams {
  inactive?: string;
  closed?: string;
}

/** The timers a create or update sets; `current` keeps a timer the request does not mention. */
export function timersFrom(params: TimerParams, now: number, current?: ConversationTimers): ConversationTimers {
  const inactive = params.inactive === undefined ? current?.inactive : timer('Timers.Inactive', params.inactive, MIN_INACTIVE_MS);
  const closed = params.closed === undefined ? current?.closed : timer('Timers.Closed', params.closed, MIN_CLOSED_MS);
  return { ...(inactive && { inactive }), ...(closed && { closed }), since: now };
}

export function assertStateWithTimers(params: TimerParams, state: string | undefined): void {
  if ((params.inactive !== undefined || params.closed !== undefined) && state === undefined) {
    throw new TwilioApiError(400, 50382, "Timer can't be set without state");
  }
}

/** What the timers do at `now` to a conversation in `state`: the state it moves to, if any. */
export function dueTransition(timers: ConversationTimers, state: string, now: number): 'inactive' | 'closed' | undefined {
  if (state === 'closed') return undefined;
  if (timers.closed && now >= timers.since + timers.closed.ms) return 'closed';
  if (state === 'active' && timers.inactive && now >= timers.since + timers.inactive.ms) return 'inactive';
  return undefined;
}

/** The `timers` object of a conversation resource: when each timer fires, in ISO-8601. */
export function timersJson(timers: ConversationTimers): Record<string, string> {
  return {
    ...(timers.inactive && { date_inactive: new Date(timers.since + timers.inactive.ms).toISOString() }),
    ...(timers.closed && { date_closed: new Date(timers.since + timers.closed.ms).toISOString() }),
  };
}

function timer(name: string, duration: string, minMs: number): { duration: string; ms: number } {
  const ms = durationMs(duration);
  if (ms === undefined) throw invalidParameter(name, `expected an ISO-8601 duration such as PT1H (got ${duration})`);
  if (ms < minMs) throw invalidParameter(name, `must be at least ${minMs / 60_000} minutes`);
  return { duration, ms };
}

/** An ISO-8601 duration of weeks, days, hours, minutes and seconds (`P1D`, `PT12H`, `PT90M`). */
export function durationMs(duration: string): number | undefined {
  const parsed = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration);
  if (!parsed || duration === 'P' || duration.endsWith('T')) return undefined;
  const [, weeks, days, hours, minutes, seconds] = parsed.map((part) => Number(part ?? 0));
  return ((((weeks! * 7 + days!) * 24 + hours!) * 60 + minutes!) * 60 + seconds!) * 1000;
}
