import { conflict } from './api-error.js';
import type { TgUpdate } from './types.js';

/** Kinds Telegram leaves out unless `allowed_updates` names them explicitly. */
const OPT_IN_KINDS = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

/** Telegram caps a long poll at 50 seconds. */
const MAX_POLL_SECONDS = 50;
/** An update no one confirmed is dropped a day after the date of the message it carries (or after it was queued). */
export const UPDATE_LIFETIME_MS = 24 * 3600_000;
/** The same offset polled again this soon gets one update at most (Telegram's Client.cpp does so). */
const REPEATED_POLL_WINDOW_MS = 500;

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
 * webhook pusher consume from here; an update leaves when it is confirmed, or when it expires.
 */
export class UpdateQueue {
  private nextUpdateId = 1;
  private pending: TgUpdate[] = [];
  private readonly expiry = new Map<number, number>();
  private previousPoll: { offset: number; at: number } | undefined;
  private allowed: string[] | undefined;
  private readonly arrivalWaiters = new Set<() => void>();
  private activePoll: AbortController | undefined;
  private closed = false;

  /** `now` is the emulator's clock (Unix ms), which tests may move. */
  constructor(private readonly now: () => number = Date.now) {}

  get isClosed(): boolean {
    return this.closed;
  }

  get size(): number {
    return this.current().length;
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
    this.expiry.set(update.update_id, (messageDateMs(update) ?? this.now()) + UPDATE_LIFETIME_MS);
    this.wakeWaiters();
    return update;
  }

  /** The unexpired updates, oldest first. */
  current(): readonly TgUpdate[] {
    this.dropExpired();
    return this.pending;
  }

  /** When the update expires (Unix ms). */
  expiresAt(update: TgUpdate): number {
    return this.expiry.get(update.update_id) ?? Infinity;
  }

  /** Drops every update whose id is below `offset` (a negative offset keeps only the last -offset). */
  confirm(offset: number): void {
    if (offset < 0) this.keep(this.pending.slice(offset));
    else if (offset > 0) this.keep(this.pending.filter((update) => update.update_id >= offset));
  }

  /** Drops one update: delivered to the webhook, or given up on. */
  remove(updateId: number): void {
    this.keep(this.pending.filter((update) => update.update_id !== updateId));
  }

  clear(): void {
    this.keep([]);
  }

  /**
   * getUpdates: confirms by offset, then answers at once when updates are waiting or `timeoutSeconds`
   * is 0, else holds until an update arrives, the timeout ends or the queue closes. A newer poll or a
   * setWebhook ends a held poll with 409, as on Telegram.
   */
  async poll({ offset = 0, limit = 100, timeoutSeconds = 0, signal }: PollRequest): Promise<TgUpdate[]> {
    this.terminatePoll(conflict('terminated by other getUpdates request; make sure that only one bot instance is running'));
    this.confirm(offset);
    const now = this.now();
    const repeated = this.previousPoll?.offset === offset && now < this.previousPoll.at + REPEATED_POLL_WINDOW_MS;
    this.previousPoll = { offset, at: now };
    const count = repeated ? 1 : clamp(limit, 1, 100);
    const timeout = clamp(timeoutSeconds, 0, MAX_POLL_SECONDS);
    if (this.current().length > 0 || timeout === 0) return this.pending.slice(0, count);

    const poll = new AbortController();
    this.activePoll = poll;
    await this.nextArrival(AbortSignal.any([signal, poll.signal]), timeout * 1000);
    if (this.activePoll === poll) this.activePoll = undefined;
    if (poll.signal.aborted) throw poll.signal.reason;
    return this.current().slice(0, count);
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

  private keep(updates: TgUpdate[]): void {
    const kept = new Set(updates.map((update) => update.update_id));
    for (const update of this.pending) if (!kept.has(update.update_id)) this.expiry.delete(update.update_id);
    this.pending = updates;
  }

  private dropExpired(): void {
    const now = this.now();
    if (this.pending.some((update) => this.expiresAt(update) <= now)) this.keep(this.pending.filter((update) => this.expiresAt(update) > now));
  }

  private accepts(kind: string | undefined): boolean {
    if (kind === undefined) return false;
    return this.allowed ? this.allowed.includes(kind) : !OPT_IN_KINDS.has(kind);
  }

  private wakeWaiters(): void {
    for (const wake of [...this.arrivalWaiters]) wake();
  }
}

/** The `date` of the message (or member change) an update carries, in Unix ms. */
function messageDateMs(update: TgUpdate): number | undefined {
  const kind = updateKind(update);
  const content = kind === undefined ? undefined : (update[kind] as { date?: unknown } | undefined);
  return typeof content?.date === 'number' ? content.date * 1000 : undefined;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
