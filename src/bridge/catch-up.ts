import type { Logger } from 'pino';
import type { Acceptance } from '../core/messages.js';
import type { FlexBackend, FlexMessageEvent } from '../flex/backend.js';
import { knows, missesBefore, withIndex } from '../store/known-indexes.js';
import type { ChatMapping, Store } from '../store/store.js';

const RECENT_CHAT_MS = 24 * 3600_000;
const RECENT_CHATS_READ_BACK = 1_000;
const SWEEP_MIN_INTERVAL_MS = 50;
const MAX_HANDED_OVER = 100_000;

export interface CatchUpOptions {
  readonly store: Store;
  readonly flex: FlexBackend;
  /** The webhook intake; deduplicates by MessageSid, so a message it already has is a no-op. */
  readonly accept: (event: FlexMessageEvent) => Promise<Acceptance>;
  /** Older messages are left alone: their dedupe keys may have been pruned. */
  readonly maxAgeMs: number;
  /** How long a held agent message waits for an earlier one (ReorderHold); 0: nothing is held. */
  readonly reorderHoldMs: number;
  readonly log: Logger;
  /** Called after held rows were released, so delivery starts without waiting for a poll. */
  readonly onReleased: () => void;
}

/**
 * Twilio does not retry a Conversations webhook that failed, so an agent message sent while the
 * bridge was down, or whose webhook got lost, would never reach the customer. This reads a chat's
 * latest messages back and takes in the ones the webhooks missed: for the recently active chats at
 * start, and for a chat whose next message shows a gap in its indexes. After a chat is read back
 * nothing before its latest message is missing, so the rows waiting for one (ReorderHold) are released.
 */
export class CatchUp {
  /** Chats to look at soon, with the highest index that showed a gap. */
  private readonly scheduled = new Map<string, { timer: NodeJS.Timeout; index: number }>();
  /** Chats read back after a customer's post, for what a Studio flow wrote there without a webhook. */
  private readonly followed = new Map<string, NodeJS.Timeout[]>();
  /** Chats an agent joined (seen by this process): Studio has handed them over and writes there no more. */
  private readonly handedOver = new Set<string>();
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping = false;
  private stopped = false;

  constructor(private readonly opts: CatchUpOptions) {}

  get supported(): boolean {
    return this.opts.flex.recentMessages !== undefined;
  }

  /**
   * The message at `index` showed a gap: after `delayMs`, unless the gap has closed by then (the late
   * webhook came, or the bridge's own post was recorded), reads the chat back. Once per chat however
   * often it is asked in the meantime.
   */
  schedule(mapping: ChatMapping, index: number, delayMs: number): void {
    const flexSid = mapping.flexSid;
    if (!this.supported || this.stopped || !flexSid) return;
    const pending = this.scheduled.get(flexSid);
    if (pending) {
      pending.index = Math.max(pending.index, index);
      return;
    }
    const timer = setTimeout(() => {
      this.closeGap(flexSid)
        .catch((err: unknown) => this.opts.log.warn({ err, flexSid }, 'reading a chat back failed; held messages go when their wait ends'))
        .finally(() => this.scheduled.delete(flexSid));
    }, delayMs);
    timer.unref();
    this.scheduled.set(flexSid, { timer, index });
  }

  /**
   * Studio's Send Message and Send & Wait For Reply widgets answer a customer's message without firing
   * a webhook: reads the chat back `delaysMs` after the customer's post, so their messages reach the
   * customer within seconds. A newer post starts the count again, so each chat has at most
   * `delaysMs.length` reads pending; none once an agent has joined the chat.
   */
  followAfterPost(mapping: ChatMapping, delaysMs: readonly number[]): void {
    const flexSid = mapping.flexSid;
    if (!this.supported || this.stopped || !flexSid || delaysMs.length === 0 || this.handedOver.has(flexSid)) return;
    for (const timer of this.followed.get(flexSid) ?? []) clearTimeout(timer);
    const timers = delaysMs.map((delayMs, i) => {
      const timer = setTimeout(() => {
        if (i === delaysMs.length - 1) this.followed.delete(flexSid);
        this.readBackIfOpen(flexSid).catch((err: unknown) => this.opts.log.warn({ err, flexSid }, 'reading a chat back after a post failed'));
      }, delayMs);
      timer.unref();
      return timer;
    });
    this.followed.set(flexSid, timers);
  }

  /** An agent joined the chat: posts there are no longer followed by reading it back. */
  agentJoined(flexSid: string): void {
    // Forgotten when the chat ends; a chat whose end this process never hears of is cleared here.
    if (this.handedOver.size >= MAX_HANDED_OVER) this.handedOver.clear();
    this.handedOver.add(flexSid);
    for (const timer of this.followed.get(flexSid) ?? []) clearTimeout(timer);
    this.followed.delete(flexSid);
  }

  /** The chat ended: nothing is known of it any more. */
  chatEnded(flexSid: string): void {
    this.handedOver.delete(flexSid);
  }

