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

/** Scripted failures: the next matching Bot API calls answer with an error instead of running. */
export class FaultInjector {
  private faults: { spec: FaultSpec; remaining: number }[] = [];

  failNext(spec: FaultSpec): void {
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new RangeError('times must be a positive integer');
    const status = spec.httpStatus ?? spec.error_code;
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError('the HTTP status must be 400-599');
    this.faults.push({ spec, remaining: times });
  }

  clear(): void {
    this.faults = [];
  }

  /** The error the call to `method` must fail with, if a fault matches; consumes one use of it. */
  take(method: string): BotApiError | undefined {
    const fault = this.faults.find(({ spec }) => spec.method === undefined || spec.method.toLowerCase() === method.toLowerCase());
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.faults.splice(this.faults.indexOf(fault), 1);
    return toError(fault.spec);
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
