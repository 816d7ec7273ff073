import type { EventEmitter } from 'node:events';

/** Bot API `BotCommand`: one entry of the bot's command menu. */
export interface TgBotCommand {
  command: string;
  description: string;
}

/** Bot API `User`. */
export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

/** Bot API `Chat`. */
export interface TgChat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  username?: string;
  first_name?: string;
  last_name?: string;
}

/** Bot API `Message`: the fields the emulator builds itself, plus whatever a test adds (photo, caption, …). */
export interface TgMessage {
  message_id: number;
  date: number;
  chat: TgChat;
  from?: TgUser;
  text?: string;
  [field: string]: unknown;
}

/** Bot API `Update`: `update_id` plus exactly one field named after the update kind. */
export interface TgUpdate {
  update_id: number;
  [kind: string]: unknown;
}

/** A call the bot made to the Bot API, as the emulator parsed it. */
export interface RecordedRequest {
  /** Canonical method name when the method is known (`getUpdates`), otherwise as sent. */
  method: string;
  params: Record<string, unknown>;
  contentType: string | undefined;
  httpMethod: string;
  /** Unix time in milliseconds. */
  at: number;
}

/** One attempt to POST an update to the webhook. */
export interface WebhookDelivery {
  update_id: number;
  url: string;
  attempt: number;
  ok: boolean;
  /** HTTP status of the receiver's answer; absent on a network error. */
  status?: number;
  error?: string;
  /** After a failure: when the next attempt comes (the receiver's Retry-After, or the backoff). */
  retryInMs?: number;
  /** After a failure: the update would expire before another attempt, so it was dropped. */
  dropped?: true;
  /** After a 410: the receiver had answered only 410 for 23 hours, so Telegram deleted the webhook (the update stays queued). */
  closedWebhook?: true;
  /** Unix time in milliseconds. */
  at: number;
}

export interface TelegramEmulatorEventMap {
  /** A customer-side update was queued for the bot. */
  update: [TgUpdate];
  /** The bot sent a message to a chat. */
  botMessage: [TgMessage];
  /** The bot changed a message it sent (its buttons). */
  botMessageEdited: [TgMessage];
  request: [RecordedRequest];
  webhookDelivery: [WebhookDelivery];
}

export type TelegramEmulatorEvents = EventEmitter<TelegramEmulatorEventMap>;