  private async readBackIfOpen(flexSid: string): Promise<void> {
    const mapping = await this.opts.store.mappingByFlexSid(flexSid);
    if (mapping?.status === 'active') await this.readBack(mapping);
  }

  private async closeGap(flexSid: string): Promise<void> {
    const index = this.scheduled.get(flexSid)?.index ?? 0;
    const mapping = await this.opts.store.mappingByFlexSid(flexSid);
    if (!mapping) return;
    if (missesBefore(mapping.knownIndexes, index)) {
      await this.readBack(mapping);
      return;
    }
    await this.opts.store.releaseReorderHold(flexSid, mapping.knownIndexes.through + 1);
    this.opts.onReleased();
  }

  /** Takes in the chat's messages the webhooks missed; resolves to how many there were. */
  async readBack(mapping: ChatMapping): Promise<number> {
    const flexSid = mapping.flexSid;
    if (!flexSid) return 0;
    const recent = (await this.opts.flex.recentMessages?.(flexSid)) ?? [];
    const since = Date.now() - this.opts.maxAgeMs;
    let recovered = 0;
    for (const message of recent) {
      if (message.createdAt < since) continue;
      // Offering a known message again only finds it a duplicate, at the cost of a full intake each:
      // on a busy machine, long enough for a held message's wait to run out meanwhile.
      if (message.index !== undefined && knows(mapping.knownIndexes, message.index)) continue;
      const { createdAt: _createdAt, ...event } = message;
      if ((await this.opts.accept(event)) === 'accepted') recovered++;
    }
    if (recovered > 0) this.opts.log.warn({ flexSid, recovered }, 'agent messages whose webhook never came were read back from flex');
    const latest = recent.at(-1)?.index;
    if (latest !== undefined) await this.opts.store.noteFlexIndex(mapping.id, latest, true);
    // Only rows up to the chat's read-back messages: a newer one's webhook may have come meanwhile,
    // with a gap of its own. Known indexes only grow, so this mapping's are a safe lower bound.
    const known = latest === undefined ? mapping.knownIndexes : withIndex(mapping.knownIndexes, latest, true);
    await this.opts.store.releaseReorderHold(flexSid, known.through + 1);
    this.opts.onReleased();
    return recovered;
  }

  /**
   * Reads back the chats whose pending messages wait for an earlier one (a process died before it
   * read them back): before delivery starts, since their wait may have run out meanwhile.
   */
  async readBackChatsWithGaps(): Promise<number> {
    if (!this.supported) return 0;
    return this.readBackAll(await this.opts.store.mappingsWithGaps());
  }

  /**
   * Reads back the open chats with traffic in the last day (at most a thousand, the latest first),
   * one after another; a chat that fails is logged and skipped. A quieter chat is read back when its
   * next message, from the agent or the customer, shows a gap.
   */
  async readBackRecentChats(): Promise<number> {
    if (!this.supported) return 0;
    return this.readBackAll(await this.opts.store.recentlyActiveMappings(Date.now() - RECENT_CHAT_MS, RECENT_CHATS_READ_BACK));
  }

  /**
   * The read-back a gap schedules lives in the process that saw the gap; if that process dies, its
   * held messages would go when their wait ends, ahead of the message they wait for. So every process
   * looks, several times per wait, for chats still holding a message for half its wait or more, and
   * reads them back while the message is still held.
   */
  startSweeping(): void {
    const holdMs = this.opts.reorderHoldMs;
    if (!this.supported || this.stopped || holdMs === 0 || this.sweeper) return;
    this.sweeper = setInterval(() => void this.readBackOverdueGaps(), Math.max(SWEEP_MIN_INTERVAL_MS, holdMs / 6));
    this.sweeper.unref();
  }

  /** Reads back the chats whose held messages have waited half their hold, unless this process is at it already. */
  async readBackOverdueGaps(): Promise<number> {
    if (this.sweeping || this.stopped) return 0;
    this.sweeping = true;
    try {
      const chats = await this.opts.store.mappingsHoldingForGaps(Date.now() - this.opts.reorderHoldMs / 2);
      return await this.readBackAll(chats.filter((chat) => chat.flexSid && !this.scheduled.has(chat.flexSid)));
    } catch (err) {
      this.opts.log.warn({ err }, 'looking for chats with overdue gaps failed');
      return 0;
    } finally {
      this.sweeping = false;
    }
  }

  private async readBackAll(chats: readonly ChatMapping[]): Promise<number> {
    let recovered = 0;
    for (const mapping of chats) {
      if (this.stopped) break;
      try {
        recovered += await this.readBack(mapping);
      } catch (err) {
        this.opts.log.warn({ err, flexSid: mapping.flexSid }, 'reading a chat back failed');
      }
    }
    return recovered;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.sweeper);
    for (const { timer } of this.scheduled.values()) clearTimeout(timer);
    this.scheduled.clear();
    for (const timers of this.followed.values()) timers.forEach(clearTimeout);
    this.followed.clear();
  }
}
