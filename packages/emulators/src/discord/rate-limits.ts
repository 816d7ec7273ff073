import { createHash } from 'node:crypto';
import { DiscordApiError } from './api-error.js';
import type { InvalidRequestLimit } from './invalid-requests.js';

/**
 * Discord's REST rate limits (https://discord.com/developers/docs/topics/rate-limits). Discord does
 * not publish per-route numbers and says not to hard-code them: apps must read the `X-RateLimit-*`
 * headers. Create Message is commonly observed at 5 per 5 s per channel; the global limit is a
 * documented 50 requests per second per bot.
 */
export interface DiscordRateLimits {
  /**
   * Requests per bucket (one route and its top-level resource, e.g. one channel) per window. Default
   * 1000 per second: every response carries real headers, but no suite is slowed; tests that want
   * Discord's typical message bucket pass `{limit: 5, windowMs: 5000}`.
   */
  perRoute?: { limit: number; windowMs: number };
  /** Requests per second across all routes. Default 50. */
  globalPerSecond?: number;
  /** The clock (Unix ms) the windows run on, so a test can step past one. Default `Date.now`. */
  now?: () => number;
  /** The invalid request limit and its ban; small numbers let a test reach it. */
  invalidRequests?: InvalidRequestLimit;
}

const DEFAULT_PER_ROUTE = { limit: 1000, windowMs: 1000 };
const DEFAULT_GLOBAL_PER_SECOND = 50;
/** The path segments Discord counts limits per id of ("top-level resources"). */
const TOP_LEVEL_RESOURCES = new Set(['channels', 'guilds', 'webhooks']);

interface Window {
  count: number;
  resetAt: number;
}

/** What a request gets from the limits: the headers of its response, and the 429 when it is one too many. */
export interface Admission {
  headers: Record<string, string>;
  refusal?: DiscordApiError;
}

/** Fixed windows: one per bucket and major parameter, one for the bot as a whole. */
export class RateLimiter {
  private readonly perRoute: { limit: number; windowMs: number };
  private readonly globalPerSecond: number;
  private readonly now: () => number;
  private readonly buckets = new Map<string, Window>();
  private global: Window = { count: 0, resetAt: 0 };

  constructor({ perRoute = DEFAULT_PER_ROUTE, globalPerSecond = DEFAULT_GLOBAL_PER_SECOND, now = Date.now }: DiscordRateLimits = {}) {
    if (!Number.isInteger(perRoute.limit) || perRoute.limit < 1) throw new RangeError('rateLimits.perRoute.limit must be a positive integer');
    if (!(perRoute.windowMs > 0)) throw new RangeError('rateLimits.perRoute.windowMs must be a positive number');
    if (!Number.isInteger(globalPerSecond) || globalPerSecond < 1) throw new RangeError('rateLimits.globalPerSecond must be a positive integer');
    this.perRoute = perRoute;
    this.globalPerSecond = globalPerSecond;
    this.now = now;
  }

  /** Counts one request of `route` (e.g. `POST /channels/:id/messages`) to `path`. */
  admit(route: string, path: string): Admission {
    const now = this.now();
    if (now >= this.global.resetAt) this.global = { count: 0, resetAt: now + 1000 };
    if (this.global.count >= this.globalPerSecond) {
      const retryAfter = seconds(this.global.resetAt - now);
      const headers = { 'retry-after': wholeSeconds(retryAfter), 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' };
      return { headers: {}, refusal: tooManyRequests(retryAfter, true, headers) };
    }
    this.global.count += 1;

    const key = `${route} ${majorParameter(path)}`;
    let bucket = this.buckets.get(key);
    if (!bucket || now >= bucket.resetAt) {
      bucket = { count: 0, resetAt: now + this.perRoute.windowMs };
      this.buckets.set(key, bucket);
    }
    const resetAfter = seconds(bucket.resetAt - now);
    const headers = (remaining: number) => ({
      'x-ratelimit-limit': String(this.perRoute.limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': (bucket.resetAt / 1000).toFixed(3),
      'x-ratelimit-reset-after': resetAfter.toFixed(3),
      'x-ratelimit-bucket': bucketHash(route),
    });
    if (bucket.count >= this.perRoute.limit) {
      const limited = { ...headers(0), 'retry-after': wholeSeconds(resetAfter), 'x-ratelimit-scope': 'user' };
      return { headers: limited, refusal: tooManyRequests(resetAfter, false, limited) };
    }
    bucket.count += 1;
    return { headers: headers(this.perRoute.limit - bucket.count) };
  }
}

/** A 429 as Discord sends it (https://discord.com/developers/docs/topics/rate-limits#exceeding-a-rate-limit): `retry_after` in seconds, `Retry-After` among the headers. */
export function tooManyRequests(retryAfter: number, global: boolean, headers: Record<string, string>, message = 'You are being rate limited.'): DiscordApiError {
  const body = { message, retry_after: retryAfter, global };
  return new DiscordApiError(429, 0, body.message, undefined, headers, body);
}

/** Opaque and the same for every channel, as Discord's is: the limit is counted per hash and major parameter. */
function bucketHash(route: string): string {
  return createHash('sha256').update(route).digest('hex').slice(0, 32);
}

function majorParameter(path: string): string {
  const [, resource, id] = path.split('/');
  return resource !== undefined && TOP_LEVEL_RESOURCES.has(resource) ? (id ?? '') : '';
}

const seconds = (ms: number) => Math.round(ms) / 1000;
/** Discord's `Retry-After` header is whole seconds, rounded up (its example: 65 for a `retry_after` of 64.57). */
const wholeSeconds = (s: number) => String(Math.ceil(s));
