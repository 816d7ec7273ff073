import type { EventEmitter } from 'node:events';
import type { FormErrors } from './form-body-errors.js';

/** API `User` (the fields the emulator serves). */
export interface DcUser {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: string;
  avatar: string | null;
  public_flags: number;
  flags: number;
  primary_guild: null;
  bot?: boolean;
}

/** API DM `Channel` (type 1). */
export interface DcDmChannel {
  id: string;
  type: 1;
  last_message_id: string | null;
  flags: number;
  recipients: DcUser[];
}

/** API `Message` (the fields the emulator fills). */
export interface DcMessage {
  id: string;
  channel_id: string;
  author: DcUser;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  tts: boolean;
  mention_everyone: boolean;
  mentions: DcUser[];
  mention_roles: string[];
  attachments: DcAttachment[];
  embeds: unknown[];
  pinned: boolean;
  type: number;
  flags: number;
  components: unknown[];
  /** A reply (`type` 0) or a forward (`type` 1), pointing at the message (https://discord.com/developers/docs/resources/message#message-reference-types). */
  message_reference?: { type: number; channel_id: string; message_id: string };
  /** A reply's copy of the message it answers; null once that one is deleted. */
  referenced_message?: DcMessage | null;
  /** A forward's copy of the forwarded message; the forward itself has no content. */
  message_snapshots?: { message: Pick<DcMessage, 'type' | 'content' | 'embeds' | 'attachments' | 'timestamp' | 'edited_timestamp' | 'flags' | 'mentions' | 'mention_roles' | 'components'> }[];
}

/** API `Attachment`. */
export interface DcAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
}

/** The gateway's MESSAGE_CREATE: a message plus `channel_type` and, in a guild, `guild_id` and `member`. */
export type DcMessageCreate = DcMessage & { channel_type: number; guild_id?: string; member?: unknown };

/** A message the bot created, with the `allowed_mentions` it asked for (absent when it sent none). */
export interface BotMessage {
  message: DcMessage;
  recipientId: string;
  allowedMentions?: unknown;
}

/** One REST call the bot made, authorized or not. */
export interface RecordedRequest {
  method: string;
  /** Path after `/api/v10`, e.g. `/channels/123/messages`. */
  path: string;
  /** Route template, e.g. `POST /channels/:id/messages`; undefined for an unknown route. */
  route: string | undefined;
  body: unknown;
  status: number;
  /** Unix time in milliseconds. */
  at: number;
}

/**
 * A REST request that Discord's OpenAPI definition refuses, which the emulator answered as Discord
 * would (404, or 400 50035); or an answer of the emulator's own that the definition's response
 * schema refuses (a bug of the emulator: the answer went out as it was).
 */
export interface ContractViolation {
  kind: 'unknown route' | 'invalid form body' | 'invalid response';
  method: string;
  /** Path after `/api/v10`. */
  path: string;
  /** The spec operation, e.g. `POST /channels/{channel_id}/messages`; undefined for an unknown route. */
  operation: string | undefined;
  /** The `errors` of the 50035 answer, or what the response schema refused, in the same shape; undefined for an unknown route. */
  errors: FormErrors | undefined;
  /** The status of the refused answer ('invalid response' only). */
  status?: number;
  /** Unix time in milliseconds. */
  at: number;
}

/** What happened on the gateway, for the demo console and for tests that assert on the protocol. */
export type GatewayEvent =
  | { kind: 'connected'; connectionId: number }
  | { kind: 'received'; connectionId: number; op: number; sessionId?: string }
  | { kind: 'sent'; connectionId: number; op: number; t?: string; s?: number }
  | { kind: 'closed'; connectionId: number; code: number; byServer: boolean };

export interface DiscordEmulatorEventMap {
  /** A customer sent the bot a DM. */
  dm: [DcMessage];
  /** The bot created a message. */
  botMessage: [BotMessage];
  /** The bot changed a message it sent (answering a click on its buttons). */
  botMessageEdited: [DcMessage];
  request: [RecordedRequest];
  gateway: [GatewayEvent];
}

export type DiscordEmulatorEvents = EventEmitter<DiscordEmulatorEventMap>;
