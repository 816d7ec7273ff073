import { describe, expect, it } from 'vitest';
import { asDeliveryError, DeliveryError, fromHttpStatus, fromNetworkFailure, networkCodeOf, permanent } from '../../src/core/delivery-error.js';

describe('fromHttpStatus', () => {
  it.each([429, 500, 502, 503, 504])('makes %i retryable', (status) => {
    const err = fromHttpStatus(status, `upstream said ${status}`);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err.kind).toBe('retryable');
    expect(err.status).toBe(status);
    expect(err.message).toBe(`upstream said ${status}`);
  });

  it.each([400, 401, 403, 404, 409, 413, 499])('makes %i permanent', (status) => {
    const err = fromHttpStatus(status, `upstream said ${status}`);
    expect(err.kind).toBe('permanent');
    expect(err.status).toBe(status);
    expect(err.message).toBe(`upstream said ${status}`);
  });

  it('keeps the code and retryAfterMs it is given', () => {
    const err = fromHttpStatus(429, 'Too Many Requests: retry after 3', { code: 20429, retryAfterMs: 3000 });
    expect(err).toMatchObject({ kind: 'retryable', status: 429, code: 20429, retryAfterMs: 3000, ambiguous: false });

    expect(fromHttpStatus(403, 'Forbidden: bot was blocked by the user', { code: 'blocked' })).toMatchObject({
      kind: 'permanent',
      status: 403,
      code: 'blocked',
    });
  });
});

describe('fromNetworkFailure', () => {
  it("takes the error's own code", () => {
    const err = fromNetworkFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }), 'sendMessage');
    expect(err).toMatchObject({ kind: 'retryable', code: 'ECONNREFUSED', message: 'sendMessage failed: ECONNREFUSED' });
  });

  it("takes the code of the error's cause, as fetch reports it", () => {
    const err = fromNetworkFailure(new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }), 'POST /v1/Conversations');
    expect(err).toMatchObject({ kind: 'retryable', code: 'UND_ERR_SOCKET', message: 'POST /v1/Conversations failed: UND_ERR_SOCKET' });
  });

  it('prefers the own code to the cause code', () => {
    const err = new Error('x', { cause: { code: 'ECONNRESET' } });
    expect(fromNetworkFailure(Object.assign(err, { code: 'EPIPE' }), 'upload').code).toBe('EPIPE');
  });

  it('calls a TimeoutError ETIMEDOUT', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(fromNetworkFailure(timeout, 'getUpdates')).toMatchObject({ kind: 'retryable', code: 'ETIMEDOUT', message: 'getUpdates failed: ETIMEDOUT' });
  });

  it.each([
    ['a plain error', new Error('something broke')],
    ['a numeric code', Object.assign(new Error('odd'), { code: 42 })],
    ['a string', 'nope'],
    ['null', null],
    ['undefined', undefined],
  ])('calls anything else ENETWORK (%s)', (_what, thrown) => {
    expect(fromNetworkFailure(thrown, 'send')).toMatchObject({ kind: 'retryable', code: 'ENETWORK', message: 'send failed: ENETWORK' });
  });

  it('is ambiguous only when asked', () => {
    const refused = Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    expect(fromNetworkFailure(refused, 'send').ambiguous).toBe(false);
    expect(fromNetworkFailure(refused, 'send', {}).ambiguous).toBe(false);
    expect(fromNetworkFailure(refused, 'send', { ambiguous: false }).ambiguous).toBe(false);
    expect(fromNetworkFailure(refused, 'send', { ambiguous: true }).ambiguous).toBe(true);
  });
});

describe('networkCodeOf', () => {
  it('finds no code where there is none', () => {
    expect(networkCodeOf(new Error('x'))).toBeUndefined();
    expect(networkCodeOf(null)).toBeUndefined();
    expect(networkCodeOf({ cause: { code: 'ECONNRESET' } })).toBe('ECONNRESET');
  });
});

describe('asDeliveryError', () => {
  it('returns a DeliveryError as it is', () => {
    const err = permanent('chat not found', { code: 400 });
    expect(asDeliveryError(err)).toBe(err);
  });

  it('makes any other error retryable, keeping its message and cause', () => {
    const cause = new TypeError('Cannot read properties of undefined');
    const err = asDeliveryError(cause);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ kind: 'retryable', message: 'Cannot read properties of undefined', ambiguous: false });
    expect(err.cause).toBe(cause);
  });

  it('makes a thrown non-error retryable too', () => {
    expect(asDeliveryError('boom')).toMatchObject({ kind: 'retryable', message: 'boom' });
    expect(asDeliveryError(undefined)).toMatchObject({ kind: 'retryable', message: 'undefined' });
  });
});
