import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryPostponed, permanent, retryable } from '../../src/core/delivery-error.js';
import { OutboxWorker, type DeliveryOutcome } from '../../src/delivery/worker.js';
import type { OutboxRow, Store } from '../../src/store/store.js';
import { eventually } from '../support/wait.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const row = (id: number, more: Partial<OutboxRow> = {}): OutboxRow => ({
  id,
  key: `flex:telegram:${id}`,
  direction: 'to-flex',
  payload: { kind: 'notice', user: { network: 'telegram', externalUserId: String(id) }, flexSid: 'CH1', text: `notice ${id}` },
  status: 'pending',
  attempts: 0,
  nextAttemptAt: 0,
  lastError: null,
  ambiguous: false,
  createdAt: 0,
  ...more,
});

/** The part of the Store the worker uses; `pending` rows are handed out by the next claim. */
class FakeStore {
  readonly pending: OutboxRow[] = [];
  readonly claims: { owner: string; limit: number; leaseMs: number }[] = [];
  readonly renewals: { owner: string; ids: number[]; until: number; at: number }[] = [];
  readonly completed: number[] = [];
  readonly retries: { id: number; at: number; error: string; ambiguous: boolean }[] = [];
  readonly deadLetters: { id: number; reason: string }[] = [];
  readonly postponed: { id: number; at: number }[] = [];
  /** Every write, in order, shared with the test's own callbacks. */
  readonly events: string[];
  nextDueAtCalls = 0;

  constructor(events: string[]) {
    this.events = events;
  }

  async claimDue(owner: string, limit: number, leaseMs: number): Promise<OutboxRow[]> {
    this.claims.push({ owner, limit, leaseMs });
    return this.pending.splice(0, limit);
  }
  async renewLeases(owner: string, ids: readonly number[], until: number): Promise<void> {
    this.renewals.push({ owner, ids: [...ids], until, at: Date.now() });
  }
  async complete(id: number): Promise<void> {
    this.completed.push(id);
    this.events.push(`complete ${id}`);
  }
  async retryLater(id: number, at: number, error: string, ambiguous: boolean): Promise<void> {
    this.retries.push({ id, at, error, ambiguous });
    this.events.push(`retryLater ${id}`);
  }
  async postpone(id: number, at: number): Promise<void> {
    this.postponed.push({ id, at });
    this.events.push(`postpone ${id}`);
  }
  async deadLetter(id: number, reason: string): Promise<void> {
    this.deadLetters.push({ id, reason });
    this.events.push(`deadLetter ${id}`);
  }
  async nextDueAt(): Promise<number | undefined> {
    this.nextDueAtCalls++;
    return undefined;
  }
}

/** The fake as a Store: any method the worker is not expected to call throws. */
const asStore = (fake: FakeStore): Store =>
  new Proxy(fake, {
    get(target, prop, receiver) {
      if (prop in target) return Reflect.get(target, prop, receiver);
      return () => {
        throw new Error(`not used: Store.${String(prop)}`);
      };
    },
  }) as unknown as Store;

