import { conflict } from './api-error.js';
import type { TgUpdate } from './types.js';

/** Kinds Telegram leaves out unless `allowed_updates` names them explicitly. */
const OPT_IN_KINDS = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

/** Telegram caps a long poll at 50 seconds. */
const MAX_POLL_SECONDS = 50;

export interface PollRequest {
  /** First update_id wanted: earlier ones are confirmed and dropped; negative keeps only the last -offset. */
  offset?: number;
  limit?: number;
  timeoutSeconds?: number;
  /** Aborted when the client hangs up. */
  signal: AbortSignal;
}

export function updateKind(update: TgUpdate): string | undefined {
  return Object.keys(update).find((key) => key !== 'update_id');
}

/**
 * The bot's unconfirmed updates, in order, and the long poll over them. Both getUpdates and the
 * webhook pusher consume from here; an update leaves only when it is confirmed.
 */
export class UpdateQueue {
  private nextUpdateId = 1;
  private pending: TgUpdate[] = [];
  private allowed: string[] | undefined;
  private readonly arrivalWaiters = new Set<() => void>();
  private activePoll: AbortController | undefined;
  private closed = false;

  get isClosed(): boolean {
    return this.closed;
  }

  get size(): number {
    return this.pending.length;
  }

  /** The explicit `allowed_updates` filter, or undefined for Telegram's default. */
  get allowedUpdates(): string[] | undefined {
    return this.allowed && [...this.allowed];
  }

  /** Like Telegram, the filter applies to updates created from now on. `[]` restores the default. */
  setAllowedUpdates(kinds: string[]): void {
    this.allowed = kinds.length > 0 ? [...kinds] : undefined;
  }

  /** Queues an update with the next update_id, or returns undefined when the filter excludes its kind. */
  push(content: Record<string, unknown>): TgUpdate | undefined {
    const update: TgUpdate = { ...content, update_id: this.nextUpdateId };
    if (!this.accepts(updateKind(update))) return undefined;
    this.nextUpdateId += 1;
    this.pending.push(update);
    this.wakeWaiters();
    return update;
  }

  peek(): TgUpdate | undefined {
    return this.pending[0];
  }

  /** Drops every update whose id is below `offset` (a negative offset keeps only the last -offset). */
  confirm(offset: number): void {
    if (offset < 0) this.pending = this.pending.slice(offset);
    else if (offset > 0) this.pending = this.pending.filter((update) => update.update_id >= offset);
  }

  clear(): void {
    this.pending = [];
  }

  /**
   * getUpdates: confirms by offset, then answers at once when updates are waiting or `timeoutSeconds`
   * is 0, else holds until an update arrives, the timeout ends or the queue closes. A newer poll or a
   * setWebhook ends a held poll with 409, as on Telegram.
   */
  async poll({ offset = 0, limit = 100, timeoutSeconds = 0, signal }: PollRequest): Promise<TgUpdate[]> {
    this.terminatePoll(conflict('terminated by other getUpdates request; make sure that only one bot instance is running'));
    this.confirm(offset);
    const count = clamp(limit, 1, 100);
    const timeout = clamp(timeoutSeconds, 0, MAX_POLL_SECONDS);
    if (this.pending.length > 0 || timeout === 0) return this.pending.slice(0, count);

    const poll = new AbortController();
    this.activePoll = poll;
    await this.nextArrival(AbortSignal.any([signal, poll.signal]), timeout * 1000);
    if (this.activePoll === poll) this.activePoll = undefined;
    if (poll.signal.aborted) throw poll.signal.reason;
    return this.pending.slice(0, count);
  }

  /** Ends a held long poll with `error`. */
  terminatePoll(error: Error): void {
    this.activePoll?.abort(error);
    this.activePoll = undefined;
  }

  /** Resolves when an update is pushed, on abort, after `timeoutMs`, or at once when closed. */
  nextArrival(signal: AbortSignal, timeoutMs?: number): Promise<void> {
    if (this.closed || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.arrivalWaiters.delete(done);
        resolve();
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      this.arrivalWaiters.add(done);
    });
  }

  /** Releases every waiter now and from now on; held polls answer with what they have. */
  close(): void {
    this.closed = true;
    this.wakeWaiters();
  }

  private accepts(kind: string | undefined): boolean {
    if (kind === undefined) return false;
    return this.allowed ? this.allowed.includes(kind) : !OPT_IN_KINDS.has(kind);
  }

  private wakeWaiters(): void {
    for (const wake of [...this.arrivalWaiters]) wake();
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
