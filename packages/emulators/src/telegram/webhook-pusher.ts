import { unixSeconds } from './ids.js';
import type { TgUpdate, WebhookDelivery } from './types.js';
import type { UpdateQueue } from './updates.js';

export interface WebhookConfig {
  url: string;
  secretToken?: string;
  maxConnections: number;
}

export interface WebhookRetryOptions {
  /** Delay after the first failed attempt; doubles per failure up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** How long the receiver may take to answer one POST. */
  requestTimeoutMs: number;
}

export const DEFAULT_WEBHOOK_RETRY: WebhookRetryOptions = { initialDelayMs: 100, maxDelayMs: 2000, requestTimeoutMs: 10_000 };

/**
 * Delivers queued updates to the webhook one at a time, in order: an update is confirmed (leaves
 * the queue) only after the receiver answered 2xx; otherwise it is retried with backoff until the
 * webhook is changed, deleted or the emulator stops.
 */
export class WebhookPusher {
  readonly deliveries: WebhookDelivery[] = [];
  private config: WebhookConfig | undefined;
  private lastError: { date: number; message: string } | undefined;
  private run: { controller: AbortController; done: Promise<void> } | undefined;

  constructor(
    private readonly queue: UpdateQueue,
    private readonly onDelivery: (delivery: WebhookDelivery) => void,
    private readonly retry: WebhookRetryOptions = DEFAULT_WEBHOOK_RETRY,
  ) {}

  get current(): WebhookConfig | undefined {
    return this.config;
  }

  get lastErrorInfo(): { date: number; message: string } | undefined {
    return this.lastError;
  }

  /** Sets (or with undefined removes) the webhook, after the running delivery loop has stopped. */
  async configure(config: WebhookConfig | undefined): Promise<void> {
    await this.stop();
    this.config = config;
    this.lastError = undefined;
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
    let failedUpdateId: number | undefined;
    let failures = 0;
    while (!signal.aborted && !this.queue.isClosed) {
      const update = this.queue.peek();
      if (!update) {
        await this.queue.nextArrival(signal);
        continue;
      }
      if (update.update_id !== failedUpdateId) failures = 0;
      const delivery = await this.post(config, update, failures + 1, signal);
      if (signal.aborted) return;
      if (delivery.ok) this.queue.confirm(update.update_id + 1);
      else this.lastError = { date: unixSeconds(delivery.at), message: delivery.error ?? '' };
      this.deliveries.push(delivery);
      this.onDelivery(delivery);
      if (!delivery.ok) {
        failedUpdateId = update.update_id;
        failures += 1;
        await sleep(Math.min(this.retry.maxDelayMs, this.retry.initialDelayMs * 2 ** (failures - 1)), signal);
      }
    }
  }

  /** One POST of `update`; never throws. */
  private async post(config: WebhookConfig, update: TgUpdate, attempt: number, signal: AbortSignal): Promise<WebhookDelivery> {
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
      return {
        ...base,
        ok: response.ok,
        status: response.status,
        ...(response.ok ? {} : { error: `Wrong response from the webhook: ${response.status} ${response.statusText}` }),
        at: Date.now(),
      };
    } catch (error) {
      return { ...base, ok: false, error: describeNetworkError(error), at: Date.now() };
    }
  }
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
