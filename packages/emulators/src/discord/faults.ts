import { STATUS_CODES } from 'node:http';
import { DiscordApiError, ERROR_MESSAGES } from './api-error.js';
import { tooManyRequests } from './rate-limits.js';

export interface RestFaultSpec {
  /** Route template to fail, e.g. `POST /channels/:id/messages` (see `ROUTES`); any route when omitted. */
  route?: string;
  /** How many matching calls fail. Default 1. */
  times?: number;
  /** HTTP status, 400-599. */
  status: number;
  /** JSON error code, e.g. 50007; default 0. Not used by a 429, whose body has none. */
  code?: number;
  /** 429 only: seconds, in `Retry-After` and the body's `retry_after`. Default 1. Discord sends whole seconds. */
  retryAfter?: number;
  /** 429 only: the global limit (`X-RateLimit-Global`) instead of a per-route bucket. */
  global?: boolean;
  /**
   * 429 only, not global: `shared` is a per-resource limit (a busy channel, whoever sends), which
   * does not count towards the invalid request limit; `user` (default) is the bot's own bucket.
   */
  scope?: 'user' | 'shared';
}

const RATE_LIMIT_BUCKET = 'a06de9a1b6b5f0b1d2c3e4f5a6b7c8d9';

/** Scripted failures: the next matching REST calls answer with an error instead of running. */
export class RestFaults {
  private faults: { spec: RestFaultSpec; remaining: number }[] = [];

  failNext(spec: RestFaultSpec): void {
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new RangeError('times must be a positive integer');
    if (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599) throw new RangeError('status must be 400-599');
    if (spec.retryAfter !== undefined && !(spec.retryAfter >= 0)) throw new RangeError('retryAfter must be a number of seconds ≥ 0');
    this.faults.push({ spec, remaining: times });
  }

  clear(): void {
    this.faults = [];
  }

  /** The error the call of `route` must fail with, if a fault matches; consumes one use of it. */
  take(route: string): DiscordApiError | undefined {
    const fault = this.faults.find(({ spec }) => spec.route === undefined || spec.route.toLowerCase() === route.toLowerCase());
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.faults.splice(this.faults.indexOf(fault), 1);
    return toError(fault.spec);
  }
}

function toError(spec: RestFaultSpec): DiscordApiError {
  if (spec.status === 429) return rateLimited(spec.retryAfter ?? 1, spec.global ?? false, spec.scope ?? 'user');
  const code = spec.code ?? 0;
  const message = code === 0 ? `${spec.status}: ${STATUS_CODES[spec.status] ?? 'Error'}` : (ERROR_MESSAGES[code] ?? 'Error');
  return new DiscordApiError(spec.status, code, message);
}

/** A scripted 429 (https://discord.com/developers/docs/topics/rate-limits#header-format): discord.js reads the headers, not the body. */
function rateLimited(retryAfter: number, global: boolean, scope: 'user' | 'shared'): DiscordApiError {
  const headers: Record<string, string> = global
    ? { 'retry-after': String(retryAfter), 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' }
    : {
        'retry-after': String(retryAfter),
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': scope === 'shared' ? '4' : '0',
        'x-ratelimit-reset': ((Date.now() + retryAfter * 1000) / 1000).toFixed(3),
        'x-ratelimit-reset-after': String(retryAfter),
        'x-ratelimit-bucket': RATE_LIMIT_BUCKET,
        'x-ratelimit-scope': scope,
      };
  return tooManyRequests(retryAfter, global, headers, scope === 'shared' ? 'The resource is being rate limited.' : undefined);
}
