import type { GatewaySessionStore } from '../core/gateway-sessions.js';
import type { RecentChats } from '../core/recent-chats.js';
import type { InboundMessage, OutboxPayload, UserKey } from '../core/messages.js';
import type { KnownIndexes } from './known-indexes.js';

export type ChatMappingStatus = 'opening' | 'active' | 'ended';

/** The bridge's mapping of one customer to their Flex chat (a row of the `conversations` table). At most one per user key is not `ended`. */
export interface ChatMapping {
  readonly id: number;
  readonly network: string;
  readonly externalUserId: string;
  readonly externalChatId: string;
  readonly handle: string;
  readonly displayName: string;
  /** The customer's language as their network gave it (BCP 47, e.g. `pt-br`); null when it did not. */
  readonly language: string | null;
  readonly identity: string;
  readonly flexMode: string;
  readonly flexSid: string | null;
  /** The opening got as far as routing the chat to agents; a retry completes it rather than discarding it. */
  readonly routingRequested: boolean;
  /** The chat's messages the bridge knows of (posted, received or read back), by index. */
  readonly knownIndexes: KnownIndexes;
  readonly status: ChatMappingStatus;
  /** When an agent first joined the chat; null while none has. */
  readonly agentJoinedAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type NewChatMapping = Pick<
  ChatMapping,
  'network' | 'externalUserId' | 'externalChatId' | 'handle' | 'displayName' | 'identity' | 'flexMode'
> & { readonly language?: string };

export type Direction = 'to-flex' | 'to-customer';
export type OutboxStatus = 'pending' | 'dead';

export interface NewOutboxRow {
  /** Rows with the same key are delivered one at a time, in id order. */
  readonly key: string;
  readonly direction: Direction;
  readonly payload: OutboxPayload;
}

export interface OutboxRow extends NewOutboxRow {
  readonly id: number;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  /** The last attempt may have been applied by the far side: check before writing again. */
  readonly ambiguous: boolean;
  readonly createdAt: number;
  /** An agent message's index in its Flex chat (ReorderHold); absent for every other row. */
  readonly flexIndex?: number;
}

export interface OutboxStats {
  readonly pending: number;
  readonly dead: number;
  /** The dead rows that are customer messages: each one reached no agent. */
  readonly deadCustomerMessages: number;
  /**
   * When the oldest pending row was made, leaving out the keys whose first row waits on purpose without
   * having been tried (postponed: held for business hours or a new-chat limit; an agent message held
   * for its predecessor): a customer held overnight is not a stuck outbox.
   */
  readonly oldestPendingAt: number | null;
  /** Customer messages kept aside because they could not be stored (see Store.quarantine). */
  readonly quarantined: number;
}

/**
 * Where an agent message sits in its Flex chat (the webhook's `Index`). Its rows are delivered in
 * index order among the chat's pending rows, whatever order the webhooks came in; when an earlier
 * message of the chat is not known yet, they wait up to `holdMs` for its webhook.
 */
export interface ReorderHold {
  readonly mappingId: number;
  readonly flexSid: string;
  readonly index: number;
  readonly holdMs: number;
}

/** A customer message that could not be stored, kept aside (see Store.quarantine). */
export interface QuarantinedMessage {
  readonly id: number;
  readonly source: string;
  readonly key: string;
  readonly reason: string;
  readonly message: InboundMessage;
  readonly quarantinedAt: number;
}

/** A customer's chats before the current one (see Store.earlierChats). */
export interface EarlierChats {
  /** How many of them reached Flex. */
  readonly count: number;
  /** The latest of them: its Flex chat, when it opened, and when its row last changed (it ended). */
  readonly last?: { readonly flexSid: string; readonly openedAt: number; readonly endedAt: number };
}

/** The `/start` deep-link parameter a customer gave, kept for their next chat. */
export interface StartPayload {
  readonly payload: string;
  readonly givenAt: number;
}
/**
 * A customer message as it was posted into Flex: its network id and the Flex message sid, so that an
 * agent's reply to it can be sent as a native reply and its deletion shown to the agent with a quote.
 */
export interface MessageLink {
  readonly conversationId: number;
  /** The chat's sid in Flex (ChatMapping.flexSid). */
  readonly flexSid: string;
  readonly network: string;
  readonly externalMessageId: string;
  /** The Flex message (`IM…`) it became. */
  readonly flexMessageSid: string;
  /** The start of the text the agent saw, for quotes (see `QUOTED_TEXT_MAX`). */
  readonly text: string;
  readonly createdAt: number;
}

/** How much of a linked message's text is kept: enough to recognise and quote it. */
export const QUOTED_TEXT_MAX = 500;

export interface DedupeKey {
  readonly source: string;
  readonly key: string;
}

/**
 * Durable state. Async because PostgreSQL is; SQLite answers synchronously underneath.
 * Every method is one transaction.
 */
export interface Store extends GatewaySessionStore, RecentChats {
  /** Keeps a message that cannot be stored aside, once per `dedupe`, whatever it holds. */
  quarantine(dedupe: DedupeKey, message: InboundMessage, reason: string): Promise<void>;
  listQuarantine(limit?: number): Promise<QuarantinedMessage[]>;
  /** Removes a quarantined message (taken in again, or given up on by an operator); false when there was none. */
  forgetQuarantined(id: number): Promise<boolean>;
  /** Records `dedupe` and enqueues `rows` together; false (and nothing written) when `dedupe` was seen before. */
  acceptOnce(dedupe: DedupeKey, rows: readonly NewOutboxRow[], order?: ReorderHold): Promise<boolean>;
  enqueue(rows: readonly NewOutboxRow[]): Promise<void>;

