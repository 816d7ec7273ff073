import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { OutboxRow, Store } from '../store/store.js';
import { retryDelayMs, type RetryPolicy } from './backoff.js';
import { asDeliveryError, DeliveryPostponed } from '../core/delivery-error.js';
import { isServiceDown, ServiceOutages } from './outages.js';

/** Floor for idle waits, so a row that is due but not claimable (leased elsewhere) cannot cause a spin. */
const MIN_IDLE_MS = 10;

/** What became of one delivery attempt; `postponed` rows were not tried (a limit of the bridge's own). */
export type DeliveryOutcome = 'delivered' | 'retried' | 'postponed' | 'dead-lettered';

export interface OutboxWorkerOptions {
  readonly store: Store;
  readonly deliver: (row: OutboxRow) => Promise<void>;
  readonly onDeadLettered: (row: OutboxRow, reason: string) => Promise<void>;
  readonly policy: RetryPolicy;
  readonly log: Logger;
  readonly concurrency?: number;
  readonly leaseMs?: number;
  /** Upper bound on idle sleeps, so rows enqueued by other processes are seen. */
  readonly pollMs?: number;
  readonly onOutcome?: (row: OutboxRow, outcome: DeliveryOutcome, ms: number) => void;
  /**
   * The service a row goes to, as the prefix of its keys: when that service answers again after an
   * outage, the rows waiting only for it go at once instead of when their backoff runs out.
   */
  readonly serviceOf?: (row: OutboxRow) => string;
}

/**
 * Delivers outbox rows: each key's rows one at a time and in order (the store hands out only the
 * oldest pending row of a key), many keys at once. Failures are retried with backoff or dead-lettered.
 */
export class OutboxWorker {
  readonly owner = randomUUID();
  private readonly inflight = new Set<Promise<void>>();
  private readonly inflightIds = new Set<number>();
  private renewTimer: NodeJS.Timeout | undefined;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private readonly outages = new ServiceOutages();

  constructor(private readonly opts: OutboxWorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
    // Leases are short so a crashed process's rows come back quickly; live deliveries keep theirs.
    const leaseMs = this.leaseMs;
    this.renewTimer = setInterval(() => {
      if (this.inflightIds.size === 0) return;
      this.opts.store.renewLeases(this.owner, [...this.inflightIds], Date.now() + leaseMs).catch((err: unknown) => {
        this.opts.log.warn({ err }, 'could not renew outbox leases');
      });
    }, leaseMs / 3);
    this.renewTimer.unref();
  }

  private get leaseMs(): number {
    return this.opts.leaseMs ?? 30_000;
  }

  /** Something was enqueued or finished: look for work now. */
  wake = (): void => {
    this.woken = true;
    this.wakeUp?.();
  };

  get busy(): number {
    return this.inflight.size;
  }

