import { badRequest } from './api-error.js';
import type { BotApiParams } from './params.js';

export interface InlineButton {
  text: string;
  callback_data: string;
}

export interface InlineKeyboardMarkup {
  inline_keyboard: InlineButton[][];
}

/** `callback_data` is 1-64 bytes (https://core.telegram.org/bots/api#inlinekeyboardbutton). */
const MAX_CALLBACK_DATA_BYTES = 64;

/**
 * The `reply_markup` of a call, when it is an inline keyboard: a JSON-serialized object (or the object
 * itself, in a JSON body) whose rows of buttons each carry a text and `callback_data`. Telegram's own
 * errors for what it refuses; other keyboard kinds (reply keyboards, url buttons) are not emulated.
 */
export function inlineKeyboardOf(params: BotApiParams): InlineKeyboardMarkup | undefined {
  const raw = params.raw('reply_markup');
  if (raw === undefined) return undefined;
  const markup = typeof raw === 'string' ? parseJson(raw) : raw;
  const rows = (markup as { inline_keyboard?: unknown } | null)?.inline_keyboard;
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) throw badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
  return { inline_keyboard: rows.map((row: unknown[]) => row.map(buttonOf)) };
}

function buttonOf(value: unknown): InlineButton {
  const button = value as { text?: unknown; callback_data?: unknown } | null;
  if (typeof button?.text !== 'string') throw badRequest("can't parse inline keyboard button: Text must be a String");
  if (button.text.trim() === '') throw badRequest('BUTTON_TEXT_EMPTY');
  if (typeof button.callback_data !== 'string') throw badRequest('the emulator knows only inline keyboard buttons with callback_data');
  const bytes = Buffer.byteLength(button.callback_data);
  if (bytes < 1 || bytes > MAX_CALLBACK_DATA_BYTES) throw badRequest('BUTTON_DATA_INVALID');
  return { text: button.text, callback_data: button.callback_data };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("can't parse reply keyboard markup JSON object");
  }
}
