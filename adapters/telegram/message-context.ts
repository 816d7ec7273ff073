import type { Chat, Message } from 'telegraf/types';
import { inReplyToLine } from '../../src/core/quotes.js';

/**
 * Lines that tell the agent what a message stands in (https://core.telegram.org/bots/api#message):
 * who it was forwarded from (`forward_origin`), and the message it answers, with the part the
 * customer quoted (`quote`) or else the start of the replied-to message (`reply_to_message`).
 */
export function contextLines(message: Message): string[] {
  const lines: string[] = [];
  const origin = 'forward_origin' in message ? message.forward_origin : undefined;
  if (origin) lines.push(`↪️ Forwarded from ${originName(origin)}`);
  const reply = replyLine(message);
  if (reply) lines.push(reply);
  return lines;
}

function originName(origin: NonNullable<Message.CommonMessage['forward_origin']>): string {
  switch (origin.type) {
    case 'user':
      return [origin.sender_user.first_name, origin.sender_user.last_name].filter(Boolean).join(' ') + (origin.sender_user.username ? ` (@${origin.sender_user.username})` : '');
    case 'hidden_user':
      return origin.sender_user_name;
    case 'chat':
      return chatName(origin.sender_chat);
    case 'channel':
      return chatName(origin.chat);
  }
}

function chatName(chat: Chat): string {
  return 'title' in chat ? chat.title : 'first_name' in chat ? chat.first_name : 'a chat';
}

function replyLine(message: Message): string | undefined {
  const quote = 'quote' in message ? message.quote?.text : undefined;
  const replied = 'reply_to_message' in message ? message.reply_to_message : undefined;
  if (quote === undefined && !replied) return undefined;
  return inReplyToLine(quote ?? (replied && ('text' in replied ? replied.text : 'caption' in replied ? replied.caption : undefined)));
}
