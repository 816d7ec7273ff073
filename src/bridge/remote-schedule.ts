import type { Logger } from 'pino';
import type { Schedule, ScheduleStatus } from './business-hours.js';

/** How long one answer (or failure) of the schedule service is used before it is asked again. */
const CACHE_MS = 30_000;
const TIMEOUT_MS = 3_000;

/**
 * Opening hours kept by an external schedule service: `GET SCHEDULE_URL` answers JSON
 * `{"isOpen": boolean, "nextOpen"?: "<ISO-8601 instant>"}`, the shape of the Flex schedule manager's
 * `check-schedule` (https://twilio-professional-services.github.io/flex-project-template/feature-library/schedule-manager)
 * plus an optional next opening time. A service that fails, is slow or answers something else counts
 * as open: an outage of the schedule must not turn every customer away, and a chat routed after hours
 * is answered late rather than never. Answers are kept for a moment, so a burst of new chats asks once.
 */
export class RemoteSchedule implements Schedule {
  private cached: { readonly status: Promise<ScheduleStatus>; readonly until: number } | undefined;
  private readonly url: string;
  private readonly headers: Record<string, string> = { accept: 'application/json' };

  constructor(
    url: string,
    private readonly log: Logger,
  ) {
    // fetch refuses a URL with credentials: a user and password in it go as Basic authentication.
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      const user = decodeURIComponent(parsed.username);
      const password = decodeURIComponent(parsed.password);
      this.headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      parsed.username = '';
      parsed.password = '';
    }
    this.url = parsed.href;
  }

  /** Chats opening together share one request. */
  status(now: number): Promise<ScheduleStatus> {
    if (!this.cached || now >= this.cached.until) this.cached = { status: this.ask(), until: now + CACHE_MS };
    return this.cached.status;
  }

  private async ask(): Promise<ScheduleStatus> {
    try {
      const res = await fetch(this.url, { headers: this.headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status}`);
      }
      const body = (await res.json()) as { isOpen?: unknown; nextOpen?: unknown };
      if (typeof body.isOpen !== 'boolean') throw new Error('the answer has no boolean isOpen');
      const nextOpen = typeof body.nextOpen === 'string' ? Date.parse(body.nextOpen) : NaN;
      return body.isOpen || Number.isNaN(nextOpen) ? { open: body.isOpen } : { open: false, nextOpen };
    } catch (err) {
      this.log.warn({ error: err instanceof Error ? err.message : String(err) }, 'the schedule service (SCHEDULE_URL) did not answer usably: treated as open');
      return { open: true };
    }
  }
}
