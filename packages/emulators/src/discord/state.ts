import type { BotMessage, DcDmChannel, DcMessage, DcUser } from './types.js';
import { Snowflakes } from './snowflake.js';

export interface UserRecord {
  user: DcUser;
  /** The user closed DMs or blocked the bot: the bot's messages fail with 50007. */
  blocksDms: boolean;
}

/** Who exists in the emulated Discord: the bot, the users, their DM channels with the bot and what the bot sent. */
export class DiscordState {
  readonly ids = new Snowflakes();
  private readonly users = new Map<string, UserRecord>();
  private readonly dmByUser = new Map<string, DcDmChannel>();
  private readonly recipientByDm = new Map<string, string>();
  private readonly botMessages = new Map<string, BotMessage[]>();
  /** Every DM message, the users' and the bot's, by id, as it was last created or edited. */
  private readonly messages = new Map<string, DcMessage>();
  /** Messages created with `enforce_nonce`, by author and nonce, oldest first, with when they were made. */
  private readonly nonces = new Map<string, { message: DcMessage; at: number }>();

  constructor(
    readonly bot: DcUser,
    readonly applicationId: string,
    /** How long Discord checks an enforced nonce: "in the past few minutes". */
    private readonly nonceWindowMs: number,
  ) {}

  /**
   * The message this author created with this enforced nonce within the nonce window, whatever the
   * channel (https://discord.com/developers/docs/resources/message#create-message-jsonform-params).
   */
  messageWithNonce(authorId: string, nonce: string): DcMessage | undefined {
    this.forgetOldNonces();
    return this.nonces.get(`${authorId}:${nonce}`)?.message;
  }

  rememberNonce(authorId: string, nonce: string, message: DcMessage): void {
    this.forgetOldNonces();
    this.nonces.set(`${authorId}:${nonce}`, { message, at: Date.now() });
  }

  private forgetOldNonces(): void {
    const since = Date.now() - this.nonceWindowMs;
    for (const [key, { at }] of this.nonces) {
      if (at > since) return;
      this.nonces.delete(key);
    }
  }

  /** Adds a user, or updates the profile of a known one. */
  upsertUser(user: DcUser, blocksDms: boolean): UserRecord {
    const record = { user, blocksDms };
    this.users.set(user.id, record);
    const dm = this.dmByUser.get(user.id);
    if (dm) dm.recipients = [user];
    return record;
  }

  user(id: string): UserRecord | undefined {
    return id === this.bot.id ? { user: this.bot, blocksDms: false } : this.users.get(id);
  }

  /** The DM channel between the bot and the user; the same channel every time, as on Discord. */
  openDm(userId: string): DcDmChannel {
    const known = this.dmByUser.get(userId);
    if (known) return known;
    const record = this.users.get(userId);
    if (!record) throw new Error(`unknown user ${userId}`);
    const channel: DcDmChannel = { id: this.ids.next(), type: 1, last_message_id: null, flags: 0, recipients: [record.user] };
    this.dmByUser.set(userId, channel);
    this.recipientByDm.set(channel.id, userId);
    return channel;
  }

  dmChannel(channelId: string): { channel: DcDmChannel; recipient: UserRecord } | undefined {
    const userId = this.recipientByDm.get(channelId);
    const channel = userId === undefined ? undefined : this.dmByUser.get(userId);
    const recipient = userId === undefined ? undefined : this.users.get(userId);
    return channel && recipient ? { channel, recipient } : undefined;
  }

  /** Keeps a DM message (new, or edited: it replaces the one with its id). */
  keepMessage(message: DcMessage): void {
    this.messages.set(message.id, message);
  }

  message(id: string): DcMessage | undefined {
    return this.messages.get(id);
  }

  forgetMessage(id: string): void {
    this.messages.delete(id);
  }

  /** The channel's messages, the users' and the bot's, in no particular order. */
  messagesIn(channelId: string): DcMessage[] {
    return [...this.messages.values()].filter((message) => message.channel_id === channelId);
  }

  recordBotMessage(sent: BotMessage): void {
    this.keepMessage(sent.message);
    const list = this.botMessages.get(sent.recipientId) ?? [];
    list.push(sent);
    this.botMessages.set(sent.recipientId, list);
  }

  botMessagesTo(userId: string): BotMessage[] {
    return [...(this.botMessages.get(userId) ?? [])];
  }
}
