export type FailureKind = 'retryable' | 'permanent';

/**
 * The one error type the delivery layer understands. Ports translate their library errors into it:
 * `retryable` (429 with its retry-after, 5xx, network) or `permanent` (blocked, not found, cannot DM).
 * `ambiguous` marks a failure after which the far side may still have applied the request (a timeout),
 * so the next attempt must check before it writes again.
 */
export class DeliveryError extends Error {
  override readonly name: string = 'DeliveryError';
  readonly kind: FailureKind;
  readonly retryAfterMs?: number;
  readonly ambiguous: boolean;
  readonly code?: string | number;
  readonly status?: number;

  constructor(
    kind: FailureKind,
    message: string,
    opts: { retryAfterMs?: number; ambiguous?: boolean; code?: string | number; status?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.kind = kind;
    this.retryAfterMs = opts.retryAfterMs;
    this.ambiguous = opts.ambiguous ?? false;
    this.code = opts.code;
    this.status = opts.status;
  }
}

export const retryable = (message: string, opts?: ConstructorParameters<typeof DeliveryError>[2]) =>
  new DeliveryError('retryable', message, opts);

export const permanent = (message: string, opts?: ConstructorParameters<typeof DeliveryError>[2]) =>
  new DeliveryError('permanent', message, opts);

/** Not a failure: the row may not go yet (a limit of the bridge's own), so it waits without using an attempt. */
export class DeliveryPostponed extends Error {
  override readonly name = 'DeliveryPostponed';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** Anything that is not a DeliveryError is treated as retryable: an unknown failure must not lose a message. */
export function asDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return retryable(message, { cause: err });
}

type FailureDetails = { code?: string | number; retryAfterMs?: number; ambiguous?: boolean };

/**
 * What an HTTP error status means for delivery: 429 and 5xx pass, so they are retried; any other
 * status would be answered the same way again, so it is permanent. Networks with other rules (a
 * revoked token, a Discord 4xx) say so in their own errors.ts before falling back on this.
 */
export function fromHttpStatus(status: number, message: string, details: FailureDetails = {}): DeliveryError {
  const opts = { ...details, status };
  return status === 429 || status >= 500 ? retryable(message, opts) : permanent(message, opts);
}

/**
 * A request that got no HTTP answer (refused, reset, timed out) is retryable. `ambiguous` says the
 * far side may have applied it before the answer was lost; only the caller knows whether that can be.
 */
export function fromNetworkFailure(err: unknown, what: string, opts: { ambiguous?: boolean } = {}): DeliveryError {
  const code = networkCodeOf(err) ?? 'ENETWORK';
  return retryable(`${what} failed: ${code}`, { code, ambiguous: opts.ambiguous ?? false });
}

/** `ECONNREFUSED`, `UND_ERR_SOCKET`, `ETIMEDOUT`…: the error's own code, its cause's (fetch), or a timeout's. */
export function networkCodeOf(err: unknown): string | undefined {
  const own = (err as { code?: unknown } | null)?.code;
  if (typeof own === 'string') return own;
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof cause === 'string') return cause;
  return (err as Error | null)?.name === 'TimeoutError' ? 'ETIMEDOUT' : undefined;
}