  /** Stops claiming; waits up to `graceMs` for deliveries in flight. Unfinished rows stay for the next start. */
  async stop(graceMs = 10_000): Promise<void> {
    this.running = false;
    this.wake();
    await this.loopDone;
    clearInterval(this.renewTimer);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.allSettled([...this.inflight]), deadline]);
    clearTimeout(timer);
  }

  private async loop(): Promise<void> {
    const concurrency = this.opts.concurrency ?? 32;
    while (this.running) {
      this.woken = false;
      const free = concurrency - this.inflight.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const rows = await this.opts.store.claimDue(this.owner, free, this.leaseMs);
          claimed = rows.length;
          for (const row of rows) this.track(row.id, this.run(row));
        } catch (err) {
          this.opts.log.error({ err }, 'outbox claim failed; will retry');
        }
      }
      if (claimed === free && free > 0) continue;
      await this.idle();
      // Deliveries that end in one turn of the event loop each wake the loop: claiming after that
      // turn takes rows for all of them in one store transaction, rather than one transaction each.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private track(id: number, p: Promise<void>): void {
    this.inflight.add(p);
    this.inflightIds.add(id);
    void p.finally(() => {
      this.inflight.delete(p);
      this.inflightIds.delete(id);
      this.wake();
    });
  }

  private async idle(): Promise<void> {
    if (this.woken || !this.running) return;
    const pollMs = this.opts.pollMs ?? 1_000;
    let waitMs = pollMs;
    // While deliveries are in flight, each one that ends wakes the loop, which then claims whatever
    // became due meanwhile; pollMs bounds the wait if they all hang. So the due time is only worth
    // asking for when nothing is in flight: under load it would be asked after every delivery, and
    // the store has to look at every pending row to answer.
    if (this.inflight.size === 0) {
      try {
        const due = await this.opts.store.nextDueAt();
        if (due !== undefined) waitMs = Math.max(MIN_IDLE_MS, Math.min(pollMs, due - Date.now()));
      } catch {
        // The claim in the next round reports store failures.
      }
    }
    if (this.woken || !this.running) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = undefined;
  }

  private async run(row: OutboxRow): Promise<void> {
    const { store, log, policy } = this.opts;
    const started = performance.now();
    try {
      await this.opts.deliver(row);
      this.serviceAnswered(row);
      await store.complete(row.id);
      const ms = performance.now() - started;
      log.debug({ outboxId: row.id, key: row.key, attempts: row.attempts + 1, ms: Math.round(ms) }, 'outbox row delivered');
      this.opts.onOutcome?.(row, 'delivered', ms);
      return;
    } catch (caught) {
      if (caught instanceof DeliveryPostponed) return this.postpone(row, caught, started);
      const err = asDeliveryError(caught);
      const attempts = row.attempts + 1;
      const context = { outboxId: row.id, key: row.key, attempts, code: err.code, status: err.status };
      try {
        if (err.kind === 'permanent' || attempts >= policy.maxAttempts) {
          const reason = err.kind === 'permanent' ? err.message : `gave up after ${attempts} attempts: ${err.message}`;
          await store.deadLetter(row.id, reason);
          log.error({ ...context, reason }, 'outbox row dead-lettered');
          this.opts.onOutcome?.(row, 'dead-lettered', performance.now() - started);
          await this.opts.onDeadLettered(row, reason);
        } else {
          const delay = retryDelayMs(row.attempts, err, policy);
          const serviceDown = isServiceDown(err);
          if (serviceDown && this.opts.serviceOf) this.outages.failed(this.opts.serviceOf(row));
          await store.retryLater(row.id, Date.now() + delay, err.message, err.ambiguous || row.ambiguous, serviceDown);
          log.warn({ ...context, retryInMs: Math.round(delay), error: err.message }, 'delivery failed; will retry');
          this.opts.onOutcome?.(row, 'retried', performance.now() - started);
        }
      } catch (storeErr) {
        // The lease expires and another round retries the row; nothing is lost.
        log.error({ err: storeErr, outboxId: row.id }, 'could not record a delivery failure');
      }
    }
  }

  /** After an outage, what waited for the service goes now: its retries may be minutes away. */
  private serviceAnswered(row: OutboxRow): void {
    const service = this.opts.serviceOf?.(row);
    if (service === undefined || !this.outages.answered(service)) return;
    this.opts.store.wakeAfterOutage(service).then(
      (woken) => {
        this.opts.log.info({ service, woken }, 'service answers again: what waited for it goes now');
        if (woken > 0) this.wake();
      },
      (err: unknown) => this.opts.log.warn({ err, service }, 'could not wake the rows that waited for a service'),
    );
  }

  private async postpone(row: OutboxRow, postponed: DeliveryPostponed, started: number): Promise<void> {
    try {
      await this.opts.store.postpone(row.id, Date.now() + postponed.retryAfterMs);
      this.opts.log.info({ outboxId: row.id, key: row.key, retryInMs: postponed.retryAfterMs, reason: postponed.message }, 'delivery postponed');
      this.opts.onOutcome?.(row, 'postponed', performance.now() - started);
    } catch (storeErr) {
      // The lease expires and another round takes the row again; nothing is lost.
      this.opts.log.error({ err: storeErr, outboxId: row.id }, 'could not postpone a delivery');
    }
  }
}