  currentMapping(user: UserKey): Promise<ChatMapping | undefined>;
  mappingByFlexSid(flexSid: string): Promise<ChatMapping | undefined>;
  /** The user's latest mapping that got a Flex chat, open or ended. */
  latestMapping(user: UserKey): Promise<ChatMapping | undefined>;
  /** Inserts an `opening` row, or returns the user's current one when it already exists. */
  beginMapping(c: NewChatMapping): Promise<ChatMapping>;
  setFlexSid(id: number, flexSid: string | null): Promise<void>;
  markRoutingRequested(id: number): Promise<void>;
  /** The chat has a message at `index` (one the bridge posted); with `allBefore`, every one below it is known too. */
  noteFlexIndex(id: number, index: number, allBefore?: boolean): Promise<void>;
  /** Ends the ReorderHold wait of the chat's rows at or below `upToIndex`: nothing before them is missing any more. */
  releaseReorderHold(flexSid: string, upToIndex: number): Promise<void>;
  /** Forgets a discarded opening attempt: no sid, routing not requested. */
  resetOpening(id: number): Promise<void>;
  activateMapping(id: number): Promise<void>;
  /** An agent joined the chat: the first time is kept. */
  noteAgentJoined(id: number): Promise<void>;
  /** Ends the chat and forgets its message links. */
  endMapping(id: number): Promise<void>;
  listMappings(filter?: { status?: ChatMappingStatus; limit?: number }): Promise<ChatMapping[]>;
  /** Open chats with a pending agent message whose lower neighbours are not all known (see ReorderHold). */
  mappingsWithGaps(): Promise<ChatMapping[]>;
  /** Open chats with an agent message accepted at or before `heldSince` and still held for an unknown index at `now`. */
  mappingsHoldingForGaps(heldSince: number, now?: number): Promise<ChatMapping[]>;
  /** Open chats whose row changed (e.g. a message went through) since `since`, the latest first. */
  recentlyActiveMappings(since: number, limit: number): Promise<ChatMapping[]>;
  countOpenMappings(): Promise<number>;
  /** The customer's ended chats that reached Flex, among the mappings made before `beforeId`. */
  earlierChats(user: UserKey, beforeId: number): Promise<EarlierChats>;

  /** Keeps the customer's latest `/start` payload (replacing an earlier one) for their next chat. */
  rememberStartPayload(user: UserKey, payload: string, givenAt?: number): Promise<void>;
  startPayload(user: UserKey): Promise<StartPayload | undefined>;
  /** Forgets the payload a chat carried, unless a newer one was given meanwhile. */
  forgetStartPayload(user: UserKey, givenAt: number): Promise<void>;

