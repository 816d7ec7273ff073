import type { Readable } from 'node:stream';

/** A user of one external network, e.g. `{ network: 'telegram', externalUserId: '5012345678' }`. */
export interface UserKey {
  readonly network: string;
  readonly externalUserId: string;
}

/** Where the bridge writes back to a customer on their network (Telegram chat id, Discord DM channel id). */
export interface ExternalChatRef {
  readonly network: string;
  readonly externalUserId: string;
  readonly externalChatId: string;
}

export interface Attachment {
  readonly kind: 'photo' | 'document' | 'voice' | 'audio' | 'video' | 'video_note' | 'animation' | 'file';
  readonly fileName?: string;
  readonly contentType?: string;
  readonly size?: number;
  /** Adapter-defined handle the adapter can download from (a Telegram file_id; the Discord adapter's url and message as JSON). */
  readonly ref: string;
}

/** A button offered under a message; pressing it comes back as an InboundMessage whose `choice` is its id. */
export interface Choice {
  /** What a press carries back: at most 64 bytes (Telegram's `callback_data` limit; Discord's `custom_id` allows 100). */
  readonly id: string;
  readonly label: string;
}

/** A customer message, normalized by an adapter. */
export interface InboundMessage {
  readonly network: string;
  readonly externalUserId: string;
  readonly externalChatId: string;
  readonly username?: string;
  readonly displayName: string;
  /** The customer's language when their network gives it (a BCP 47 tag such as `pt-br`: Telegram's `language_code`). */
  readonly language?: string;
  readonly externalMessageId: string;
  readonly text: string;
  readonly attachments: readonly Attachment[];
  readonly sentAt: string;
  /** The message is a command to the bridge (Telegram `/end`, Discord `!end`), not text for the agent. */
  readonly command?: CustomerCommand;
  /** A button the customer pressed (a Choice's id) rather than a message they wrote; `text` is its label. */
  readonly choice?: string;
}

/** What a customer can ask of the bridge itself: end their chat, or have its transcript. */
export type CustomerCommand = 'end' | 'transcript';

/**
 * An answer to a customer that no agent wrote (the /start greeting, "cannot pass this on"). It is
 * stored once per `externalMessageId`, like a customer message, and sent through the outbox, so an
 * update the network delivers again is not answered again.
 */
export interface AutoReply {
  readonly to: ExternalChatRef;
  /** Unique among the network's message ids: what the reply answers, marked as a reply. */
  readonly externalMessageId: string;
  /** Undefined: nothing to say (the text is switched off), only `startPayload` to keep. */
  readonly text: string | undefined;
  /** The deep-link parameter of the `/start` this answers: kept for the customer's next chat. */
  readonly startPayload?: string;
}

/** A file on its way through the bridge: streamed from where it is to where it goes, never stored. */
export interface MediaFile {
  readonly stream: Readable;
  readonly contentType: string;
  readonly fileName?: string;
  /** Bytes, when the source says. */
  readonly size?: number;
}

/** What an agent sends to a customer: text, or a file with `text` as its caption. */
export interface OutboundMessage {
  readonly text: string;
  readonly file?: MediaFile;
  /**
   * With `file`: opens the same file again, for a network that refused the form it was first sent in
   * (a photo Telegram cannot process goes again as a document). `file`'s stream is spent by then.
   */
  readonly reopenFile?: () => Promise<MediaFile>;
  /**
   * The same for every attempt at this message (at most 20 characters), for a network that can
   * deduplicate on it: Discord's enforced nonce answers a retry with the first message, but only
   * within Discord's nonce window of a few minutes.
   */
  readonly idempotencyKey?: string;
  /**
   * The customer message (its `InboundMessage.externalMessageId`) this answers: sent as a native reply
   * where the network has one, and as a plain message when the network no longer has that message.
   */
  readonly replyTo?: string;
  /** Buttons shown under the text, in one row, rendered natively by the network. */
  readonly choices?: readonly Choice[];
}

