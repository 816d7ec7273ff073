import type { Logger } from 'pino';
import type { FlexBackend, RoutingEnd } from '../flex/backend.js';
import type { ChatMapping, Store } from '../store/store.js';

/** At most this many open chats (the newest) are asked about per sweep; older quiet ones are left to their close timer. */
const MAX_CHATS_PER_SWEEP = 200;

export interface UnattendedChatsOptions {
  readonly store: Store;
  readonly flex: FlexBackend;
  /** How often the open chats' tasks are looked at. */
  readonly intervalMs: number;
  /** With several processes, only the leader sweeps (one TaskRouter poll per chat, not one per process). */
  readonly isLeader: () => boolean;
  /** A chat whose routing ended without an agent: tell the customer, end the mapping, close the chat. */
  readonly onUnattended: (mapping: ChatMapping, end: RoutingEnd) => Promise<void>;
  readonly log: Logger;
}

/**
 * Notices open chats whose task ended without an agent (a workflow timeout, every agent rejecting it,
 * someone canceling or deleting it). Flex leaves such a conversation open
 * (https://www.twilio.com/docs/flex/developer/conversations/interactions-api: "conversations may stay
 * orphaned with an open state"), so the customer would write into a chat nobody sees.
 *
 * It polls TaskRouter rather than taking TaskRouter event callbacks: a workspace has a single
 * `EventCallbackUrl`, which a Flex account may already use for something else, and the bridge must not
 * take it over; polling needs no account change, and a lost callback is not retried, while a missed
 * poll is repeated at the next sweep.
 */
export class UnattendedChats {
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private stopped = false;

  constructor(private readonly opts: UnattendedChatsOptions) {}

  start(): void {
    if (!this.opts.flex.routingEnded || this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.sweep(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** Looks at the open chats' tasks once; resolves to how many chats were found ended without an agent. */
  async sweep(): Promise<number> {
    const routingEnded = this.opts.flex.routingEnded?.bind(this.opts.flex);
    if (!routingEnded || this.sweeping || this.stopped || !this.opts.isLeader()) return 0;
    this.sweeping = true;
    let ended = 0;
    try {
      const chats = await this.opts.store.listMappings({ status: 'active', limit: MAX_CHATS_PER_SWEEP });
      for (const mapping of chats) {
        if (this.stopped) break;
        if (!mapping.flexSid || mapping.flexMode !== this.opts.flex.mode) continue;
        try {
          const end = await routingEnded(mapping.flexSid);
          if (!end) continue;
          await this.opts.onUnattended(mapping, end);
          ended++;
        } catch (err) {
          this.opts.log.warn({ err, flexSid: mapping.flexSid }, "looking at a chat's task failed; it is looked at again next time");
        }
      }
    } catch (err) {
      this.opts.log.warn({ err }, 'listing open chats for their tasks failed');
    } finally {
      this.sweeping = false;
    }
    return ended;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}