  /**
   * Leases up to `limit` due rows, each the first pending row of its key, to `owner` for `leaseMs`.
   * Rows of a key go in insertion order, except that a ReorderHold row joins its chat's later rows.
   */
  claimDue(owner: string, limit: number, leaseMs: number, now?: number): Promise<OutboxRow[]>;
  /** Extends the leases `owner` holds on `ids` (deliveries still in flight) until `until`. */
  renewLeases(owner: string, ids: readonly number[], until: number): Promise<void>;
  complete(id: number): Promise<void>;
  /**
   * Counts a failed attempt; the row waits until `at`. `serviceDown`: the failure was the service's
   * (a 5xx or network failure, no Retry-After), so wakeAfterOutage may end the wait early.
   */
  retryLater(id: number, at: number, error: string, ambiguous: boolean, serviceDown?: boolean): Promise<void>;
  /**
   * Makes due now the rows of keys starting with `keyPrefix` that wait only because their service was
   * down (see retryLater), now that it answers again; resolves to how many.
   */
  wakeAfterOutage(keyPrefix: string): Promise<number>;
  /**
   * Gives the row back to wait until `at` without counting an attempt: it was not tried. Earlier
   * agent messages of its chat stored while it was claimed, put behind it then, go before it now.
   */
  postpone(id: number, at: number): Promise<void>;
  /** Whether an agent message of chat `flexSid` with an index below `index` is pending in `key`. */
  earlierMessagePending(key: string, flexSid: string, index: number): Promise<boolean>;
  /** How many rows of `key` are pending, counted up to `upTo`. */
  countPending(key: string, upTo: number): Promise<number>;
  deadLetter(id: number, reason: string): Promise<void>;
  /** Earliest time a pending, unleased row becomes due; undefined when there is none. */
  nextDueAt(): Promise<number | undefined>;
  listOutbox(filter?: { status?: OutboxStatus; limit?: number }): Promise<OutboxRow[]>;
  /** Puts dead rows (all, or the given ids) back to pending with a fresh attempt budget. */
  requeueDead(ids?: readonly number[]): Promise<number>;
  outboxStats(now?: number): Promise<OutboxStats>;

  /** Records where a customer message went in Flex; a link already recorded is kept. */
  linkMessage(link: Omit<MessageLink, 'createdAt'>): Promise<void>;
  messageLinkByFlexSid(flexMessageSid: string): Promise<MessageLink | undefined>;
  messageLinkByExternalId(network: string, externalMessageId: string): Promise<MessageLink | undefined>;
  /** The chat's latest `limit` links, the latest first. */
  recentMessageLinks(conversationId: number, limit: number): Promise<MessageLink[]>;
  pruneMessageLinks(olderThan: number): Promise<number>;
  /**
   * A customer rated chat `mappingId` and may add a comment until `until` (ms); a chat opens its
   * comment once, whatever is called again.
   */
  openSurveyComment(mappingId: number, user: UserKey, until: number): Promise<void>;
  /** The chat of the customer's latest survey still waiting for a comment at `now`; undefined when none is. */
  surveyAwaitingComment(user: UserKey, now: number): Promise<number | undefined>;
  /** Keeps `text` as the comment on chat `mappingId`'s survey, unless it has one; false when it had. */
  saveSurveyComment(mappingId: number, text: string): Promise<boolean>;
  /** The comment on chat `mappingId`'s survey: null while there is none, undefined when it never opened one. */
  surveyComment(mappingId: number): Promise<string | null | undefined>;
  /** Makes the pending head row of `key` due now (one postponed to wait for something that has come). */
  wakeKey(key: string): Promise<void>;

  /** This installation's id (16 hex digits), made once when the database was created and never changed. */
  installationId(): Promise<string>;
  pruneDedupe(olderThan: number): Promise<number>;
  /**
   * Marks the next row of every queue that has pending rows but none marked (a safety net: no write
   * leaves a queue so, but processes of two versions writing one database may); resolves to how many.
   * Without it such a queue's rows would wait until its next message came, and go after it.
   */
  repairHeads(): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
