import { defaultErrorCode, defaultErrorMessage, TwilioApiError } from './errors.js';

/** Which API requests a fault applies to; an omitted field matches anything. */
export interface RequestMatch {
  /** The Twilio host, e.g. `conversations.twilio.com`. */
  host?: string;
  method?: string;
  /** The path below the host, e.g. `/v1/Conversations`: a string must match exactly. */
  path?: RegExp | string;
}

export interface FailureSpec extends RequestMatch {
  status: number;
  /** Twilio error code; defaults to 20000 + status (20429, 20503, …). */
  code?: number;
  message?: string;
  /** Seconds, sent as the `Retry-After` header. */
  retryAfter?: number;
  /** How many matching requests fail; default 1. */
  times?: number;
  /** Carry the request out before answering the error (Twilio applied it, then answered a 5xx). */
  apply?: boolean;
}

export interface HangSpec extends RequestMatch {
  /** Carry the request out before withholding the response (Twilio applied it, the client timed out). */
  apply: boolean;
  times?: number;
}

export interface RequestKey {
  host: string;
  method: string;
  path: string;
}

/** What to do with one request: fail it with an error, or never answer it (either before or after doing it). */
export type FaultAction = { kind: 'fail'; error: TwilioApiError; apply: boolean } | { kind: 'hang'; apply: boolean };

interface ArmedFault {
  match: RequestMatch;
  remaining: number;
  action: FaultAction;
}

export class FaultInjector {
  private armed: ArmedFault[] = [];

  failNext(spec: FailureSpec): void {
    const headers: Record<string, string> =
      spec.retryAfter === undefined ? {} : { 'Retry-After': String(spec.retryAfter) };
    const error = new TwilioApiError(
      spec.status,
      spec.code ?? defaultErrorCode(spec.status),
      spec.message ?? defaultErrorMessage(spec.status),
      headers,
    );
    this.arm(spec, spec.times, { kind: 'fail', error, apply: spec.apply ?? false });
  }

  hangNext(spec: HangSpec): void {
    this.arm(spec, spec.times, { kind: 'hang', apply: spec.apply });
  }

  clear(): void {
    this.armed = [];
  }

  /** The first armed fault that matches, used up by one; faults are applied in the order they were armed. */
  take(request: RequestKey): FaultAction | undefined {
    const fault = this.armed.find((f) => matches(f.match, request));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.armed = this.armed.filter((f) => f !== fault);
    return fault.action;
  }

  private arm(match: RequestMatch, times: number | undefined, action: FaultAction): void {
    const { host, method, path } = match;
    this.armed.push({ match: { host, method, path }, remaining: times ?? 1, action });
  }
}

function matches(match: RequestMatch, request: RequestKey): boolean {
  if (match.host !== undefined && match.host !== request.host) return false;
  if (match.method !== undefined && match.method.toUpperCase() !== request.method.toUpperCase()) return false;
  if (match.path === undefined) return true;
  // search() ignores a /g regexp's lastIndex, so a pattern matches the same way every time.
  return typeof match.path === 'string' ? match.path === request.path : request.path.search(match.path) !== -1;
}
