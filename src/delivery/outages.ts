import type { DeliveryError } from '../core/delivery-error.js';

/**
 * Failures in a row, with no success between, after which a service counts as down. One chat's
 * failing row among others' successes never gets there, so its own backoff is never cut short.
 */
const FAILURES_IN_AN_OUTAGE = 3;

/** A failure of the service itself (a 5xx or no answer at all), rather than a rate limit or a bug. */
export function isServiceDown(err: DeliveryError): boolean {
  if (err.kind !== 'retryable' || err.retryAfterMs !== undefined) return false;
  return err.status === undefined ? err.code !== undefined : err.status >= 500;
}

/** Which services (Flex, Telegram, Discord, each named by its outbox keys' prefix) are down. */
export class ServiceOutages {
  private readonly failuresInARow = new Map<string, number>();

  failed(service: string): void {
    this.failuresInARow.set(service, (this.failuresInARow.get(service) ?? 0) + 1);
  }

  /** The service answered; true when that ends an outage. */
  answered(service: string): boolean {
    const failures = this.failuresInARow.get(service) ?? 0;
    this.failuresInARow.delete(service);
    return failures >= FAILURES_IN_AN_OUTAGE;
  }
}
