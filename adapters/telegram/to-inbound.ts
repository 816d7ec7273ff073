import type { Message, Update } from 'telegraf/types';
import type { Attachment, ExternalChatRef, InboundMessage } from '../../src/core/messages.js';
import { formatBytes } from '../../src/core/text.js';
import { attachmentOf } from './attachments.js';
import { buttonPressOf, type ButtonPress } from './button-press.js';
import { describeContent } from './describe-content.js';
import { contextLines } from './message-context.js';

/** getFile hands bots files up to 20 MB (https://core.telegram.org/bots/api#getfile); bigger ones cannot be fetched at all. */
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

export type Classified =
  | { readonly kind: 'message'; readonly message: InboundMessage }
  /** Answered by the bridge; `externalMessageId` identifies the command message, as for any message. */
  | { readonly kind: 'command'; readonly command: string; readonly from: ExternalChatRef; readonly externalMessageId: string }
  /** Stored for the agent, and the customer is told why it did not get through as sent. */
  | { readonly kind: 'unsupported'; readonly message: InboundMessage; readonly reply: string }
  | { readonly kind: 'press'; readonly press: ButtonPress }
  | { readonly kind: 'ignored'; readonly reason: string };

const UNSUPPORTED_REPLY = 'Sorry, I cannot pass this kind of message to our support team. Please describe it in words.';
const TOO_BIG_REPLY = `Sorry, that file is too big for me to pass on (the limit is ${formatBytes(MAX_DOWNLOAD_BYTES)}). Could you send a smaller one, or a link to it?`;

/** Turns a Telegram update into what the bridge carries, or says why it does not carry it. */
export function classifyUpdate(update: Update): Classified {
  if ('callback_query' in update) {
    const press = buttonPressOf(update.callback_query);
    return 'ignored' in press ? { kind: 'ignored', reason: press.ignored } : { kind: 'press', press };
  }
  const edited = 'edited_message' in update;
  const message = 'message' in update ? update.message : edited ? update.edited_message : undefined;
  if (!message) return { kind: 'ignored', reason: `update kind ${Object.keys(update).find((k) => k !== 'update_id') ?? 'empty'}` };
  if (message.chat.type !== 'private') return { kind: 'ignored', reason: `${message.chat.type} chat` };
  const from = message.from;
  if (!from || from.is_bot) return { kind: 'ignored', reason: 'not from a person' };

  // A live location sends its moving position as edits of the first message: the agent gets that one.
  if (edited && 'location' in message) return { kind: 'ignored', reason: 'live location update' };

  const chat = { network: 'telegram', externalUserId: String(from.id), externalChatId: String(message.chat.id) };
  const externalMessageId = edited
    ? `${message.chat.id}:${message.message_id}:edit:${(message as Message & { edit_date?: number }).edit_date ?? 0}`
    : `${message.chat.id}:${message.message_id}`;
  const text = 'text' in message ? message.text : undefined;
  if (text !== undefined && !edited) {
    const command = /^\/(start)(?:@\w+)?(?:\s|$)/.exec(text);
    if (command) return { kind: 'command', command: command[1] as string, from: chat, externalMessageId };
  }

  const base = {
    ...chat,
    username: from.username,
    displayName: [from.first_name, from.last_name].filter(Boolean).join(' ') || from.username || String(from.id),
    externalMessageId,
    attachments: [] as Attachment[],
    sentAt: new Date(message.date * 1000).toISOString(),
  };
  const context = contextLines(message);
  const mark = (body: string) => {
    const lines = [...context, body].filter((line) => line !== '').join('\n');
    return edited && lines !== '' ? `✏️ (edited) ${lines}` : lines;
  };
  if (text !== undefined) return { kind: 'message', message: { ...base, text: mark(text) } };

  const caption = 'caption' in message && message.caption ? message.caption : '';
  const attachment = attachmentOf(message);
  if (attachment) {
    if (attachment.size !== undefined && attachment.size > MAX_DOWNLOAD_BYTES) {
      const note = `[the customer sent a file of ${formatBytes(attachment.size)}, too big for a bot to fetch from Telegram (limit ${formatBytes(MAX_DOWNLOAD_BYTES)}); they were asked for a smaller one]`;
      const body = [caption, note].filter(Boolean).join('\n');
      return { kind: 'unsupported', reply: TOO_BIG_REPLY, message: { ...base, text: mark(body) } };
    }
    return { kind: 'message', message: { ...base, text: mark(caption), attachments: [attachment] } };
  }
  const described = describeContent(message);
  if (described !== undefined) return { kind: 'message', message: { ...base, text: mark([described, caption].filter(Boolean).join('\n')) } };
  return {
    kind: 'unsupported',
    reply: UNSUPPORTED_REPLY,
    message: { ...base, text: '[the customer sent a message of a kind the bridge does not know]' },
  };
}
