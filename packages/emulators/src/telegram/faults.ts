import { BotApiError } from './api-error.js';

export interface FaultSpec {
  /** Bot API method to fail (case-insensitive); any method when omitted. */
  method?: string;
  /** How many matching calls fail. Default 1. */
  times?: number;
  error_code: number;
  /** Default: Telegram's usual wording for `error_code`. */
  description?: string;
  /** Sent as `parameters.retry_after`; a 429 gets 1 when not given. */
  retry_after?: number;
  migrate_to_chat_id?: number;
  /** HTTP status of the answer; default `error_code`. telegraf ignores the body of any status ≥ 500. */
  httpStatus?: number;
}

export interface HangSpec {
  /** Bot API method to hold (case-insensitive); any method when omitted. */
  method?: string;
  /** How many matching calls are held. Default 1. */
  times?: number;
  /** Carry the call out before withholding the answer (Telegram did it, the bot never heard). */
  apply: boolean;
}

/** What happens to one call: an error answer, or no answer at all (before or after carrying it out). */
export type BotApiFault = { kind: 'fail'; error: BotApiError } | { kind: 'hang'; apply: boolean };

interface ArmedFault {
  method: string | undefined;
  remaining: number;
  fault: () => BotApiFault;
}

const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden: bot was blocked by the user',
  404: 'Not Found',
  409: 'Conflict',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Scripted faults: the next matching Bot API calls answer with an error, or are never answered. */
export class FaultInjector {
  private faults: ArmedFault[] = [];

  failNext(spec: FaultSpec): void {
    const status = spec.httpStatus ?? spec.error_code;
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError('the HTTP status must be 400-599');
    this.arm(spec.method, spec.times, () => ({ kind: 'fail', error: toError(spec) }));
  }

  hangNext(spec: HangSpec): void {
    this.arm(spec.method, spec.times, () => ({ kind: 'hang', apply: spec.apply }));
  }

  clear(): void {
    this.faults = [];
  }

  /** What must happen to the call to `method`, if a fault matches; consumes one use of it. */
  take(method: string): BotApiFault | undefined {
    const armed = this.faults.find((f) => f.method === undefined || f.method.toLowerCase() === method.toLowerCase());
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining === 0) this.faults.splice(this.faults.indexOf(armed), 1);
    return armed.fault();
  }

  private arm(method: string | undefined, times = 1, fault: () => BotApiFault): void {
    if (!Number.isInteger(times) || times < 1) throw new RangeError('times must be a positive integer');
    this.faults.push({ method, remaining: times, fault });
  }
}

function toError(spec: FaultSpec): BotApiError {
  const retryAfter = spec.retry_after ?? (spec.error_code === 429 ? 1 : undefined);
  const description =
    spec.description ??
    (spec.error_code === 429 ? `Too Many Requests: retry after ${retryAfter}` : (DEFAULT_DESCRIPTIONS[spec.error_code] ?? 'Error'));
  const parameters = {
    ...(retryAfter !== undefined ? { retry_after: retryAfter } : {}),
    ...(spec.migrate_to_chat_id !== undefined ? { migrate_to_chat_id: spec.migrate_to_chat_id } : {}),
  };
  return new BotApiError(
    spec.error_code,
    description,
    Object.keys(parameters).length > 0 ? parameters : undefined,
    spec.httpStatus ?? spec.error_code,
  );
}
