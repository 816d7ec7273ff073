import { DiscordApiError } from './api-error.js';

/**
 * Discord's invalid request limit (https://discord.com/developers/docs/topics/rate-limits#invalid-request-limit-aka-cloudflare-bans):
 * an IP that gets 10,000 answers of 401, 403 or 429 within 10 minutes is restricted from the API for a
 * while. A 429 whose `X-RateLimit-Scope` is `shared` does not count. Discord does not publish how long
 * the restriction lasts; bots report about an hour.
 */
export interface InvalidRequestLimit {
  /** Invalid answers per window that bring the ban. Default 10,000. */
  limit?: number;
  /** Default 10 minutes, counted from the first invalid answer of a window. */
  windowMs?: number;
  /** How long the ban lasts. Default an hour. */
  banMs?: number;
}

const DEFAULTS = { limit: 10_000, windowMs: 10 * 60_000, banMs: 60 * 60_000 };

/**
 * What a banned IP gets: 429 from Cloudflare with a static body, no `Retry-After` and no rate limit
 * headers (as observed and confirmed by Discord staff in https://github.com/discord/discord-api-docs/issues/5810).
 */
const BANNED_MESSAGE =
  'You are being blocked from accessing our API temporarily due to exceeding our rate limits frequently. Please read our docs at https://discord.com/developers/docs/topics/rate-limits to prevent this moving forward.';

export class InvalidRequestGuard {
  /** Invalid answers counted so far, in all windows. */
  counted = 0;
  private readonly limits: Required<InvalidRequestLimit>;
  private window = { count: 0, endsAt: -Infinity };
  private bannedUntil = -Infinity;

  constructor(
    limits: InvalidRequestLimit = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULTS, ...limits };
    const { limit, windowMs, banMs } = this.limits;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('rateLimits.invalidRequests.limit must be a positive integer');
    if (!(windowMs > 0) || !(banMs > 0)) throw new RangeError('rateLimits.invalidRequests.windowMs and banMs must be positive numbers');
  }

  get banned(): boolean {
    return this.now() < this.bannedUntil;
  }

  /** The answer to every request while the ban lasts. */
  refusal(): DiscordApiError | undefined {
    if (!this.banned) return undefined;
    return new DiscordApiError(429, 0, BANNED_MESSAGE, undefined, {}, { code: 0, message: BANNED_MESSAGE });
  }

  /** Counts an answer the API gave (not one of the ban's own). */
  note(status: number, headers: Record<string, string>): void {
    if (status !== 401 && status !== 403 && status !== 429) return;
    if (status === 429 && headers['x-ratelimit-scope'] === 'shared') return;
    const now = this.now();
    if (now >= this.window.endsAt) this.window = { count: 0, endsAt: now + this.limits.windowMs };
    this.window.count += 1;
    this.counted += 1;
    if (this.window.count >= this.limits.limit) this.bannedUntil = now + this.limits.banMs;
  }
}
