import { ChannelType, MessageReferenceType, MessageType, type GatewayMessageCreateDispatchData } from 'discord-api-types/v10';
import { customerCommandIn } from '../../src/core/customer-commands.js';
import type { Attachment, InboundMessage } from '../../src/core/messages.js';
import { inReplyToLine } from '../../src/core/quotes.js';
import { encodeAttachmentRef } from './attachment-ref.js';

/** The parts of a gateway MESSAGE_CREATE the bridge reads (a structural subset, so tests can build one). */
export type DiscordMessageLike = Pick<
  GatewayMessageCreateDispatchData,
  'id' | 'channel_id' | 'guild_id' | 'channel_type' | 'content' | 'timestamp' | 'type' | 'attachments' | 'sticker_items' | 'message_reference'
> & {
  /** A reply's copy of the message it answers; null when that was deleted (https://discord.com/developers/docs/resources/message#message-object). */
  readonly referenced_message?: Pick<GatewayMessageCreateDispatchData, 'content'> | null;
  /** Link previews, and the rich content of messages bots and apps make. */
  readonly embeds?: readonly { readonly url?: string }[];
} & {
  /** A forward's copy of the forwarded message (its content and files; Discord names no author). */
  readonly message_snapshots?: readonly { readonly message: Pick<GatewayMessageCreateDispatchData, 'content' | 'attachments' | 'sticker_items'> }[];
} & { readonly author: Pick<GatewayMessageCreateDispatchData['author'], 'id' | 'username' | 'global_name' | 'bot'> };

export type Classified =
  | { readonly kind: 'message'; readonly message: InboundMessage }
  | { readonly kind: 'ignored'; readonly reason: string };

/** What a person writes; every other type is a system message (a pin, a call, a boost…), as discord.js counts them. */
const PERSON_MESSAGE_TYPES: ReadonlySet<MessageType> = new Set([
  MessageType.Default,
  MessageType.Reply,
  MessageType.ChatInputCommand,
  MessageType.ContextMenuCommand,
]);

/** Turns a Discord message into what the bridge carries, or says why it does not carry it. */
export function classifyMessage(message: DiscordMessageLike): Classified {
  // Bots include this bot itself: Discord echoes the bot's own DMs on the gateway.
  if (message.author.bot) return { kind: 'ignored', reason: 'from a bot' };
  if (message.guild_id !== undefined) return { kind: 'ignored', reason: 'guild message' };
  // Discord names the channel type on MESSAGE_CREATE (https://discord.com/developers/docs/events/gateway-events#message-create); a DM without it is still a DM.
  const channelType = message.channel_type ?? ChannelType.DM;
  if (channelType !== ChannelType.DM) return { kind: 'ignored', reason: `channel type ${channelType}` };
  if (!PERSON_MESSAGE_TYPES.has(message.type)) return { kind: 'ignored', reason: 'system message' };

  const { author } = message;
  // A forward has no content of its own: what the customer forwarded is in its snapshot
  // (https://discord.com/developers/docs/resources/message#message-snapshot-object).
  const forwarded = message.message_reference?.type === MessageReferenceType.Forward ? message.message_snapshots?.[0]?.message : undefined;
  const shown = forwarded ?? message;
  const attachments = [...message.attachments, ...(forwarded?.attachments ?? [])];
  const content = shown.content || embedUrls(message.embeds);
  const body = textOf(content, (shown.sticker_items?.length ?? 0) > 0, attachments.length > 0);
  // A reply (`type` 19) points at the message it answers with a default-type reference.
  const replied = message.type === MessageType.Reply && message.message_reference?.type !== MessageReferenceType.Forward;
  const text = replied ? [inReplyToLine(message.referenced_message?.content || undefined), body].filter((line) => line !== '').join('\n') : body;
  // A text command (`!end`) needs no applications scope or interactions endpoint, unlike a slash command.
  const command = forwarded || attachments.length > 0 ? undefined : customerCommandIn(message.content, '!');
  return {
    kind: 'message',
    message: {
      network: 'discord',
      externalUserId: author.id,
      externalChatId: message.channel_id,
      username: author.username,
      displayName: author.global_name || author.username,
      externalMessageId: message.id,
      text: forwarded ? ['↪️ Forwarded message', text].filter((line) => line !== '').join('\n') : text,
      attachments: attachments.map((a) => ({
        kind: kindOf(a.content_type),
        fileName: a.filename,
        ...(a.content_type !== undefined ? { contentType: a.content_type } : {}),
        size: a.size,
        // A forwarded file is signed anew on a fetch of the forward, which carries it in its snapshot.
        ref: encodeAttachmentRef({ url: a.url, source: { channelId: message.channel_id, messageId: message.id, attachmentId: a.id } }),
      })),
      sentAt: new Date(message.timestamp).toISOString(),
      ...(command ? { command } : {}),
    },
  };
}

/** A message with no text of its own but embeds (link previews) is their urls, one a line. */
function embedUrls(embeds: DiscordMessageLike['embeds']): string {
  return (embeds ?? []).flatMap((embed) => (embed.url ? [embed.url] : [])).join('\n');
}

/** Attachments travel as files (the text may then be empty); a sticker is named so the agent knows it was sent. */
function textOf(content: string, sticker: boolean, hasFiles: boolean): string {
  const text = [content, sticker ? 'sticker' : ''].filter((line) => line !== '').join('\n');
  return text || (hasFiles ? '' : '[the customer sent a message of a kind the bridge does not know]');
}

function kindOf(contentType: string | undefined): Attachment['kind'] {
  if (contentType?.startsWith('image/')) return 'photo';
  if (contentType?.startsWith('video/')) return 'video';
  if (contentType?.startsWith('audio/')) return 'audio';
  return 'file';
}

/**
 * A MESSAGE_UPDATE of a DM, under the policy Telegram edits follow: the new text reaches the agent as
 * a message of its own, `✏️ (edited) …`, keyed by the edit's time so each edit is stored once. Its
 * files are not sent again. An update without `edited_timestamp` is Discord filling in an embed, not
 * the customer's edit (https://discord.com/developers/docs/events/gateway-events#message-update).
 */
export function classifyEdit(message: DiscordMessageLike & { readonly edited_timestamp?: string | null }): Classified {
  // Older gateway versions sent partial updates; one without its author cannot be told apart.
  if (!message.edited_timestamp || !message.author) return { kind: 'ignored', reason: 'an update that is no edit' };
  const item = classifyMessage({ ...message, attachments: [], message_snapshots: [] });
  if (item.kind !== 'message') return item;
  // An edit is text for the agent, whatever it now says: a command acts when it is sent.
  const { command: _asSent, ...edit } = item.message;
  return { kind: 'message', message: { ...edit, externalMessageId: `${message.id}:edit:${message.edited_timestamp}`, text: `✏️ (edited) ${edit.text}` } };
}
