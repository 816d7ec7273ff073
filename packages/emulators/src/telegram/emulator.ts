import { EventEmitter } from 'node:events';
import Fastify, { type FastifyInstance } from 'fastify';
import type { BotContext } from './bot-context.js';
import { ConflictGate } from './conflict-gate.js';
import { registerBotApiRoutes } from './bot-api-routes.js';
import { registerControlRoutes } from './control-routes.js';
import { Customers, type NewCustomer } from './customers.js';
import { FaultInjector, type FaultSpec, type HangSpec } from './faults.js';
import { FloodControl, type SendRateLimits } from './flood-control.js';
import { FileStore, messageFieldOf, type CustomerFile, type FileKind, type StoredFile } from './files.js';
import { parseId } from './ids.js';
import { registerBodyParsers } from './params.js';
import { EmulatorState } from './state.js';
import type {
  RecordedRequest,
  TelegramEmulatorEventMap,
  TelegramEmulatorEvents,
  TgBotCommand,
  TgMessage,
  TgUpdate,
  TgUser,
  WebhookDelivery,
} from './types.js';
import { UpdateQueue } from './updates.js';
import { waitForEvent } from '../shared/wait-for-event.js';
import { DEFAULT_WEBHOOK_RETRY, WebhookPusher, type WebhookRetryOptions } from './webhook-pusher.js';

export interface TelegramEmulatorOptions {
  /** `<bot id>:<secret>`, as Telegram issues them; the bot's user id is the number before the colon. */
  token: string;
  botUsername?: string;
  botFirstName?: string;
  webhookRetry?: Partial<WebhookRetryOptions>;
  /** Keep `requests` (default true). Off for long benchmarks, where the log would grow without bound. */
  recordRequests?: boolean;
  /**
   * Accept `http://` webhook URLs on any port (default false: HTTPS on 443, 80, 88 or 8443 only, as
   * Telegram). The emulator can only reach receivers on loopback, which serve plain HTTP.
   */
  allowInsecureWebhooks?: boolean;
  /** Telegram's flood limits on sending; off by default (see `SendRateLimits`). */
  sendRateLimits?: SendRateLimits;
  /** The emulator's clock in Unix ms (default `Date.now`): message dates, update expiry and rate limits follow it. */
  now?: () => number;
  /**
   * A 409 Conflict within this long of the previous one is answered this late (default 3000, as the
   * Bot API server does). Tests of conflicts between pollers may shorten it.
   */
  conflictDelayMs?: number;
}

const DEFAULT_MIME_TYPES: Record<FileKind, string> = {
  photo: 'image/jpeg',
  document: 'application/octet-stream',
  voice: 'audio/ogg',
  audio: 'audio/mpeg',
  video: 'video/mp4',
  video_note: 'video/mp4',
  animation: 'video/mp4',
};

/**
 * A Telegram Bot API server on loopback that real clients (telegraf) talk to unmodified, plus a
 * control side to play the customers, inject faults and inspect what the bot did.
 */
export class TelegramEmulator {
  readonly events: TelegramEmulatorEvents = new EventEmitter<TelegramEmulatorEventMap>();
  /** Every authorized Bot API call, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  readonly token: string;
  private readonly state: EmulatorState;
  private readonly queue: UpdateQueue;
  private readonly webhook: WebhookPusher;
  private readonly faults = new FaultInjector();
  private readonly customers: Customers;
  private readonly files = new FileStore();
  private app: FastifyInstance | undefined;
  private url: string | undefined;
  /** Aborted by `stop()`. */
  private readonly stopping = new AbortController();
  private readonly recordRequests: boolean;
  private readonly now: () => number;
  private readonly allowInsecureWebhooks: boolean;
  private readonly floodControl: FloodControl;
  private readonly conflictDelayMs: number;

  constructor({
    token,
    botUsername = 'flex_bridge_bot',
    botFirstName = 'Flex Bridge',
    webhookRetry,
    recordRequests = true,
    allowInsecureWebhooks = false,
    sendRateLimits,
    now = Date.now,
    conflictDelayMs = 3000,
  }: TelegramEmulatorOptions) {
    const botId = parseId(/^(\d+):[\w-]+$/.exec(token)?.[1]);
    if (botId === undefined) throw new Error('token must look like "<bot id>:<secret>"');
    this.token = token;
    this.recordRequests = recordRequests;
    this.state = new EmulatorState({ id: botId, is_bot: true, first_name: botFirstName, username: botUsername });
    this.queue = new UpdateQueue(now);
    this.webhook = new WebhookPusher(
      this.queue,
      (delivery) => this.events.emit('webhookDelivery', delivery),
      { ...DEFAULT_WEBHOOK_RETRY, ...webhookRetry },
      now,
    );
    this.customers = new Customers(this.state, this.queue, this.events, now);
    this.now = now;
    this.allowInsecureWebhooks = allowInsecureWebhooks;
    this.floodControl = new FloodControl(sendRateLimits, now);
    this.conflictDelayMs = conflictDelayMs;
  }

