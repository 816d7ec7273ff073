import { badRequest, forbidden } from './api-error.js';
import { ok, type MethodHandler } from './bot-context.js';
import { parseId, unixSeconds } from './ids.js';
import type { BotApiParams } from './params.js';
import type { EmulatorState } from './state.js';
import type { TgChat, TgMessage } from './types.js';
import { inlineKeyboardOf } from './inline-keyboards.js';

const MAX_TEXT_LENGTH = 4096;
const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

export const getMe: MethodHandler = (_call, { state }) =>
  ok({ ...state.bot, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false });

/** Text is not parsed for entities (no parse_mode); its length is counted in code points, as TDLib does. */
export const sendMessage: MethodHandler = ({ params }, { state, events, now, floodControl }) => {
  requireChatId(params);
  const text = params.string('text');
  if (text === undefined || text.trim() === '') throw badRequest('message text is empty');
  const chat = resolveChat(params, state);
  if (codePoints(text) > MAX_TEXT_LENGTH) throw badRequest('message is too long');
  const keyboard = inlineKeyboardOf(params);
  assertBotMayWrite(chat, state);
  floodControl.take(chat.id);

  const repliedTo = repliedMessage(params, chat, state);
  const message: TgMessage = {
    message_id: state.nextMessageId(chat.id),
    from: { ...state.bot },
    chat,
    date: unixSeconds(now()),
    ...(repliedTo ? { reply_to_message: repliedTo } : {}),
    text,
    ...(keyboard && { reply_markup: keyboard }),
  };
  state.recordBotMessage(message);
  events.emit('botMessage', message);
  return ok(message);
};

/**
 * The message a send answers (`reply_parameters`, https://core.telegram.org/bots/api#replyparameters,
 * or the older `reply_to_message_id` with `allow_sending_without_reply`). One that is not in the chat
 * fails the send, unless the bot allowed sending without it. The returned reply carries the message it
 * answers without that one's own reply, as Telegram nests only one level.
 */
function repliedMessage(params: BotApiParams, chat: TgChat, state: EmulatorState): TgMessage | undefined {
  const reply = replyParameters(params);
  if (!reply) return undefined;
  const found = state.message(chat.id, reply.messageId);
  if (!found) {
    if (reply.withoutReply) return undefined;
    throw badRequest('message to be replied not found');
  }
  const { reply_to_message: _nested, ...replied } = found;
  return replied as TgMessage;
}

function replyParameters(params: BotApiParams): { messageId: number; withoutReply: boolean } | undefined {
  const raw = params.raw('reply_parameters');
  if (raw === undefined) {
    const messageId = params.integer('reply_to_message_id');
    return messageId === undefined ? undefined : { messageId, withoutReply: params.boolean('allow_sending_without_reply') };
  }
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      value = undefined;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest("can't parse reply parameters JSON object");
  const { message_id: messageId, allow_sending_without_reply: withoutReply } = value as Record<string, unknown>;
  if (typeof messageId !== 'number' || !Number.isSafeInteger(messageId)) throw badRequest('message to be replied not found');
  return { messageId, withoutReply: withoutReply === true };
}

export const sendChatAction: MethodHandler = ({ params }, { state }) => {
  requireChatId(params);
  const chat = resolveChat(params, state);
  const action = params.string('action');
  if (action === undefined || !CHAT_ACTIONS.has(action)) throw badRequest('wrong parameter action in request');
  assertBotMayWrite(chat, state);
  return ok(true);
};

/** Telegram's "characters": Unicode code points, so an emoji outside the BMP counts once. */
export function codePoints(text: string): number {
  return Array.from(text).length;
}

export function requireChatId(params: BotApiParams): void {
  if (params.raw('chat_id') === undefined) throw badRequest('chat_id is empty');
}

/** `chat_id` is a numeric id (number or string) or `@username` of a group or channel. */
export function resolveChat(params: BotApiParams, state: EmulatorState): TgChat {
  const raw = params.raw('chat_id');
  const id = parseId(raw);
  const chat =
    id !== undefined
      ? state.chat(id)
      : typeof raw === 'string' && raw.startsWith('@')
        ? state.chatByUsername(raw.slice(1))
        : undefined;
  if (!chat) throw badRequest('chat not found');
  return chat;
}

export function assertBotMayWrite(chat: TgChat, state: EmulatorState): void {
  if (chat.type !== 'private') return;
  const customer = state.customer(chat.id);
  if (customer?.blocked) throw forbidden('bot was blocked by the user');
  if (customer && !customer.started) throw forbidden("bot can't initiate conversation with a user");
}
