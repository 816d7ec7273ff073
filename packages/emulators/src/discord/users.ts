import type { AttachmentStore } from './attachments.js';
import type { GatewayServer } from './gateway.js';
import { SandboxInputError } from '../shared/input-error.js';
import { hasIntent, Intents } from './intents.js';
import { messageObject, userObject } from './message-objects.js';
import { replyTo } from './replies.js';
import { isSnowflake } from './snowflake.js';
import type { DiscordState, UserRecord } from './state.js';
import type { DcAttachment, DcMessage, DcMessageCreate, DcUser, DiscordEmulatorEvents } from './types.js';

export interface NewUser {
  /** A snowflake, as a string (ids exceed 2^53). */
  id: string;
  username: string;
  global_name?: string | null;
  bot?: boolean;
  /** DMs closed or the bot blocked: the bot's messages to this user fail with 50007. */
  blocksDms?: boolean;
}

export interface DmContent {
  content?: string;
  /**
   * Files the user attached. With `data` the emulator serves the bytes at the attachment's url;
   * without, it makes up a CDN url (nothing is served there) and takes `size` as given.
   */
  attachments?: { filename: string; content_type?: string; size?: number; data?: Buffer }[];
  /** Makes the DM a reply to this message of the DM channel (the bot's or the user's own). */
  replyTo?: string;
  /** Makes the DM a forward of a message with this content and these files, as Discord shapes one. */
  forwarded?: { content?: string; attachments?: { filename: string; content_type?: string; size?: number; data?: Buffer }[] };
}

/** `flags` bit of a message that carries `message_snapshots` (https://discord.com/developers/docs/resources/message#message-object-message-flags). */
const HAS_SNAPSHOT = 1 << 14;
const FORWARD_REFERENCE = 1;

const DM_CHANNEL_TYPE = 1;
const GUILD_TEXT_CHANNEL_TYPE = 0;

/** What users do on their side of Discord; each message becomes a MESSAGE_CREATE for the sessions whose intents want it. */
export class Users {
  private readonly guildId: string;
  private readonly guildChannelId: string;

  constructor(
    private readonly state: DiscordState,
    private readonly gateway: GatewayServer,
    private readonly events: DiscordEmulatorEvents,
    private readonly files: AttachmentStore,
    private readonly origin: () => string,
  ) {
    this.guildId = state.ids.next();
    this.guildChannelId = state.ids.next();
  }

  add({ id, username, global_name, bot, blocksDms = false }: NewUser): DcUser {
    if (!isSnowflake(id)) throw new SandboxInputError(`user id must be a snowflake string, got ${JSON.stringify(id)}`);
    if (id === this.state.bot.id) throw new SandboxInputError('that id is the bot itself');
    if (typeof username !== 'string' || username === '') throw new SandboxInputError('username is required');
    return this.state.upsertUser(userObject({ id, username, global_name, bot }), blocksDms).user;
  }

  setBlocksDms(userId: string, blocksDms: boolean): void {
    this.require(userId).blocksDms = blocksDms;
  }

  /** A DM from the user to the bot; opens their DM channel if this is the first. */
  sendDm(userId: string, content: string | DmContent): DcMessage {
    const { user } = this.require(userId);
    const channel = this.state.openDm(userId);
    const fields = typeof content === 'string' ? { content } : content;
    const answered = fields.replyTo === undefined ? undefined : this.state.message(fields.replyTo);
    if (fields.replyTo !== undefined && answered?.channel_id !== channel.id) throw new SandboxInputError(`no message ${fields.replyTo} in the DM to reply to`, 404);
    const id = this.state.ids.next();
    const plain = messageObject({
      id,
      channelId: channel.id,
      author: user,
      content: fields.content ?? '',
      attachments: (fields.attachments ?? []).map((file) => this.attachment(channel.id, file)),
    });
    const message = answered ? replyTo(plain, answered) : plain;
    if (fields.forwarded) {
      const original = messageObject({
        id: this.state.ids.next(),
        channelId: channel.id,
        author: user,
        content: fields.forwarded.content ?? '',
        attachments: (fields.forwarded.attachments ?? []).map((file) => this.attachment(channel.id, file)),
      });
      const { type, content, embeds, attachments, timestamp, edited_timestamp, flags, mentions, mention_roles, components } = original;
      message.content = '';
      message.flags |= HAS_SNAPSHOT;
      message.message_reference = { type: FORWARD_REFERENCE, channel_id: channel.id, message_id: original.id };
      message.message_snapshots = [{ message: { type, content, embeds, attachments, timestamp, edited_timestamp, flags, mentions, mention_roles, components } }];
    }
    channel.last_message_id = id;
    this.state.keepMessage(message);
    this.events.emit('dm', message);
    this.dispatchDm(message);
    return message;
  }