  /** Listens and resolves with the base URL to use as telegraf's `apiRoot`. One start per emulator. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.app) throw new Error('the emulator was already started');
    const app = Fastify({ logger: false });
    this.app = app;
    registerBodyParsers(app);
    // A keep-alive connection that is busy when close() begins would hold the server open for the
    // whole keep-alive timeout; answering `connection: close` while stopping lets it end.
    app.addHook('onSend', async (_request, reply) => {
      if (this.stopping.signal.aborted) reply.header('connection', 'close');
    });
    const bot: BotContext = {
      state: this.state,
      queue: this.queue,
      webhook: this.webhook,
      events: this.events,
      files: this.files,
      now: this.now,
      allowInsecureWebhooks: this.allowInsecureWebhooks,
      floodControl: this.floodControl,
      conflicts: new ConflictGate(this.now, this.conflictDelayMs, this.stopping.signal),
    };
    registerBotApiRoutes(app, {
      token: this.token,
      bot,
      faults: this.faults,
      onRequest: (request) => this.record(request),
      stopping: this.stopping.signal,
    });
    registerControlRoutes(app, this);
    await app.listen({ port, host });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('the emulator is not listening on TCP');
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    return this.url;
  }

  /** Ends held long polls (they answer `[]`), stops webhook delivery and closes the server. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.webhook.stop();
    this.queue.close();
    await this.app?.close();
  }

  get baseUrl(): string {
    if (!this.url) throw new Error('the emulator is not started');
    return this.url;
  }

  get bot(): TgUser {
    return { ...this.state.bot };
  }

  // --- customers -------------------------------------------------------------------------------

  addUser(user: NewCustomer): TgUser {
    return this.customers.add(user);
  }

  userSends(userId: number | string, content: string | Partial<TgMessage>): TgMessage {
    return this.customers.send(userId, content);
  }

  /** The user presses the button with `callbackData` under the bot's message `messageId`; returns the callback query id. */
  userPresses(userId: number | string, messageId: number, callbackData: string): string {
    return this.customers.press(userId, messageId, callbackData);
  }

  /** Queues a raw update (any kind, any chat); returns it with its update_id, or undefined if `allowed_updates` filters it. */
  pushUpdate(update: Record<string, unknown>): TgUpdate | undefined {
    return this.customers.pushUpdate(update);
  }

  /** The user sends a file (its bytes are kept, for getFile and the download route), with an optional caption. */
  userSendsFile(userId: number | string, file: CustomerFile): TgMessage {
    const mimeType = file.mimeType ?? DEFAULT_MIME_TYPES[file.kind];
    const stored = this.files.add(file.kind, file.data, mimeType, file.fileName);
    return this.customers.send(userId, { ...messageFieldOf(stored), ...(file.caption !== undefined ? { caption: file.caption } : {}) });
  }

  /** The bytes of a file the emulator holds (sent by a user or uploaded by the bot), by file_id. */
  fileContents(fileId: string): Buffer | undefined {
    return this.files.byFileId(fileId)?.data;
  }

  /** A file the emulator holds, with its content type and name (for showing it, e.g. in the demo console). */
  file(fileId: string): Pick<StoredFile, 'data' | 'mimeType' | 'fileName' | 'filePath'> | undefined {
    return this.files.byFileId(fileId);
  }

  blockBot(userId: number | string, blocked = true): void {
    this.customers.setBlocked(userId, blocked);
  }

  // --- inspection ------------------------------------------------------------------------------

  /** Messages the bot sent to the chat, in order. */
  messagesTo(chatId: number | string): TgMessage[] {
    const id = parseId(chatId);
    return id === undefined ? [] : this.state.messagesTo(id);
  }

  /** The bot's command menu for everyone (setMyCommands' default scope), in a language or the default. */
  botCommands(languageCode = ''): TgBotCommand[] {
    return this.state.commands(`{"type":"default"}|${languageCode}`);
  }

  /** Resolves with all messages to the chat once there are at least `count`; rejects after `timeoutMs`. */
  async waitForMessages(chatId: number | string, count: number, timeoutMs = 5000): Promise<TgMessage[]> {
    const enough = () => {
      const messages = this.messagesTo(chatId);
      return messages.length >= count ? messages : undefined;
    };
    const describe = () => `${count} message(s) to chat ${chatId}, got ${this.messagesTo(chatId).length}`;
    return enough() ?? waitForEvent(this.events, 'botMessage', timeoutMs, describe, enough);
  }

  /** Resolves with the next call of `method` (case-insensitive) the bot makes from now on. */
  waitForRequest(method: string, timeoutMs = 5000): Promise<RecordedRequest> {
    return waitForEvent<TelegramEmulatorEventMap, 'request', RecordedRequest>(this.events, 'request', timeoutMs, () => `a ${method} request`, (request) =>
      request.method.toLowerCase() === method.toLowerCase() ? request : undefined,
    );
  }

  /** Updates not yet confirmed by getUpdates offset or delivered to the webhook. */
  get pendingUpdates(): number {
    return this.queue.size;
  }

  get webhookDeliveries(): WebhookDelivery[] {
    return [...this.webhook.deliveries];
  }

  // --- faults ----------------------------------------------------------------------------------

  failNext(fault: FaultSpec): void {
    this.faults.failNext(fault);
  }

  /** The next matching calls get no answer; with `apply` they are carried out first (the message is sent). */
  hangNext(fault: HangSpec): void {
    this.faults.hangNext(fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  private record(request: RecordedRequest): void {
    if (this.recordRequests) this.requests.push(request);
    this.events.emit('request', request);
  }
}
