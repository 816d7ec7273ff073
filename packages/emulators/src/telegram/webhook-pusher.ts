import { unixSeconds } from './ids.js';
import type { TgUpdate, WebhookDelivery } from './types.js';
import { updateKind, type UpdateQueue } from './updates.js';

export interface WebhookConfig {
  url: string;
  secretToken?: string;
  maxConnections: number;
}

export interface WebhookRetryOptions {
  /** Delay after an update's first failed attempt; doubles per failure up to `maxDelayMs` (Telegram: 1 s up to 60–120 s). */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A `Retry-After` answer is waited out, up to this long (Telegram: 3600 s). */
  maxRetryAfterMs: number;
  /** How long the receiver may take to answer one POST. */
  requestTimeoutMs: number;
}

/** A receiver that answers nothing but 410 Gone for this long loses its webhook (tdlib/telegram-bot-api, WebhookActor `WEBHOOK_DROP_TIMEOUT`). */
export const GONE_CLOSES_WEBHOOK_AFTER_MS = 23 * 3600_000;

/** Short delays, so that tests and the sandbox see a redelivery at once. */
export const DEFAULT_WEBHOOK_RETRY: WebhookRetryOptions = { initialDelayMs: 100, maxDelayMs: 2000, maxRetryAfterMs: 3_600_000, requestTimeoutMs: 10_000 };

/**
 * Delivers queued updates to the webhook as Telegram does: one queue per chat, in order within a
 * chat, and up to `maxConnections` chats at once. An update leaves the queue once the receiver
 * answered 2xx; otherwise it is retried after `Retry-After` or with backoff, until the webhook is
 * changed or deleted, the emulator stops, or the update would expire before the next attempt. A
 * receiver that has answered only 410 for 23 hours has its webhook deleted.
 */
export class WebhookPusher {
  readonly deliveries: WebhookDelivery[] = [];
  private config: WebhookConfig | undefined;
  private lastError: { date: number; message: string } | undefined;
  private run: { controller: AbortController; done: Promise<void> } | undefined;
  private nextSetAllowedAt = -Infinity;
  /** When the current run of 410 answers began (any other answer ends it). */
  private goneSince: number | undefined;

  constructor(
    private readonly queue: UpdateQueue,
    private readonly onDelivery: (delivery: WebhookDelivery) => void,
    private readonly retry: WebhookRetryOptions = DEFAULT_WEBHOOK_RETRY,
    private readonly now: () => number = Date.now,
  ) {}

  get current(): WebhookConfig | undefined {
    return this.config;
  }

  get lastErrorInfo(): { date: number; message: string } | undefined {
    return this.lastError;
  }

  /** Telegram takes one setWebhook with a URL per second per bot: whether this one may go (it is then counted). */
  claimSetWebhook(): boolean {
    const now = this.now();
    if (now < this.nextSetAllowedAt) return false;
    this.nextSetAllowedAt = now + 1000;
    return true;
  }

  /** Sets (or with undefined removes) the webhook, after the running delivery loop has stopped. */
  async configure(config: WebhookConfig | undefined): Promise<void> {
    await this.stop();
    this.config = config;
    this.lastError = undefined;
    this.goneSince = undefined;
    if (config) {
      const controller = new AbortController();
      this.run = { controller, done: this.deliverLoop(config, controller.signal) };
    }
  }

  async stop(): Promise<void> {
    const run = this.run;
    this.run = undefined;
    run?.controller.abort();
    await run?.done;
  }

  private async deliverLoop(config: WebhookConfig, signal: AbortSignal): Promise<void> {
    const busyChats = new Set<string>();
    const sending = new Set<Promise<void>>();
    while (!signal.aborted && !this.queue.isClosed) {
      const update = sending.size < config.maxConnections ? this.nextToSend(busyChats) : undefined;
      if (!update) {
        const arrival = new AbortController();
        await Promise.race([this.queue.nextArrival(AbortSignal.any([signal, arrival.signal])), ...sending]);
        arrival.abort();
        continue;
      }
      const chat = queueKeyOf(update);
      busyChats.add(chat);
      const task: Promise<void> = this.deliver(config, update, signal).finally(() => {
        busyChats.delete(chat);
        sending.delete(task);
      });
      sending.add(task);
    }
    await Promise.all(sending);
  }