/** A customer deleted a message they sent (a network that tells bots so: Discord). */
export interface MessageDeletion {
  readonly network: string;
  readonly externalChatId: string;
  readonly externalMessageId: string;
}

export interface SentRef {
  readonly externalMessageId: string;
}

export function userKeyOf(ref: { network: string; externalUserId: string }): UserKey {
  return { network: ref.network, externalUserId: ref.externalUserId };
}

/** What the agent sees: `telegram:alice`, or `telegram:5012345678` when the user has no username. */
export function handleOf(msg: Pick<InboundMessage, 'network' | 'externalUserId' | 'username'>): string {
  return `${msg.network}:${msg.username || msg.externalUserId}`;
}

/** The Twilio chat identity: no `:` (reserved by Twilio) and no PII beyond the id. */
export function identityOf(user: UserKey): string {
  return `${user.network}_${user.externalUserId}`;
}

export function userKeyString(user: UserKey): string {
  return `${user.network}:${user.externalUserId}`;
}

/** A file attached to a Flex message, as the webhook describes it. */
export interface FlexMedia {
  readonly sid: string;
  readonly contentType: string;
  readonly fileName?: string;
  readonly size: number;
}

/** What travels through the outbox: a customer message to Flex, an agent message to a customer, a notice for the agent, or work a customer asked for. */
export type OutboxPayload = (
  | { readonly kind: 'customer-message'; readonly message: InboundMessage }
  | {
      readonly kind: 'agent-message';
      readonly to: ExternalChatRef;
      readonly flexSid: string;
      readonly messageSid: string;
      readonly text: string;
      /** A file of the agent's message, sent with `text` as its caption. */
      readonly media?: FlexMedia;
      /** The agent's identity, on the first part of each message: the one AGENT_NAME_PREFIX names. */
      readonly author?: string;
      /** The customer message it answers (see OutboundMessage.replyTo). */
      readonly replyTo?: string;
    }
  | { readonly kind: 'notice'; readonly user: UserKey; readonly flexSid: string; readonly text: string }
  /** Something the bridge itself tells a customer: a greeting, a courtesy reply, that a message went over a limit. */
  | { readonly kind: 'customer-notice'; readonly to: ExternalChatRef; readonly text: string; readonly choices?: readonly Choice[] }
  /** A chat the customer ended: closed in Flex once the customer's earlier messages are in. */
  | { readonly kind: 'close-chat'; readonly user: UserKey; readonly flexSid: string }
  /** A chat's messages, read from Flex when sent, for the customer (`customerName` labels theirs). */
  | {
      readonly kind: 'transcript';
      readonly to: ExternalChatRef;
      readonly flexSid: string;
      readonly customerName: string;
      /** The customer's language, for the transcript's heading. */
      readonly language?: string;
    }
  /**
   * A customer's answer to the satisfaction survey after the chat `flexSid` (the bridge's `mappingId`),
   * to be recorded in Flex; with `commentUntil`, once the customer commented or then.
   */
  | {
      readonly kind: 'survey-result';
      readonly user: UserKey;
      readonly handle: string;
      readonly mappingId: number;
      readonly flexSid: string;
      readonly rating: number;
      readonly commentUntil?: number;
    }
) & {
  /** The W3C `traceparent` of the intake that stored it, so its delivery continues that trace (when tracing is on). */
  readonly traceparent?: string;
};

/**
 * What intake made of a message: stored, a duplicate of one stored before, nothing the bridge
 * carries, refused because its customer went over a limit (they are told), kept aside because
 * it could not be stored however often it was offered, or stored as an answer to the satisfaction
 * survey (a rating, a comment) for Flex reporting rather than for a chat.
 */
export type Acceptance = 'accepted' | 'duplicate' | 'ignored' | 'limited' | 'quarantined' | 'survey';
