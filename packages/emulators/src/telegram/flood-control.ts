import { BotApiError } from './api-error.js';

/**
 * Telegram's flood limits on sending. It does not publish them exactly: "avoid sending more than
 * one message per second" to a chat, short bursts tolerated, and about 30 messages per second
 * overall (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
 */
export interface SendRateLimits {
  /** Messages per second to one chat (default 1). */
  perChatPerSecond?: number;
  /** Messages to one chat that may go at once before the rate applies (default 3). */
  perChatBurst?: number;
  /** Messages per second to all chats together, which is also the overall burst (default 30). */
  overallPerSecond?: number;
}

/** Refills `ratePerSecond` tokens a second, holding at most `capacity`. */
class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly capacity: number,
    private readonly ratePerSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  /** Milliseconds until a token is there; 0 when one is there now. */
  waitMs(now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSecond);
    this.updatedAt = now;
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.ratePerSecond) * 1000;
  }

  take(): void {
    this.tokens -= 1;
  }
}

/** Counts the bot's sends; when `limits` is given, one over them is answered 429 with `retry_after`. */
export class FloodControl {
  private readonly chats = new Map<number, TokenBucket>();
  private readonly overall: TokenBucket | undefined;

  constructor(
    private readonly limits: SendRateLimits | undefined,
    private readonly now: () => number,
  ) {
    const overall = limits?.overallPerSecond ?? 30;
    this.overall = limits && new TokenBucket(overall, overall, now());
  }

  /** Counts one message to `chatId`, or throws the 429 Telegram answers when it is one too many. */
  take(chatId: number): void {
    if (!this.limits || !this.overall) return;
    const now = this.now();
    const chat = this.chats.get(chatId) ?? new TokenBucket(this.limits.perChatBurst ?? 3, this.limits.perChatPerSecond ?? 1, now);
    this.chats.set(chatId, chat);
    const waitMs = Math.max(chat.waitMs(now), this.overall.waitMs(now));
    if (waitMs > 0) {
      const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
      throw new BotApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
    }
    chat.take();
    this.overall.take();
  }
}