  /** The oldest update of the first chat that has nothing in flight. */
  private nextToSend(busyChats: ReadonlySet<string>): TgUpdate | undefined {
    const seen = new Set<string>();
    for (const update of this.queue.current()) {
      const chat = queueKeyOf(update);
      if (seen.has(chat)) continue;
      seen.add(chat);
      if (!busyChats.has(chat)) return update;
    }
    return undefined;
  }

  /** Attempts one update until it is delivered or given up on. */
  private async deliver(config: WebhookConfig, update: TgUpdate, signal: AbortSignal): Promise<void> {
    let backoffMs = this.retry.initialDelayMs;
    for (let attempt = 1; ; attempt++) {
      const result = await this.post(config, update, attempt, signal);
      if (signal.aborted) return;
      if (result.status !== undefined) this.goneSince = result.status === 410 ? (this.goneSince ?? result.at) : undefined;
      if (this.goneSince !== undefined && result.at > this.goneSince + GONE_CLOSES_WEBHOOK_AFTER_MS) {
        this.record({ ...result, closedWebhook: true });
        this.closeRun();
        return;
      }
      if (result.ok) {
        this.queue.remove(update.update_id);
        this.record(result);
        return;
      }
      this.lastError = { date: unixSeconds(result.at), message: result.error ?? '' };
      const waitMs = result.retryAfterMs ?? backoffMs;
      if (this.now() + waitMs >= this.queue.expiresAt(update)) {
        this.queue.remove(update.update_id);
        this.record({ ...result, dropped: true });
        return;
      }
      this.record({ ...result, retryInMs: waitMs });
      if (result.retryAfterMs === undefined) backoffMs = Math.min(this.retry.maxDelayMs, backoffMs * 2);
      await sleep(waitMs, signal);
      if (signal.aborted) return;
    }
  }

  /** Telegram deletes the webhook: the delivery loop ends, the queued updates stay for getUpdates. */
  private closeRun(): void {
    this.config = undefined;
    this.run?.controller.abort();
    this.run = undefined;
  }

  private record({ retryAfterMs: _, ...delivery }: WebhookDelivery & { retryAfterMs?: number }): void {
    this.deliveries.push(delivery);
    this.onDelivery(delivery);
  }

/** One POST of `update`; never throws. */
  private async post(
    config: WebhookConfig,
    update: TgUpdate,
    attempt: number,
    signal: AbortSignal,
  ): Promise<WebhookDelivery & { retryAfterMs?: number }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (config.secretToken) headers['x-telegram-bot-api-secret-token'] = config.secretToken;
    const base = { update_id: update.update_id, url: config.url, attempt };
    try {
      const response = await fetch(config.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(update),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.retry.requestTimeoutMs)]),
      });
      await response.arrayBuffer();
      const retryAfterMs = response.ok ? undefined : this.retryAfterMs(response.headers.get('retry-after'));
      return {
        ...base,
        ok: response.ok,
        status: response.status,
        ...(response.ok ? {} : { error: `Wrong response from the webhook: ${response.status} ${response.statusText}` }),
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        at: this.now(),
      };
    } catch (error) {
      return { ...base, ok: false, error: describeNetworkError(error), at: this.now() };
    }
  }

  /** `Retry-After` in seconds (Telegram reads no HTTP dates), capped. */
  private retryAfterMs(header: string | null): number | undefined {
    if (header === null || !/^\d+$/.test(header.trim())) return undefined;
    return Math.min(this.retry.maxRetryAfterMs, Number(header.trim()) * 1000);
  }
}

/** Telegram keeps a delivery queue per chat; updates without a chat share one. */
function queueKeyOf(update: TgUpdate): string {
  const kind = updateKind(update);
  const content = kind === undefined ? undefined : (update[kind] as { chat?: { id?: unknown } } | undefined);
  return String(content?.chat?.id ?? '');
}

/** The wording Telegram shows in `last_error_message` for the common cases. */
function describeNetworkError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'Read timeout expired';
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code === 'ECONNREFUSED') return 'Connection refused';
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
