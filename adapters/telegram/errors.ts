import { TelegramError } from 'telegraf';
import { permanent, retryable, type DeliveryError } from '../../src/delivery/errors.js';

/** Telegram's answer to a send, as the delivery layer needs it (telegram.md §4). */
export function toDeliveryError(err: unknown): DeliveryError {
  if (err instanceof TelegramError) {
    const { code, description } = err;
    const message = `telegram ${code}: ${description}`;
    if (code === 429) {
      const seconds = err.parameters?.retry_after;
      return retryable(message, { code, status: code, retryAfterMs: seconds === undefined ? undefined : seconds * 1000 });
    }
    // 401 is the operator's to fix (a revoked token); keep the message and retry rather than lose it.
    if (code >= 500 || code === 401) return retryable(message, { code, status: code });
    return permanent(message, { code, status: code });
  }
  const code = (err as { code?: string }).code ?? 'ENETWORK';
  // The request may have reached Telegram; there is no way to ask, so a retry may repeat it.
  return retryable(`telegram request failed: ${code}`, { code, ambiguous: true });
}
