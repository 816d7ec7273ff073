import type { UserKey } from '../core/messages.js';
import { userKeyString } from '../core/messages.js';
import type { Store } from '../store/store.js';
import { flexQueueKey } from './outbox-keys.js';
import { TokenBuckets } from './token-buckets.js';

export interface IntakeLimitSettings {
  /** A customer's steady rate; 0: no limit. */
  readonly messagesPerMinute: number;
  /** How many messages a customer may send at once before the rate applies. */
  readonly burst: number;
  /** A customer's messages waiting for Flex beyond which new ones are refused; 0: no cap. */
  readonly maxPending: number;
}

/** Why a customer's message was refused: too fast, or too many still waiting for Flex. */
export type LimitReason = 'rate' | 'backlog';

const NOTICE_EVERY_MS = 60_000;

/** The setting of what a customer is told, at most once a minute, when a message of theirs is refused. */
export const LIMIT_NOTICES: Record<LimitReason, string> = {
  rate: 'RATE_LIMITED_NOTICE',
  backlog: 'BACKLOG_LIMITED_NOTICE',
};

/**
 * One customer must not flood an agent queue or the outbox: a rate per customer, and a cap on their
 * messages waiting for Flex. Counted per process (intake runs in the leader, or in every process
 * that takes Telegram webhooks).
 */
export class IntakeLimits {
  private readonly rate: TokenBuckets;
  private readonly noticed: TokenBuckets;

  constructor(
    private readonly settings: IntakeLimitSettings,
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {
    this.rate = new TokenBuckets(settings.messagesPerMinute, settings.burst, now);
    this.noticed = new TokenBuckets(60_000 / NOTICE_EVERY_MS, 1, now);
  }

  /** Why the customer's next message must be refused, or undefined to take it. */
  async refusal(user: UserKey): Promise<LimitReason | undefined> {
    if (!this.rate.take(userKeyString(user))) return 'rate';
    const cap = this.settings.maxPending;
    if (cap > 0 && (await this.store.countPending(flexQueueKey(user), cap)) >= cap) return 'backlog';
    return undefined;
  }

  /** Whether to tell the customer now; true at most once a minute each. */
  noticeDue(user: UserKey): boolean {
    return this.noticed.take(userKeyString(user));
  }
}