  /** A message in the emulator's one guild text channel; only sessions with GuildMessages get it, content only with MessageContent. */
  sendInGuild(userId: string, content: string): DcMessageCreate {
    const { user } = this.require(userId);
    const message: DcMessageCreate = {
      ...messageObject({ id: this.state.ids.next(), channelId: this.guildChannelId, author: user, content }),
      channel_type: GUILD_TEXT_CHANNEL_TYPE,
      guild_id: this.guildId,
      member: { roles: [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0 },
    };
    this.gateway.dispatch('MESSAGE_CREATE', (intents) => {
      if (!hasIntent(intents, Intents.GuildMessages)) return undefined;
      return hasIntent(intents, Intents.MessageContent) ? message : { ...message, content: '', attachments: [], embeds: [], components: [] };
    });
    return message;
  }

  /**
   * The user edits a DM they sent: Discord dispatches MESSAGE_UPDATE with the whole message, its new
   * content and `edited_timestamp` (https://discord.com/developers/docs/events/gateway-events#message-update).
   */
  editDm(userId: string, messageId: string, content: string): DcMessage {
    this.require(userId);
    const sent = this.state.message(messageId);
    if (!sent || sent.author.id !== userId) throw new SandboxInputError(`user ${userId} sent no DM ${messageId}`, 404);
    const edited = { ...sent, content, edited_timestamp: new Date().toISOString() };
    this.state.keepMessage(edited);
    this.gateway.dispatch('MESSAGE_UPDATE', (intents) =>
      hasIntent(intents, Intents.DirectMessages) ? { ...edited, channel_type: DM_CHANNEL_TYPE } : undefined,
    );
    return edited;
  }

  /**
   * The user deletes a DM they sent: Discord dispatches MESSAGE_DELETE with only the message's id and
   * channel (no `guild_id` in a DM) to sessions with DirectMessages
   * (https://discord.com/developers/docs/events/gateway-events#message-delete).
   */
  deleteDm(userId: string, messageId: string): void {
    this.require(userId);
    const sent = this.state.message(messageId);
    if (!sent || sent.author.id !== userId) throw new SandboxInputError(`user ${userId} sent no DM ${messageId}`, 404);
    this.state.forgetMessage(messageId);
    const deleted = { id: sent.id, channel_id: sent.channel_id };
    this.gateway.dispatch('MESSAGE_DELETE', (intents) => (hasIntent(intents, Intents.DirectMessages) ? deleted : undefined));
  }

  /** DM MESSAGE_CREATEs carry `channel_type: 1`: discord.js needs it to emit a DM in a channel it has not cached. */
  dispatchDm(message: DcMessage): void {
    this.gateway.dispatch('MESSAGE_CREATE', (intents) =>
      hasIntent(intents, Intents.DirectMessages) ? { ...message, channel_type: DM_CHANNEL_TYPE } : undefined,
    );
  }

  private attachment(channelId: string, file: NonNullable<DmContent['attachments']>[number]): DcAttachment {
    const id = this.state.ids.next();
    const url = file.data
      ? `${this.origin()}${this.files.put(channelId, id, file.filename, file.data, file.content_type ?? 'application/octet-stream')}`
      : `https://cdn.discordapp.com/attachments/${channelId}/${id}/${encodeURIComponent(file.filename)}`;
    return {
      id,
      filename: file.filename,
      size: file.data?.length ?? file.size ?? 0,
      url,
      proxy_url: url.replace('cdn.discordapp.com', 'media.discordapp.net'),
      ...(file.content_type !== undefined ? { content_type: file.content_type } : {}),
    };
  }

  private require(userId: string): UserRecord {
    const record = this.state.user(userId);
    if (!record || userId === this.state.bot.id) throw new SandboxInputError(`unknown user ${userId}: add it first`, 404);
    return record;
  }
}
