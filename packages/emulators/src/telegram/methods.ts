import type { MethodHandler } from './bot-context.js';
import { deleteMyCommands, getMyCommands, setMyCommands } from './methods-commands.js';
import { getFile, sendDocument, sendPhoto, sendVideo, sendVoice } from './methods-files.js';
import { answerCallbackQuery, editMessageReplyMarkup } from './methods-callbacks.js';
import { getMe, sendChatAction, sendMessage } from './methods-messages.js';
import { deleteWebhook, getUpdates, getWebhookInfo, setWebhook } from './methods-updates.js';

/** The Bot API methods the emulator implements; any other answers 404. */
const METHODS: Record<string, MethodHandler> = {
  getMe,
  getUpdates,
  setWebhook,
  deleteWebhook,
  getWebhookInfo,
  sendMessage,
  sendChatAction,
  answerCallbackQuery,
  editMessageReplyMarkup,
  getFile,
  sendPhoto,
  sendDocument,
  sendVoice,
  sendVideo,
  setMyCommands,
  getMyCommands,
  deleteMyCommands,
};

const BY_LOWER_NAME = new Map(Object.entries(METHODS).map(([name, handler]) => [name.toLowerCase(), { name, handler }]));

/** Method names are case-insensitive on Telegram. */
export function findMethod(name: string): { name: string; handler: MethodHandler } | undefined {
  return BY_LOWER_NAME.get(name.toLowerCase());
}
