import type { TgBotCommand, TgChat, TgMessage, TgUser } from './types.js';

export interface CustomerRecord {
  user: TgUser;
  blocked: boolean;
  /** A user who never wrote to the bot cannot be written to (403 "bot can't initiate conversation"). */
  started: boolean;
}

interface ChatRecord {
  chat: TgChat;
  /** Message ids are per chat and shared by both directions, as in a real private chat. */
  lastMessageId: number;
  sentByBot: TgMessage[];
  /** Every message of the chat the emulator saw, by id: what a reply can point at. */
  messages: Map<number, TgMessage>;
}

/** Who exists in the emulated Telegram: the bot, its customers, their chats and what the bot sent to them. */
export class EmulatorState {
  private readonly customers = new Map<number, CustomerRecord>();
  private readonly chats = new Map<number, ChatRecord>();
  /** The bot's command lists (setMyCommands), by scope and language. */
  private readonly commandLists = new Map<string, TgBotCommand[]>();
  /** Callback queries sent to the bot and not answered yet. */
  private readonly openCallbackQueries = new Set<string>();
  private lastCallbackQueryId = 0;

  constructor(readonly bot: Required<Pick<TgUser, 'id' | 'is_bot' | 'first_name' | 'username'>>) {}

  /** Adds a customer, or updates the profile (name, username) of a known one. */
  upsertCustomer(user: TgUser, started: boolean): CustomerRecord {
    const known = this.customers.get(user.id);
    const record: CustomerRecord = known ? { ...known, user } : { user, blocked: false, started };
    this.customers.set(user.id, record);
    const chat = this.chats.get(user.id);
    if (chat) chat.chat = privateChatOf(user);
    else this.ensureChat(privateChatOf(user));
    return record;
  }

  customer(id: number): CustomerRecord | undefined {
    return this.customers.get(id);
  }

  /** Registers a chat the first time it is seen (group chats arrive through raw updates). */
  ensureChat(chat: TgChat): TgChat {
    const known = this.chats.get(chat.id);
    if (known) return known.chat;
    this.chats.set(chat.id, { chat, lastMessageId: 0, sentByBot: [], messages: new Map() });
    return chat;
  }

  chat(id: number): TgChat | undefined {
    return this.chats.get(id)?.chat;
  }

  chatByUsername(username: string): TgChat | undefined {
    for (const { chat } of this.chats.values()) {
      if (chat.type !== 'private' && chat.username?.toLowerCase() === username.toLowerCase()) return chat;
    }
    return undefined;
  }

  nextMessageId(chatId: number): number {
    const record = this.requireChat(chatId);
    record.lastMessageId += 1;
    return record.lastMessageId;
  }

  /** Keeps the per-chat counter ahead of ids chosen by a test in a raw update. */
  noteMessageId(chatId: number, messageId: number): void {
    const record = this.requireChat(chatId);
    record.lastMessageId = Math.max(record.lastMessageId, messageId);
  }

  recordBotMessage(message: TgMessage): void {
    this.requireChat(message.chat.id).sentByBot.push(message);
    this.recordMessage(message);
  }

  /** A message of either side, for replies to find. */
  recordMessage(message: TgMessage): void {
    this.requireChat(message.chat.id).messages.set(message.message_id, message);
  }

  message(chatId: number, messageId: number): TgMessage | undefined {
    return this.chats.get(chatId)?.messages.get(messageId);
  }

  messagesTo(chatId: number): TgMessage[] {
    return [...(this.chats.get(chatId)?.sentByBot ?? [])];
  }

  setCommands(listKey: string, commands: TgBotCommand[]): void {
    this.commandLists.set(listKey, commands);
  }

  commands(listKey: string): TgBotCommand[] {
    return [...(this.commandLists.get(listKey) ?? [])];
  }

  /** A message the bot sent, as it is now (edits change it in place). */
  botMessage(chatId: number, messageId: number): TgMessage | undefined {
    return this.chats.get(chatId)?.sentByBot.find((m) => m.message_id === messageId);
  }

  /** A new callback query id, open until the bot answers it. */
  openCallbackQuery(): string {
    this.lastCallbackQueryId += 1;
    const id = `${this.bot.id}${String(this.lastCallbackQueryId).padStart(9, '0')}`;
    this.openCallbackQueries.add(id);
    return id;
  }

  /** False when the id was never issued or was answered already. */
  answerCallbackQuery(id: string): boolean {
    return this.openCallbackQueries.delete(id);
  }

  private requireChat(chatId: number): ChatRecord {
    const record = this.chats.get(chatId);
    if (!record) throw new Error(`unknown chat ${chatId}`);
    return record;
  }
}

export function privateChatOf(user: TgUser): TgChat {
  return {
    id: user.id,
    type: 'private',
    first_name: user.first_name,
    ...(user.last_name !== undefined ? { last_name: user.last_name } : {}),
    ...(user.username !== undefined ? { username: user.username } : {}),
  };
}