/** A delivery the test finishes by hand. */
const deferred = () => {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

const policy = { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 100 };

describe('OutboxWorker', () => {
  let worker: OutboxWorker | undefined;
  const cleanups: (() => void)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    await worker?.stop(0);
    worker = undefined;
  });

  const setup = (opts: {
    deliver: (row: OutboxRow) => Promise<void>;
    leaseMs?: number;
    pollMs?: number;
    rows?: OutboxRow[];
    onOutcome?: (outcome: DeliveryOutcome) => void;
  }) => {
    const events: string[] = [];
    const store = new FakeStore(events);
    store.pending.push(...(opts.rows ?? []));
    const deadLettered: { row: OutboxRow; reason: string }[] = [];
    const delivered: OutboxRow[] = [];
    const w = new OutboxWorker({
      store: asStore(store),
      deliver: async (r) => {
        delivered.push(r);
        events.push(`deliver ${r.id}`);
        await opts.deliver(r);
      },
      onDeadLettered: async (r, reason) => {
        deadLettered.push({ row: r, reason });
        events.push(`onDeadLettered ${r.id}`);
      },
      policy,
      log: pino({ level: 'silent' }),
      leaseMs: opts.leaseMs ?? 30_000,
      pollMs: opts.pollMs ?? 20,
      onOutcome: (_row, outcome) => opts.onOutcome?.(outcome),
    });
    worker = w;
    return { worker: w, store, events, deadLettered, delivered };
  };

  it('completes a row after a successful delivery', async () => {
    const { worker, store, events, delivered } = setup({ deliver: async () => {}, rows: [row(1)] });
    worker.start();

    await eventually(() => store.completed.length > 0, 'the row completed');
    expect(store.completed).toEqual([1]);
    expect(delivered).toEqual([row(1)]);
    expect(events).toEqual(['deliver 1', 'complete 1']);
    expect(store.retries).toEqual([]);
    expect(store.deadLetters).toEqual([]);
  });

  it('retries a retryable failure later, no sooner than its retryAfterMs, carrying ambiguous', async () => {
    const { worker, store, deadLettered } = setup({
      deliver: async () => {
        throw retryable('429 Too Many Requests', { retryAfterMs: 60_000, ambiguous: true });
      },
      rows: [row(1)],
    });
    const before = Date.now();
    worker.start();

    await eventually(() => store.retries.length > 0, 'a retry');
    const after = Date.now();
    const [retry] = store.retries;
    expect(retry).toMatchObject({ id: 1, error: '429 Too Many Requests', ambiguous: true });
    expect(retry!.at).toBeGreaterThanOrEqual(before + 60_000);
    expect(retry!.at).toBeLessThanOrEqual(after + 60_000);
    expect(store.completed).toEqual([]);
    expect(store.deadLetters).toEqual([]);
    expect(deadLettered).toEqual([]);
  });

  it('gives a postponed row back for later without counting an attempt, even on its last one', async () => {
    const outcomes: string[] = [];
    const { worker, store } = setup({
      deliver: async () => {
        throw new DeliveryPostponed('new telegram chats are over NEW_CHATS_PER_MINUTE', 9_000);
      },
      rows: [row(1, { attempts: policy.maxAttempts - 1 })],
      onOutcome: (outcome) => outcomes.push(outcome),
    });
    const before = Date.now();
    worker.start();

    await eventually(() => store.postponed.length > 0, 'the row postponed');
    expect(store.postponed[0]!.at).toBeGreaterThanOrEqual(before + 9_000);
    expect(store.retries).toEqual([]);
    expect(store.deadLetters).toEqual([]);
    expect(outcomes).toEqual(['postponed']);
  });

  it('keeps a row ambiguous once an earlier attempt was, and leaves a plain failure unambiguous', async () => {
    const { worker, store } = setup({
      deliver: async () => {
        throw retryable('503 Service Unavailable');
      },
      rows: [row(1, { ambiguous: true, attempts: 1 }), row(2)],
    });
    worker.start();

    await eventually(() => store.retries.length === 2, 'two retries');
    const byId = Object.fromEntries(store.retries.map((r) => [r.id, r.ambiguous]));
    expect(byId).toEqual({ 1: true, 2: false });
  });

  it('dead-letters a permanent failure, then reports it with the reason', async () => {
    const { worker, store, events, deadLettered } = setup({
      deliver: async () => {
        throw permanent('403 Forbidden: bot was blocked by the user');
      },
      rows: [row(7)],
    });
    worker.start();

    await eventually(() => deadLettered.length > 0, 'the dead-letter report');
    expect(store.deadLetters).toEqual([{ id: 7, reason: '403 Forbidden: bot was blocked by the user' }]);
    expect(deadLettered).toEqual([{ row: row(7), reason: '403 Forbidden: bot was blocked by the user' }]);
    expect(events).toEqual(['deliver 7', 'deadLetter 7', 'onDeadLettered 7']);
    expect(store.retries).toEqual([]);
    expect(store.completed).toEqual([]);
  });

  it("dead-letters a retryable failure once maxAttempts is reached, with 'gave up after N attempts'", async () => {
    const { worker, store, deadLettered } = setup({
      deliver: async () => {
        throw retryable('502 Bad Gateway');
      },
      rows: [row(1, { attempts: policy.maxAttempts - 1 }), row(2, { attempts: policy.maxAttempts - 2 })],
    });
    worker.start();

    await eventually(() => deadLettered.length === 1 && store.retries.length === 1, 'one dead letter and one retry');
    const reason = `gave up after ${policy.maxAttempts} attempts: 502 Bad Gateway`;
    expect(store.deadLetters).toEqual([{ id: 1, reason }]);
    expect(deadLettered.map((d) => [d.row.id, d.reason])).toEqual([[1, reason]]);
    expect(store.retries.map((r) => r.id)).toEqual([2]);
  });

  it('counts an error that is not a DeliveryError as retryable', async () => {
    const { worker, store, deadLettered } = setup({
      deliver: async () => {
        throw new TypeError('socket hang up');
      },
      rows: [row(1)],
    });
    worker.start();

    await eventually(() => store.retries.length > 0, 'a retry');
    expect(store.retries).toEqual([expect.objectContaining({ id: 1, error: 'socket hang up', ambiguous: false })]);
    expect(store.deadLetters).toEqual([]);
    expect(deadLettered).toEqual([]);
  });

  it("renews the lease of a delivery that hangs longer than leaseMs/3, as the worker's owner", async () => {
    const hanging = deferred();
    cleanups.push(hanging.resolve);
    const leaseMs = 30;
    const { worker, store } = setup({ deliver: () => hanging.promise, leaseMs, rows: [row(3)] });
    worker.start();

    await eventually(() => store.renewals.length >= 2, 'two lease renewals');
    for (const renewal of store.renewals) {
      expect(renewal.owner).toBe(worker.owner);
      expect(renewal.ids).toEqual([3]);
    }
    expect(store.claims[0]).toMatchObject({ owner: worker.owner, leaseMs });
    // Each renewal extends the lease by leaseMs from when it is made.
    const renewal = store.renewals.at(-1)!;
    expect(renewal.until - renewal.at).toBeGreaterThan(leaseMs / 2);
    expect(renewal.until - renewal.at).toBeLessThanOrEqual(leaseMs);

    hanging.resolve();
    await eventually(() => store.completed.length > 0, 'the row completed');
    const renewalsAtEnd = store.renewals.length;
    await sleep(4 * leaseMs);
    expect(store.renewals.length).toBe(renewalsAtEnd);
  });

  it('stop() waits for an in-flight delivery that finishes within grace, and claims nothing after it was called', async () => {
    const inflight = deferred();
    cleanups.push(inflight.resolve);
    const { worker, store, events, delivered } = setup({ deliver: (r) => (r.id === 1 ? inflight.promise : Promise.resolve()), rows: [row(1)] });
    worker.start();
    await eventually(() => delivered.length > 0, 'the delivery started');

    let stopped = false;
    const stopping = worker.stop(10_000).then(() => {
      stopped = true;
      events.push('stopped');
    });
    store.pending.push(row(2));
    const claimsAtStop = store.claims.length;
    await sleep(60);
    expect(stopped).toBe(false);

    inflight.resolve();
    await stopping;
    expect(events).toEqual(['deliver 1', 'complete 1', 'stopped']);
    await sleep(60);
    expect(store.claims.length).toBe(claimsAtStop);
    expect(delivered.map((r) => r.id)).toEqual([1]);
    expect(store.pending.map((r) => r.id)).toEqual([2]);
  });

  it('stop() returns after graceMs when a delivery hangs, leaving the row unfinished', async () => {
    const hanging = deferred();
    cleanups.push(hanging.resolve);
    const { worker, store, delivered } = setup({ deliver: () => hanging.promise, rows: [row(1)] });
    worker.start();
    await eventually(() => delivered.length > 0, 'the delivery started');

    const graceMs = 150;
    const started = Date.now();
    const outcome = await Promise.race([worker.stop(graceMs).then(() => 'stopped'), sleep(5_000).then(() => 'still waiting')]);

    expect(outcome).toBe('stopped');
    expect(Date.now() - started).toBeGreaterThanOrEqual(graceMs - 5); // timers may round down by a millisecond
    expect(store.completed).toEqual([]);
    expect(store.retries).toEqual([]);
    expect(store.deadLetters).toEqual([]);
  });

  it('wake() makes the worker claim without waiting for pollMs', async () => {
    const { worker, store, delivered } = setup({ deliver: async () => {}, pollMs: 60_000 });
    worker.start();
    // The first claim found nothing; the worker now sleeps for pollMs (a minute).
    await eventually(() => store.nextDueAtCalls > 0, 'the worker going idle');
    const claims = store.claims.length;
    expect(claims).toBe(1);

    store.pending.push(row(1));
    worker.wake();

    await eventually(() => store.completed.length > 0, 'the row delivered after wake()', 3_000);
    expect(store.claims.length).toBeGreaterThan(claims);
    expect(delivered.map((r) => r.id)).toEqual([1]);
  });
});
