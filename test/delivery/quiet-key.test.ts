import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OutboxWorker } from '../../src/delivery/worker.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { NewOutboxRow, OutboxRow } from '../../src/store/store.js';

const BACKLOGGED_KEYS = 20;
const ROWS_PER_KEY = 10;

const notice = (key: string, text: string): NewOutboxRow => ({
  key,
  direction: 'to-customer',
  payload: { kind: 'notice', user: { network: 'telegram', externalUserId: key }, flexSid: 'CH1', text },
});

describe('a customer with nothing queued, while others drain a backlog', () => {
  let worker: OutboxWorker | undefined;
  let store: SqliteStore | undefined;

  afterEach(async () => {
    await worker?.stop(0);
    await store?.close();
    vi.useRealTimers();
  });

  it('goes before the turns of the backlogged customers, not after their backlogs', async () => {
    // Only Date is faked: each delivery takes one millisecond of it, so the order is the same on any machine.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    store = new SqliteStore(':memory:');
    for (let k = 0; k < BACKLOGGED_KEYS; k++) {
      await store.enqueue(Array.from({ length: ROWS_PER_KEY }, (_, i) => notice(`backlog-${k}`, `row ${i}`)));
    }
    // The network was down for a while: the backlog was queued long before what comes next.
    vi.setSystemTime(1_015_000);

    const delivered: string[] = [];
    let quietDelivered!: () => void;
    const quietDone = new Promise<void>((resolve) => (quietDelivered = resolve));
    const s = store;
    worker = new OutboxWorker({
      store: s,
      deliver: async (row: OutboxRow) => {
        vi.setSystemTime(Date.now() + 1);
        delivered.push(row.key);
        if (row.key === 'quiet') quietDelivered();
        // The quiet customer's agent writes while the backlog drains.
        if (delivered.length === BACKLOGGED_KEYS) await s.enqueue([notice('quiet', 'hello')]);
      },
      onDeadLettered: async () => {},
      policy: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 100 },
      log: pino({ level: 'silent' }),
      concurrency: 2,
      pollMs: 20,
    });
    worker.start();
    await quietDone;

    const waitedBehind = delivered.indexOf('quiet') - BACKLOGGED_KEYS;
    // It went after every other row of the backlog (180) when rows kept their queueing time, after
    // one row of each backlogged key (up to 20) once keys took turns, and now after the deliveries
    // that had a slot already.
    expect(waitedBehind).toBeLessThanOrEqual(2);
  });
});
