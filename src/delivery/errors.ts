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

/** Anything that is not a DeliveryError is treated as retryable: an unknown failure must not lose a message. */
export function asDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return retryable(message, { cause: err });
}
