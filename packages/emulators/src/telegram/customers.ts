import { parseId, unixSeconds } from './ids.js';
import { SandboxInputError } from '../shared/input-error.js';
import type { CustomerRecord, EmulatorState } from './state.js';
import type { TelegramEmulatorEvents, TgChat, TgMessage, TgUpdate, TgUser } from './types.js';
import type { UpdateQueue } from './updates.js';
import type { InlineKeyboardMarkup } from './inline-keyboards.js';

export interface NewCustomer {
  /** A number up to 2^53, or its decimal string. */
  id: number | string;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
  /** Whether the user has already pressed Start; if not, the bot gets 403 until the user writes. Default true. */
  started?: boolean;
}

/** What customers do on their side of Telegram; each action becomes an update for the bot. */
export class Customers {
  constructor(
    private readonly state: EmulatorState,
    private readonly queue: UpdateQueue,
    private readonly events: TelegramEmulatorEvents,
    private readonly now: () => number = Date.now,
  ) {}

  add({ id, started = true, ...profile }: NewCustomer): TgUser {
    const userId = parseId(id);
    if (userId === undefined || userId <= 0) throw new SandboxInputError(`user id must be a positive integer, got ${String(id)}`);
    const user: TgUser = { id: userId, is_bot: false, ...profile };
    return this.state.upsertCustomer(user, started).user;
  }

  /** A private-chat message from the user. Writing to a bot one has blocked unblocks it first, as "Restart" does. */
  send(userId: number | string, content: string | Partial<TgMessage>): TgMessage {
    const customer = this.require(userId);
    if (customer.blocked) this.setBlocked(userId, false);
    customer.started = true;
    const chat = this.privateChat(customer);
    const fields = typeof content === 'string' ? { text: content } : content;
    const own = { message_id: this.state.nextMessageId(chat.id), from: customer.user, chat };
    // Telegram's field order; the given fields may set `date` but not the ids.
    const message: TgMessage = Object.assign({ ...own, date: unixSeconds(this.now()) }, fields, own);
    this.state.recordMessage(message);
    this.enqueue({ message });
    return message;
  }

  /**
   * The user presses a button of an inline keyboard under a message the bot sent them: the bot gets a
   * `callback_query` update (https://core.telegram.org/bots/api#callbackquery) carrying the button's
   * `callback_data`. Returns the query's id.
   */
  press(userId: number | string, messageId: number, callbackData: string): string {
    const customer = this.require(userId);
    const chat = this.privateChat(customer);
    const message = this.state.botMessage(chat.id, messageId);
    if (!message) throw new SandboxInputError(`the bot sent no message ${messageId} to user ${String(userId)}`, 404);
    const keyboard = (message.reply_markup as InlineKeyboardMarkup | undefined)?.inline_keyboard;
    if (!keyboard?.flat().some((button) => button.callback_data === callbackData)) {
      throw new SandboxInputError(`message ${messageId} has no button with callback_data ${callbackData}`);
    }
    const id = this.state.openCallbackQuery();
    // The message as it was when pressed: the bot may edit it before the update is fetched.
    this.enqueue({ callback_query: { id, from: customer.user, message: structuredClone(message), chat_instance: String(chat.id), data: callbackData } });
    return id;
  }

  /** Blocking or unblocking sends the bot a `my_chat_member` update (status `kicked` / `member`). */
  setBlocked(userId: number | string, blocked: boolean): void {
    const customer = this.require(userId);
    if (customer.blocked === blocked) return;
    customer.blocked = blocked;
    const kicked = { user: { ...this.state.bot }, status: 'kicked', until_date: 0 };
    const member = { user: { ...this.state.bot }, status: 'member' };
    this.enqueue({
      my_chat_member: {
        chat: this.privateChat(customer),
        from: customer.user,
        date: unixSeconds(this.now()),
        old_chat_member: blocked ? member : kicked,
        new_chat_member: blocked ? kicked : member,
      },
    });
  }

  /**
   * Queues any update as given (a group message, a callback query, a kind the emulator does not
   * know). `update_id` is assigned. Chats found in it are registered so the bot can answer them.
   */
  pushUpdate(content: Record<string, unknown>): TgUpdate | undefined {
    const kinds = Object.keys(content).filter((key) => key !== 'update_id');
    if (kinds.length !== 1) throw new SandboxInputError(`an update has exactly one field besides update_id, got ${kinds.length}`);
    const payload = content[kinds[0] as string];
    if (isMessageLike(payload)) {
      this.state.ensureChat(payload.chat);
      if (typeof payload.message_id === 'number') {
        this.state.noteMessageId(payload.chat.id, payload.message_id);
        this.state.recordMessage(payload as TgMessage);
      }
    }
    return this.enqueue(content);
  }

  private enqueue(content: Record<string, unknown>): TgUpdate | undefined {
    const update = this.queue.push(content);
    if (update) this.events.emit('update', update);
    return update;
  }

  private require(userId: number | string): CustomerRecord {
    const id = parseId(userId);
    const customer = id === undefined ? undefined : this.state.customer(id);
    if (!customer) throw new SandboxInputError(`unknown user ${String(userId)}; add it first`, 404);
    return customer;
  }

  private privateChat(customer: CustomerRecord): TgChat {
    const chat = this.state.chat(customer.user.id);
    if (!chat) throw new Error(`private chat of user ${customer.user.id} is missing`);
    return chat;
  }
}

function isMessageLike(value: unknown): value is { chat: TgChat; message_id?: unknown } {
  if (typeof value !== 'object' || value === null || !('chat' in value)) return false;
  const chat = value.chat as Partial<TgChat> | null;
  return typeof chat?.id === 'number' && typeof chat.type === 'string';
}
