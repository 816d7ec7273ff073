import { TelegramError } from 'telegraf';
import { describe, expect, it } from 'vitest';
import { toDeliveryError } from '../../../adapters/telegram/errors.js';

const tgError = (error_code: number, description: string, parameters?: object) =>
  new TelegramError({ error_code, description, ...(parameters ? { parameters } : {}) });

describe('telegram toDeliveryError', () => {
  it('retries 429 after retry_after, and 5xx', () => {
    expect(toDeliveryError(tgError(429, 'Too Many Requests: retry after 3', { retry_after: 3 }))).toMatchObject({ kind: 'retryable', retryAfterMs: 3000 });
    expect(toDeliveryError(tgError(502, 'Bad Gateway'))).toMatchObject({ kind: 'retryable' });
  });

  it('gives up on a blocked user and an unknown chat', () => {
    expect(toDeliveryError(tgError(403, 'Forbidden: bot was blocked by the user'))).toMatchObject({ kind: 'permanent', code: 403 });
    expect(toDeliveryError(tgError(400, 'Bad Request: chat not found'))).toMatchObject({ kind: 'permanent' });
  });

  it('treats a network failure as retryable and possibly applied', () => {
    expect(toDeliveryError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toMatchObject({ kind: 'retryable', ambiguous: true });
  });
});
