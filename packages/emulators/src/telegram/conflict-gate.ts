import type { BotApiError } from './api-error.js';

/**
 * How the Bot API server answers 409 Conflict: at once when no 409 went out in the last 3 seconds,
 * otherwise 3 seconds late, so a second bot instance fighting over getUpdates is slowed down
 * (tdlib/telegram-bot-api, `Client::fail_query_conflict`). `delayMs` is both the window and the delay.
 */
export class ConflictGate {
  private nextImmediateAt = -Infinity;

  constructor(
    private readonly now: () => number,
    private readonly delayMs: number,
    /** Aborted when the emulator stops: a delayed 409 is then answered at once. */
    private readonly stopping: AbortSignal,
  ) {}

  /** Rejects with the 409 `error`, now or after the delay. */
  async refuse(error: BotApiError): Promise<never> {
    const now = this.now();
    if (now >= this.nextImmediateAt) this.nextImmediateAt = now + this.delayMs;
    else await this.wait();
    throw error;
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopping.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.stopping.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, this.delayMs);
      this.stopping.addEventListener('abort', done, { once: true });
    });
  }
}
