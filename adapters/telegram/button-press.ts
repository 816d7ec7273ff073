import type { CallbackQuery } from 'telegraf/types';
import type { InboundMessage } from '../../src/core/messages.js';

/** A button of the bot's message pressed by a customer, to store and then answer (answerCallbackQuery). */
export interface ButtonPress {
  readonly message: InboundMessage;
  readonly callbackQueryId: string;
  /** The message whose keyboard was pressed, when Telegram still has it (not older than 48 hours). */
  readonly pressedOn?: { readonly chatId: number; readonly messageId: number };
}

/**
 * A `callback_query` (https://core.telegram.org/bots/api#callbackquery) from a private chat, as the
 * bridge carries it: the button's `callback_data` is the choice, its label the text. The query id is
 * unique, so a redelivered update is a duplicate.
 */
export function buttonPressOf(query: CallbackQuery): ButtonPress | { readonly ignored: string } {
  if (!('data' in query) || query.data === undefined) return { ignored: 'callback query without data' };
  const pressed = query.message;
  if (pressed && pressed.chat.type !== 'private') return { ignored: `callback query in a ${pressed.chat.type} chat` };
  const from = query.from;
  const chatId = pressed?.chat.id ?? from.id;
  const label = pressed && 'reply_markup' in pressed ? labelOf(pressed.reply_markup?.inline_keyboard, query.data) : undefined;
  return {
    callbackQueryId: query.id,
    ...(pressed && { pressedOn: { chatId: pressed.chat.id, messageId: pressed.message_id } }),
    message: {
      network: 'telegram',
      externalUserId: String(from.id),
      externalChatId: String(chatId),
      username: from.username,
      displayName: [from.first_name, from.last_name].filter(Boolean).join(' ') || from.username || String(from.id),
      externalMessageId: `callback:${query.id}`,
      text: label ?? query.data,
      attachments: [],
      sentAt: new Date().toISOString(),
      choice: query.data,
    },
  };
}

type Keyboard = readonly (readonly { text: string; callback_data?: string }[])[] | undefined;

function labelOf(keyboard: Keyboard, data: string): string | undefined {
  return keyboard?.flat().find((button) => button.callback_data === data)?.text;
}
