import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/delivery/backoff.js';
import { retryable } from '../../src/core/delivery-error.js';

const policy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 10_000 };

describe('retryDelayMs', () => {
  it('doubles per attempt within the jitter band and caps at maxDelayMs', () => {
    const err = retryable('x');
    expect(retryDelayMs(0, err, policy, () => 0)).toBe(250);
    expect(retryDelayMs(0, err, policy, () => 1)).toBe(500);
    expect(retryDelayMs(3, err, policy, () => 0)).toBe(2000);
    expect(retryDelayMs(20, err, policy, () => 1)).toBe(10_000);
  });

  it('never waits less than the upstream asked', () => {
    expect(retryDelayMs(0, retryable('429', { retryAfterMs: 3000 }), policy, () => 0)).toBe(3000);
  });
});
