import type { Message, Update } from 'telegraf/types';
import type { Attachment, ExternalChatRef, InboundMessage } from '../../src/core/messages.js';
import { customerCommandIn } from '../../src/core/customer-commands.js';
import { formatBytes } from '../../src/core/text.js';
import { attachmentOf } from './attachments.js';
import { buttonPressOf, type ButtonPress } from './button-press.js';
import { describeContent } from './describe-content.js';
import { withHiddenLinks, withPreviewUrl } from './hidden-links.js';
import { contextLines } from './message-context.js';

/** getFile hands bots files up to 20 MB (https://core.telegram.org/bots/api#getfile); bigger ones cannot be fetched at all. */
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

export type Classified =
  | { readonly kind: 'message'; readonly message: InboundMessage }
  /** Answered by the bridge; `externalMessageId` identifies the command message, as for any message. */
  | {
      readonly kind: 'command';
      readonly command: string;
      readonly from: ExternalChatRef;
      readonly externalMessageId: string;
      readonly language?: string;
      /** `/start`'s deep-link parameter (https://core.telegram.org/bots/features#deep-linking). */
      readonly startPayload?: string;
    }
  /** Stored for the agent, and the customer is told why it did not get through as sent. */
  | { readonly kind: 'unsupported'; readonly message: InboundMessage; readonly why: 'unknown-kind' | 'file-too-big' }
  | { readonly kind: 'press'; readonly press: ButtonPress }
  | { readonly kind: 'ignored'; readonly reason: string };

const DEEP_LINK_PAYLOAD = /^[A-Za-z0-9_-]{1,64}$/;

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
    const command = /^\/(start)(?:@\w+)?(?:\s([\s\S]*))?$/.exec(text);
    if (command) {
      const payload = command[2]?.trim();
      // A deep link carries up to 64 of A-Z a-z 0-9 _ -; anything else was typed by hand and is no payload.
      const startPayload = payload && DEEP_LINK_PAYLOAD.test(payload) ? payload : undefined;
      const language = from.language_code;
      return { kind: 'command', command: command[1] as string, from: chat, externalMessageId, ...(language && { language }), ...(startPayload && { startPayload }) };
    }
  }

  const base = {
    ...chat,
    username: from.username,
    displayName: [from.first_name, from.last_name].filter(Boolean).join(' ') || from.username || String(from.id),
    ...(from.language_code && { language: from.language_code }),
    externalMessageId,
    attachments: [] as Attachment[],
    sentAt: new Date(message.date * 1000).toISOString(),
  };
  const context = contextLines(message);
  const mark = (body: string) => {
    const lines = [...context, body].filter((line) => line !== '').join('\n');
    return edited && lines !== '' ? `✏️ (edited) ${lines}` : lines;
  };
  if (text !== undefined) {
    const shown = withPreviewUrl(withHiddenLinks(text, 'entities' in message ? message.entities : undefined), 'link_preview_options' in message ? message.link_preview_options?.url : undefined);
    // `/end` and `/transcript` travel like messages (stored once, in order) for the bridge to act on.
    const command = edited ? undefined : customerCommandIn(text, '/');
    return { kind: 'message', message: { ...base, text: mark(shown), ...(command && { command }) } };
  }

  const caption = 'caption' in message && message.caption ? withHiddenLinks(message.caption, message.caption_entities) : '';
  const attachment = attachmentOf(message);
  if (attachment) {
    if (attachment.size !== undefined && attachment.size > MAX_DOWNLOAD_BYTES) {
      const note = `[the customer sent a file of ${formatBytes(attachment.size)}, too big for a bot to fetch from Telegram (limit ${formatBytes(MAX_DOWNLOAD_BYTES)}); they were asked for a smaller one]`;
      const body = [caption, note].filter(Boolean).join('\n');
      return { kind: 'unsupported', why: 'file-too-big', message: { ...base, text: mark(body) } };
    }
    return { kind: 'message', message: { ...base, text: mark(caption), attachments: [attachment] } };
  }
  const described = describeContent(message);
  if (described !== undefined) return { kind: 'message', message: { ...base, text: mark([described, caption].filter(Boolean).join('\n')) } };
  return {
    kind: 'unsupported',
    why: 'unknown-kind',
    message: { ...base, text: '[the customer sent a message of a kind the bridge does not know]' },
  };
}
