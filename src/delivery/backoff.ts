import type { DeliveryError } from '../core/delivery-error.js';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 12, baseDelayMs: 500, maxDelayMs: 300_000 };

/**
 * Exponential backoff with "equal jitter" (half fixed, half random), never shorter than the
 * upstream's Retry-After / retry_after.
 */
export function retryDelayMs(attempt: number, err: DeliveryError, policy: RetryPolicy, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.max(jittered, err.retryAfterMs ?? 0);
}
