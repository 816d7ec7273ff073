import type { Logger } from 'pino';
import type { FlexBackend, FlexMessageEvent } from '../flex/backend.js';
import type { Conversation, Store } from '../store/store.js';
import type { Acceptance } from './bridge.js';

export interface CatchUpOptions {
  readonly store: Store;
  readonly flex: FlexBackend;
  /** The webhook intake; deduplicates by MessageSid, so a message it already has is a no-op. */
  readonly accept: (event: FlexMessageEvent) => Promise<Acceptance>;
  /** Older messages are left alone: their dedupe keys may have been pruned. */
  readonly maxAgeMs: number;
  readonly log: Logger;
  /** Called after held rows were released, so delivery starts without waiting for a poll. */
  readonly onReleased: () => void;
}

/**
 * Twilio does not retry a Conversations webhook that failed, so an agent message sent while the
 * bridge was down, or whose webhook got lost, would never reach the customer. This reads a chat's
 * latest messages back and takes in the ones the webhooks missed: for every open chat at start, and
 * for a chat whose webhook shows a gap in its indexes. After a chat is read back nothing before its
 * latest message is missing, so the rows waiting for one (ChatOrder) are released.
 */
export class CatchUp {
  private readonly scheduled = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly opts: CatchUpOptions) {}

  get supported(): boolean {
    return this.opts.flex.recentMessages !== undefined;
  }

  /** Reads the chat back after `delayMs`, once however often it is asked in the meantime. */
  schedule(conversation: Conversation, delayMs: number): void {
    const flexSid = conversation.flexSid;
    if (!this.supported || this.stopped || !flexSid || this.scheduled.has(flexSid)) return;
    const timer = setTimeout(() => {
      this.chat(conversation)
        .catch((err: unknown) => this.opts.log.warn({ err, flexSid }, 'reading a chat back failed; held messages go when their wait ends'))
        .finally(() => this.scheduled.delete(flexSid));
    }, delayMs);
    timer.unref();
    this.scheduled.set(flexSid, timer);
  }

  /** Takes in the chat's messages the webhooks missed; resolves to how many there were. */
  async chat(conversation: Conversation): Promise<number> {
    const flexSid = conversation.flexSid;
    if (!flexSid) return 0;
    const recent = (await this.opts.flex.recentMessages?.(flexSid)) ?? [];
    const since = Date.now() - this.opts.maxAgeMs;
    let recovered = 0;
    for (const message of recent) {
      if (message.createdAt < since) continue;
      const { createdAt: _createdAt, ...event } = message;
      if ((await this.opts.accept(event)) === 'accepted') recovered++;
    }
    if (recovered > 0) this.opts.log.warn({ flexSid, recovered }, 'agent messages whose webhook never came were read back from flex');
    const latest = recent.at(-1)?.index;
    if (latest !== undefined) await this.opts.store.noteFlexIndex(conversation.id, latest, true);
    await this.opts.store.releaseHeld(flexSid);
    this.opts.onReleased();
    return recovered;
  }

  /** Reads back every open chat, one after another; a chat that fails is logged and skipped. */
  async allOpen(): Promise<number> {
    if (!this.supported) return 0;
    let recovered = 0;
    for (const conversation of await this.opts.store.listConversations({ status: 'active', limit: 100_000 })) {
      if (this.stopped) break;
      try {
        recovered += await this.chat(conversation);
      } catch (err) {
        this.opts.log.warn({ err, flexSid: conversation.flexSid }, 'reading a chat back failed');
      }
    }
    return recovered;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.scheduled.values()) clearTimeout(timer);
    this.scheduled.clear();
  }
}
