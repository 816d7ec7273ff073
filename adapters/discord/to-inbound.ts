import { ChannelType } from 'discord.js';
import type { Attachment, InboundMessage } from '../../src/bridge/messages.js';

/** The parts of a discord.js `Message` the bridge reads (a structural subset, so tests can build one). */
export interface DiscordMessageLike {
  readonly id: string;
  readonly channelId: string;
  readonly guildId: string | null;
  readonly channel: { readonly type: ChannelType };
  readonly author: { readonly id: string; readonly username: string; readonly globalName: string | null; readonly bot: boolean };
  readonly content: string;
  readonly createdAt: Date;
  readonly system: boolean;
  readonly attachments: ReadonlyMap<string, { readonly name: string; readonly contentType: string | null; readonly size: number; readonly url: string }>;
  readonly stickers: ReadonlyMap<string, unknown>;
}

export type Classified =
  | { readonly kind: 'message'; readonly message: InboundMessage }
  | { readonly kind: 'ignored'; readonly reason: string };

/** Turns a Discord message into what the bridge carries, or says why it does not carry it. */
export function classifyMessage(message: DiscordMessageLike): Classified {
  // Bots include this bot itself: Discord echoes the bot's own DMs on the gateway.
  if (message.author.bot) return { kind: 'ignored', reason: 'from a bot' };
  if (message.guildId !== null) return { kind: 'ignored', reason: 'guild message' };
  if (message.channel.type !== ChannelType.DM) return { kind: 'ignored', reason: `channel type ${message.channel.type}` };
  if (message.system) return { kind: 'ignored', reason: 'system message' };

  const { author } = message;
  const attachments = [...message.attachments.values()];
  return {
    kind: 'message',
    message: {
      network: 'discord',
      externalUserId: author.id,
      externalChatId: message.channelId,
      username: author.username,
      displayName: author.globalName || author.username,
      externalMessageId: message.id,
      text: textOf(message.content, message.stickers.size > 0, attachments.length > 0),
      attachments: attachments.map((a) => ({
        kind: kindOf(a.contentType),
        fileName: a.name,
        ...(a.contentType !== null ? { contentType: a.contentType } : {}),
        size: a.size,
        ref: a.url,
      })),
      sentAt: message.createdAt.toISOString(),
    },
  };
}

/** Attachments travel as files (the text may then be empty); a sticker is named so the agent knows it was sent. */
function textOf(content: string, sticker: boolean, hasFiles: boolean): string {
  const text = [content, sticker ? 'sticker' : ''].filter((line) => line !== '').join('\n');
  return text || (hasFiles ? '' : '[the customer sent a message of a kind the bridge does not know]');
}

function kindOf(contentType: string | null): Attachment['kind'] {
  if (contentType?.startsWith('image/')) return 'photo';
  if (contentType?.startsWith('video/')) return 'video';
  if (contentType?.startsWith('audio/')) return 'audio';
  return 'file';
}
