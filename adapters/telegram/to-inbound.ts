import type { Message, Update } from 'telegraf/types';
import type { InboundMessage } from '../../src/bridge/messages.js';

export type Classified =
  | { readonly kind: 'message'; readonly message: InboundMessage }
  | { readonly kind: 'command'; readonly command: string; readonly chatId: number }
  | { readonly kind: 'unsupported'; readonly message: InboundMessage; readonly chatId: number }
  | { readonly kind: 'ignored'; readonly reason: string };

const CONTENT_LABELS: Record<string, string> = {
  photo: 'a photo',
  document: 'a file',
  voice: 'a voice message',
  audio: 'an audio file',
  video: 'a video',
  video_note: 'a video message',
  animation: 'a GIF',
  sticker: 'a sticker',
  location: 'a location',
  venue: 'a venue',
  contact: 'a contact',
  poll: 'a poll',
  dice: 'a dice roll',
};

/** Turns a Telegram update into what the bridge carries, or says why it does not carry it. */
export function classifyUpdate(update: Update): Classified {
  const edited = 'edited_message' in update;
  const message = 'message' in update ? update.message : edited ? update.edited_message : undefined;
  if (!message) return { kind: 'ignored', reason: `update kind ${Object.keys(update).find((k) => k !== 'update_id') ?? 'empty'}` };
  if (message.chat.type !== 'private') return { kind: 'ignored', reason: `${message.chat.type} chat` };
  const from = message.from;
  if (!from || from.is_bot) return { kind: 'ignored', reason: 'not from a person' };

  const text = 'text' in message ? message.text : undefined;
  if (text !== undefined && !edited) {
    const command = /^\/(start)(?:@\w+)?(?:\s|$)/.exec(text);
    if (command) return { kind: 'command', command: command[1] as string, chatId: message.chat.id };
  }

  const base = {
    network: 'telegram',
    externalUserId: String(from.id),
    externalChatId: String(message.chat.id),
    username: from.username,
    displayName: [from.first_name, from.last_name].filter(Boolean).join(' ') || from.username || String(from.id),
    externalMessageId: edited
      ? `${message.chat.id}:${message.message_id}:edit:${(message as Message & { edit_date?: number }).edit_date ?? 0}`
      : `${message.chat.id}:${message.message_id}`,
    attachments: [],
    sentAt: new Date(message.date * 1000).toISOString(),
  };
  if (text !== undefined) {
    return { kind: 'message', message: { ...base, text: edited ? `✏️ (edited) ${text}` : text } };
  }
  const content = Object.keys(CONTENT_LABELS).find((k) => k in message);
  const caption = 'caption' in message && message.caption ? `: ${message.caption}` : '';
  const label = content ? CONTENT_LABELS[content] : 'a message of a kind the bridge does not know';
  return {
    kind: 'unsupported',
    chatId: message.chat.id,
    message: { ...base, text: `[the customer sent ${label}, which this bridge cannot carry yet${caption}]` },
  };
}
