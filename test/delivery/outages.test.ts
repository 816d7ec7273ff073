import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { permanent, retryable } from '../../src/core/delivery-error.js';
import { isServiceDown, ServiceOutages } from '../../src/delivery/outages.js';
import { OutboxWorker } from '../../src/delivery/worker.js';
import { serviceKeyPrefix } from '../../src/bridge/outbox-keys.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { NewOutboxRow, OutboxRow } from '../../src/store/store.js';
import { eventually } from '../support/wait.js';

const notice = (network: string, user: string): NewOutboxRow => ({
  key: `customer:${network}:${user}`,
  direction: 'to-customer',
  payload: { kind: 'notice', user: { network, externalUserId: user }, flexSid: 'CH1', text: `to ${user}` },
});

describe('isServiceDown', () => {
  it('is a 5xx or a failure without an answer, not a rate limit, a refusal or a bug', () => {
    expect(isServiceDown(retryable('502', { status: 502 }))).toBe(true);
    expect(isServiceDown(retryable('refused', { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isServiceDown(retryable('429', { status: 429, retryAfterMs: 3_000 }))).toBe(false);
    expect(isServiceDown(retryable('503 with Retry-After', { status: 503, retryAfterMs: 3_000 }))).toBe(false);
    expect(isServiceDown(permanent('403', { status: 403 }))).toBe(false);
    expect(isServiceDown(retryable('TypeError: x is undefined'))).toBe(false);
  });
});

describe('ServiceOutages', () => {
  it('counts a service down after failures in a row, and up again at its next answer', () => {
    const outages = new ServiceOutages();
    outages.failed('customer:telegram:');
    outages.failed('customer:telegram:');
    expect(outages.answered('customer:telegram:'), 'two failures are one chat having trouble').toBe(false);
    for (let i = 0; i < 3; i++) outages.failed('customer:telegram:');
    expect(outages.answered('customer:discord:'), 'another service').toBe(false);
    expect(outages.answered('customer:telegram:')).toBe(true);
    expect(outages.answered('customer:telegram:'), 'once per outage').toBe(false);
  });
});

describe('serviceKeyPrefix', () => {
  it("names a customer's network, or the queue into Twilio", () => {
    expect(serviceKeyPrefix({ direction: 'to-customer', key: 'customer:telegram:42' })).toBe('customer:telegram:');
    expect(serviceKeyPrefix({ direction: 'to-flex', key: 'flex:discord:7' })).toBe('flex:');
    expect(serviceKeyPrefix({ direction: 'to-flex', key: 'survey:12' })).toBe('survey:');
  });
});

describe('rows that waited out an outage of their service', () => {
  let worker: OutboxWorker | undefined;
  let store: SqliteStore | undefined;

  afterEach(async () => {
    await worker?.stop(0);
    await store?.close();
  });

  it('go as soon as the service answers again, not when their backoff runs out; a rate-limited row keeps its wait', async () => {
    store = new SqliteStore(':memory:');
    let telegramUp = false;
    const delivered: string[] = [];
    worker = new OutboxWorker({
      store,
      deliver: async (row: OutboxRow) => {
        if (row.key === 'customer:telegram:limited' && delivered.length === 0) throw retryable('429', { status: 429, retryAfterMs: 600_000 });
        if (row.key.startsWith('customer:telegram:') && !telegramUp) throw retryable('502 Bad Gateway', { status: 502 });
        delivered.push(row.key);
      },
      onDeadLettered: async () => {},
      // Backoff long enough that only a wake-up can deliver the failed rows within the test.
      policy: { maxAttempts: 5, baseDelayMs: 600_000, maxDelayMs: 600_000 },
      log: pino({ level: 'silent' }),
      pollMs: 20,
      serviceOf: serviceKeyPrefix,
    });
    const failedOnce = async () => (await store!.listOutbox({ status: 'pending' })).filter((r) => r.attempts === 1).length;
    await store.enqueue(['limited', 'a', 'b', 'c'].map((user) => notice('telegram', user)));
    await store.enqueue([notice('discord', 'd')]);
    worker.start();
    await eventually(async () => (await failedOnce()) === 4 || undefined, 'every Telegram row failed once');
    expect(delivered, 'Discord was never down').toEqual(['customer:discord:d']);

    telegramUp = true;
    await store.enqueue([notice('telegram', 'fresh')]);
    await eventually(() => delivered.length === 5 || undefined, 'the rows that waited for Telegram go');
    expect(delivered.slice(1).sort()).toEqual(['customer:telegram:a', 'customer:telegram:b', 'customer:telegram:c', 'customer:telegram:fresh']);
    const [limited] = await store.listOutbox({ status: 'pending' });
    expect(limited?.key, 'the 429 row waits out its retry_after').toBe('customer:telegram:limited');
    expect(limited!.nextAttemptAt).toBeGreaterThan(Date.now() + 500_000);
  });

  it('a row failing alone among others that go is not woken by their answers', async () => {
    store = new SqliteStore(':memory:');
    const attempts = new Map<string, number>();
    worker = new OutboxWorker({
      store,
      deliver: async (row: OutboxRow) => {
        attempts.set(row.key, (attempts.get(row.key) ?? 0) + 1);
        if (row.key === 'customer:telegram:broken') throw retryable('500 for this chat', { status: 500 });
      },
      onDeadLettered: async () => {},
      policy: { maxAttempts: 5, baseDelayMs: 600_000, maxDelayMs: 600_000 },
      log: pino({ level: 'silent' }),
      pollMs: 20,
      serviceOf: serviceKeyPrefix,
    });
    await store.enqueue([notice('telegram', 'broken')]);
    worker.start();
    for (const user of ['a', 'b', 'c', 'd']) {
      await store.enqueue([notice('telegram', user)]);
      worker.wake();
      await eventually(() => attempts.get(`customer:telegram:${user}`) === 1 || undefined, `${user} delivered`);
    }
    expect(attempts.get('customer:telegram:broken')).toBe(1);
  });
});
