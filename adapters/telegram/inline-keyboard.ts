import type { Choice } from '../../src/core/messages.js';

/** The choices as one row of an inline keyboard (https://core.telegram.org/bots/api#inlinekeyboardmarkup); a press comes back as a callback query. */
export function inlineKeyboard(choices: readonly Choice[]) {
  return { reply_markup: { inline_keyboard: [choices.map((choice) => ({ text: choice.label, callback_data: choice.id }))] } };
}
