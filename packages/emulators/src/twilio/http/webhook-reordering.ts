import { prng } from '../../shared/prng.js';

/**
 * Twilio does not document the order in which it delivers the webhooks of one conversation. With this
 * option the emulator sometimes holds a call back so that the conversation's next call overtakes it;
 * which calls are held follows from the seed alone, so a run can be replayed.
 */
export interface WebhookReordering {
  seed: number;
  /** The chance that a call is held back (default 0.5). */
  probability?: number;
  /** How long a held call waits for the next call of its conversation before it goes anyway (default 100 ms). */
  maxHoldMs?: number;
}

const DEFAULT_PROBABILITY = 0.5;
const DEFAULT_MAX_HOLD_MS = 100;

/** Decides when each webhook call joins its conversation's queue. */
export class ReorderingGate {
  private readonly random: () => number;
  private readonly held = new Map<string, { enqueue: () => void; timer: NodeJS.Timeout }>();

  constructor(private readonly options: WebhookReordering) {
    this.random = prng(options.seed);
  }

  /** Runs `enqueue` now, or holds it back until the conversation's next call has been enqueued (or the hold ends). */
  admit(conversationSid: string, enqueue: () => void): void {
    const waiting = this.held.get(conversationSid);
    if (waiting) {
      this.held.delete(conversationSid);
      clearTimeout(waiting.timer);
      enqueue();
      waiting.enqueue();
      return;
    }
    if (this.random() >= (this.options.probability ?? DEFAULT_PROBABILITY)) {
      enqueue();
      return;
    }
    const timer = setTimeout(() => {
      this.held.delete(conversationSid);
      enqueue();
    }, this.options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS);
    timer.unref();
    this.held.set(conversationSid, { enqueue, timer });
  }
}
