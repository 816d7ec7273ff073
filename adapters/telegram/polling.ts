import type { Telegraf } from 'telegraf';
import { TelegramError } from 'telegraf';
import type { Update } from 'telegraf/types';
import type { Logger } from 'pino';
import { abortableSleep } from '../../src/core/abortable-sleep.js';

export const ALLOWED_UPDATES = ['message', 'edited_message', 'my_chat_member', 'callback_query'] as const;

/**
 * Long polling that confirms an update to Telegram only after the bridge stored it: the offset moves
 * past an update once `handle` resolved for it and every update before it, so a crash or a store
 * failure means Telegram sends it again. The updates of one chat are handled one at a time, in order,
 * so a customer's messages keep their order; different chats' updates are handled at once, so one
 * customer's slow update (a store round trip, a courtesy reply) does not hold up everyone else's.
 */
export class TelegramPoller {
  private abort = new AbortController();
  private done: Promise<void> = Promise.resolve();
  private offset = 0;
  running = false;
  lastSuccessAt: number | undefined;
  fatalError: string | undefined;

  constructor(
    private readonly bot: Telegraf,
    private readonly handle: (update: Update) => Promise<void>,
    private readonly log: Logger,
    private readonly timeoutSeconds = 50,
  ) {}

  start(): void {
    this.running = true;
    // A long poll answers only when an update arrives or after timeoutSeconds: until the first one
    // does, freshness counts from the start, or an idle bot would be "not ready" for its first poll.
    this.lastSuccessAt = Date.now();
    this.abort = new AbortController();
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.done;
    // Confirm what was stored, so a restart does not fetch it again (duplicates would be dropped anyway).
    if (this.offset > 0) {
      await this.bot.telegram.callApi('getUpdates', { offset: this.offset, limit: 1, timeout: 0 }).catch(() => undefined);
    }
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const updates = await this.bot.telegram.callApi(
          'getUpdates',
          { offset: this.offset, timeout: this.timeoutSeconds, allowed_updates: [...ALLOWED_UPDATES] },
          { signal: this.abort.signal as never },
        );
        this.lastSuccessAt = Date.now();
        failures = 0;
        await this.handleBatch(updates);
      } catch (err) {
        if (!this.running) return;
        if (err instanceof TelegramError && err.code === 401) {
          this.fatalError = 'Telegram rejected the bot token (401); polling stopped';
          this.log.fatal({ code: err.code }, this.fatalError);
          this.running = false;
          return;
        }
        failures++;
        const delay = retryDelay(err, failures);
        this.log.warn({ err, retryInMs: delay, offset: this.offset }, 'telegram polling failed; retrying');
        await abortableSleep(delay, this.abort.signal);
      }
    }
  }

  /** Handles a batch chat by chat; throws the first failure after moving the offset past what was stored. */
  private async handleBatch(updates: readonly Update[]): Promise<void> {
    const byChat = new Map<number | undefined, Update[]>();
    for (const update of updates) {
      const chat = chatOf(update);
      const queue = byChat.get(chat);
      if (queue) queue.push(update);
      else byChat.set(chat, [update]);
    }
    const stored = new Set<number>();
    let failure: { err: unknown } | undefined;
    await Promise.all(
      [...byChat.values()].map(async (chatUpdates) => {
        for (const update of chatUpdates) {
          try {
            await this.handle(update);
            stored.add(update.update_id);
          } catch (err) {
            // This chat's later updates wait for the next poll, so they stay behind this one.
            failure ??= { err };
            return;
          }
        }
      }),
    );
    // Updates stored after one that failed come again and are dropped as duplicates.
    for (const update of updates) {
      if (!stored.has(update.update_id)) break;
      this.offset = update.update_id + 1;
    }
    if (failure) throw failure.err;
  }
}

/** The chat an update comes from; updates without one form a queue of their own. */
function chatOf(update: Update): number | undefined {
  for (const value of Object.values(update)) {
    if (typeof value === 'object' && value !== null && 'chat' in value) return (value as { chat: { id: number } }).chat.id;
  }
  return undefined;
}

function retryDelay(err: unknown, failures: number): number {
  if (err instanceof TelegramError && err.parameters?.retry_after !== undefined) return err.parameters.retry_after * 1000;
  return Math.min(30_000, 250 * 2 ** Math.min(failures, 7)) * (0.5 + Math.random() / 2);
}
