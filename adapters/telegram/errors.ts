import { TelegramError } from 'telegraf';
import { fromHttpStatus, fromNetworkFailure, retryable, type DeliveryError } from '../../src/core/delivery-error.js';

/** Telegram's answer to a send, as the delivery layer needs it (https://core.telegram.org/bots/api#making-requests). */
export function toDeliveryError(err: unknown): DeliveryError {
  if (err instanceof TelegramError) {
    const { code, description } = err;
    const message = `telegram ${code}: ${description}`;
    if (code === 429) {
      const seconds = err.parameters?.retry_after;
      return retryable(message, { code, status: code, retryAfterMs: seconds === undefined ? undefined : seconds * 1000 });
    }
    // 401 is the operator's to fix (a revoked token); keep the message and retry rather than lose it.
    if (code === 401) return retryable(message, { code, status: code });
    return fromHttpStatus(code, message, { code });
  }
  // The request may have reached Telegram; there is no way to ask, so a retry may repeat it.
  return fromNetworkFailure(err, 'telegram request', { ambiguous: true });
}
