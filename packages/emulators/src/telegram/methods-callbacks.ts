import { isDeepStrictEqual } from 'node:util';
import { badRequest } from './api-error.js';
import { ok, type MethodHandler } from './bot-context.js';
import { unixSeconds } from './ids.js';
import { inlineKeyboardOf } from './inline-keyboards.js';
import { requireChatId, resolveChat } from './methods-messages.js';

/** A notification text is 0-200 characters (https://core.telegram.org/bots/api#answercallbackquery). */
const MAX_ANSWER_TEXT = 200;

/** Each callback query is answered once; an id never issued, or answered before, is refused as Telegram does. */
export const answerCallbackQuery: MethodHandler = ({ params }, { state }) => {
  const id = params.string('callback_query_id');
  if (id === undefined) throw badRequest('QUERY_ID_INVALID');
  const text = params.string('text');
  if (text !== undefined && Array.from(text).length > MAX_ANSWER_TEXT) throw badRequest('MESSAGE_TOO_LONG');
  if (!state.answerCallbackQuery(id)) throw badRequest('query is too old and response timeout expired or query ID is invalid');
  return ok(true);
};

/**
 * Replaces the inline keyboard of a message the bot sent (no `reply_markup`: removes it). Only the
 * bot's own messages can be edited, and an edit that changes nothing is refused
 * (https://core.telegram.org/bots/api#editmessagereplymarkup).
 */
export const editMessageReplyMarkup: MethodHandler = ({ params }, { state, events, now }) => {
  if (params.raw('inline_message_id') !== undefined) throw badRequest('the emulator does not know inline messages');
  requireChatId(params);
  const chat = resolveChat(params, state);
  const messageId = params.integer('message_id');
  if (messageId === undefined) throw badRequest('message identifier is not specified');
  const keyboard = inlineKeyboardOf(params);
  const message = state.botMessage(chat.id, messageId);
  if (!message) throw badRequest('message to edit not found');
  if (isDeepStrictEqual(message.reply_markup, keyboard)) {
    throw badRequest('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
  }
  if (keyboard) message.reply_markup = keyboard;
  else delete message.reply_markup;
  message.edit_date = unixSeconds(now());
  events.emit('botMessageEdited', message);
  return ok(message);
};
