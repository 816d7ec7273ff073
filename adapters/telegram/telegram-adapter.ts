import http from 'node:http';
import type { Logger } from 'pino';
import { Telegraf } from 'telegraf';
import type { Update } from 'telegraf/types';
import { formatBytes, splitText } from '../../src/core/text.js';
import type { Attachment, AutoReply, ExternalChatRef, MediaFile, OutboundMessage, SentRef } from '../../src/core/messages.js';
import { constantTimeEqual } from '../../src/core/constant-time.js';
import type { AdapterHealth, AdapterWebhook, AutoReplySink, ChatAdapter, ExclusiveIntake, InboundSink } from '../../src/core/chat-adapter.js';
import { toDeliveryError } from './errors.js';
import { downloadFile, isRefusedPhoto, MAX_CAPTION_LENGTH, MAX_UPLOAD_BYTES, sendFile } from './media.js';
import { ALLOWED_UPDATES, TelegramPoller } from './polling.js';
import { classifyUpdate, MAX_DOWNLOAD_BYTES } from './to-inbound.js';
import type { ButtonPress } from './button-press.js';
import { inlineKeyboard } from './inline-keyboard.js';
import { TELEGRAM_WEBHOOK_PATH } from './webhook-path.js';

export interface TelegramAdapterOptions {
  readonly token: string;
  readonly apiRoot: string;
  readonly mode: 'polling' | 'webhook';
  /** Required in webhook mode: without it the webhook refuses every request. */
  readonly webhookSecret?: string;
  readonly publicBaseUrl: string;
  /** What the bot answers by itself, in the customer's language (a BCP 47 tag, when Telegram gives one); undefined: nothing. */
  readonly texts: (key: TelegramText, language?: string) => string | undefined;
  /**
   * The commands shown in the bot's menu (setMyCommands), for everyone and for the users of each
   * language that has its own (absent: the menu is left as it is); the bridge understands them whether shown or not.
   */
  readonly commandMenus?: readonly CommandMenu[];
  readonly log: Logger;
  readonly pollTimeoutSeconds?: number;
}

/** A command menu; `language`: a two-letter ISO 639-1 code, for the users whose app speaks it. */
export interface CommandMenu {
  readonly language?: string;
  readonly commands: readonly { readonly command: string; readonly description: string }[];
}

/** The settings of the texts the adapter answers with: to /start, and to a message it cannot pass on as sent. */
export type TelegramText = 'TELEGRAM_GREETING' | 'UNSUPPORTED_MESSAGE_NOTICE' | 'FILE_TOO_BIG_NOTICE';

const REPLY_TO: Record<'unknown-kind' | 'file-too-big', TelegramText> = {
  'unknown-kind': 'UNSUPPORTED_MESSAGE_NOTICE',
  'file-too-big': 'FILE_TOO_BIG_NOTICE',
};

/** A sink failure must reach the poller/webhook (so the update is not acknowledged), not bot.catch's log. */
class SinkFailed extends Error {}

/** setWebhook tries before the intake start fails (and the leader tries again later). */
const SET_WEBHOOK_ATTEMPTS = 3;

export class TelegramAdapter implements ChatAdapter {
  readonly network = 'telegram';
  readonly capabilities = {
    maxTextLength: 4096,
    media: true,
    typing: false,
    maxCaptionLength: MAX_CAPTION_LENGTH,
    maxFileBytes: MAX_UPLOAD_BYTES,
  };
  readonly webhook?: AdapterWebhook;
  /**
   * One process at a time: polling (Telegram answers a second getUpdates 409), or in webhook mode
   * setting the webhook (Telegram limits setWebhook; every process answers the webhook itself).
   */
  readonly exclusiveIntake: ExclusiveIntake;
  private readonly bot: Telegraf;
  private started = false;
  private pollingWanted = false;
  private poller: TelegramPoller | undefined;
  private webhookSet = false;
  private sink: InboundSink | undefined;
  private replies: AutoReplySink | undefined;

  constructor(private readonly opts: TelegramAdapterOptions) {
    // webhookReply:false: every API call is a real call with a real result. With it on, telegraf 4.16.3 writes
    // some calls into the open webhook response and resolves them to `true` unsent.
    // handlerTimeout: telegraf gives up on a handler after 90 s by default and then counts the update as
    // handled, so polling would move past it and the webhook would answer 200. An update is acknowledged
    // only once the store has answered, however long that takes (the store's own timeouts bound it).
    this.bot = new Telegraf(opts.token, { handlerTimeout: Infinity, telegram: { apiRoot: opts.apiRoot, webhookReply: false } });
    // For an http:// root (a local Bot API server, the emulator) telegraf drops any agent, and
    // node-fetch then sends `Connection: close`: a new TCP connection for every call. Keep them alive.
    if (opts.apiRoot.startsWith('http://')) this.bot.telegram.options.agent = new http.Agent({ keepAlive: true });
    this.bot.use((ctx) => this.onUpdate(ctx.update));
    this.bot.catch((err, ctx) => {
      if (err instanceof SinkFailed) throw err.cause;
      opts.log.error({ err, updateId: ctx.update.update_id }, 'telegram update failed; skipped');
    });
    if (opts.mode === 'webhook') {
      this.webhook = { path: TELEGRAM_WEBHOOK_PATH, handle: (headers, body) => this.onWebhook(headers, body) };
      this.exclusiveIntake = { start: () => this.setWebhook(), stop: async () => {} };
    } else {
      this.exclusiveIntake = { start: () => this.startPolling(), stop: () => this.stopPolling() };
    }
  }

  async start(sink: InboundSink, replies: AutoReplySink): Promise<void> {
    this.sink = sink;
    this.replies = replies;
    this.bot.botInfo = await this.bot.telegram.getMe().catch((err: unknown) => {
      throw new Error(`Telegram getMe failed: ${toDeliveryError(err).message}`);
    });
    this.started = true;
    await this.setCommandMenu();
    this.opts.log.info({ bot: this.bot.botInfo.username, mode: this.opts.mode }, 'telegram adapter started');
  }

  /** The menu is a convenience: a Telegram that refuses it is logged, and the bridge runs on without it. */
  private async setCommandMenu(): Promise<void> {
    for (const { language, commands } of this.opts.commandMenus ?? []) {
      const extra = language ? { language_code: language } : {};
      try {
        if (commands.length > 0) await this.bot.telegram.setMyCommands([...commands], extra);
        else await this.bot.telegram.deleteMyCommands(extra);
      } catch (err) {
        this.opts.log.warn({ language, error: toDeliveryError(err).message }, 'telegram command menu not set');
      }
    }
  }

  async stop(): Promise<void> {
    await this.stopPolling();
  }

  health(): AdapterHealth {
    if (this.opts.mode === 'webhook') {
      // Every process answers the webhook; the one that leads intake sets it.
      if (!this.started) return { ready: false, detail: 'not started' };
      return { ready: true, detail: this.webhookSet ? 'webhook set' : 'standby: another process sets the webhook' };
    }
    if (!this.started) return { ready: false, detail: 'not started' };
    // Sending works without polling; the process that leads polls.
    if (!this.pollingWanted) return { ready: true, detail: 'standby: another process polls' };
    if (!this.poller) return { ready: false, detail: 'polling not started' };
    if (this.poller.fatalError) return { ready: false, detail: this.poller.fatalError };
    const fresh = this.poller.lastSuccessAt !== undefined && Date.now() - this.poller.lastSuccessAt < 120_000;
    return { ready: this.poller.running && fresh, detail: fresh ? 'polling' : 'polling has not succeeded recently' };
  }

  async send(to: ExternalChatRef, msg: OutboundMessage): Promise<SentRef[]> {
    if (msg.file) return [await this.sendFile(to, msg.file, msg.text, msg.reopenFile)];
    const sent: SentRef[] = [];
    const reply = replyParametersOf(to, msg.replyTo);
    const parts = splitText(msg.text, this.capabilities.maxTextLength);
    for (const [i, part] of parts.entries()) {
      try {
        // Buttons go under the last part, where the question ends.
        const keyboard = i === parts.length - 1 && msg.choices ? inlineKeyboard(msg.choices) : {};
        const result = await this.bot.telegram.sendMessage(to.externalChatId, part, { ...keyboard, ...(i === 0 && reply && { reply_parameters: reply }) });
        sent.push({ externalMessageId: String(result.message_id) });
      } catch (err) {
        throw toDeliveryError(err);
      }
    }
    return sent;
  }

  /**
   * The bridge keeps the caption within maxCaptionLength; longer text comes as its own message. A
   * photo Telegram refuses to process (dimensions, format) is sent again, as a document.
   */
  private async sendFile(to: ExternalChatRef, file: MediaFile, caption: string, reopen?: () => Promise<MediaFile>): Promise<SentRef> {
    try {
      return await this.upload(to, file, caption, false);
    } catch (err) {
      if (!(reopen && isRefusedPhoto(err))) throw toDeliveryError(err);
      this.opts.log.warn({ chatId: to.externalChatId, error: toDeliveryError(err).message }, 'telegram refused the photo; sending it as a document');
    }
    const again = await reopen();
    try {
      return await this.upload(to, again, caption, true);
    } catch (err) {
      throw toDeliveryError(err);
    }
  }

  /** One multipart upload; the file's stream is closed whatever happens. */
  private async upload(to: ExternalChatRef, file: MediaFile, caption: string, asDocument: boolean): Promise<SentRef> {
    try {
      const result = await sendFile(this.bot, to.externalChatId, file, caption, asDocument);
      return { externalMessageId: String(result.message_id) };
    } finally {
      file.stream.destroy();
    }
  }

  download(attachment: Attachment): Promise<MediaFile> {
    return downloadFile(this.bot, this.opts.token, this.opts.apiRoot, attachment);
  }

  /** Points Telegram at this bridge; a 429 (setWebhook is rate limited) is waited out, a few times. */
  private async setWebhook(): Promise<void> {
    if (!this.started) throw new Error('start the telegram adapter before setting its webhook');
    for (let attempt = 1; ; attempt++) {
      try {
        await this.bot.telegram.setWebhook(`${this.opts.publicBaseUrl}${TELEGRAM_WEBHOOK_PATH}`, {
          secret_token: this.opts.webhookSecret,
          allowed_updates: [...ALLOWED_UPDATES],
        });
        this.webhookSet = true;
        this.opts.log.info('telegram webhook set');
        return;
      } catch (err) {
        const failure = toDeliveryError(err);
        if (failure.status !== 429 || attempt >= SET_WEBHOOK_ATTEMPTS) throw new Error(`Telegram setWebhook failed: ${failure.message}`);
        this.opts.log.warn({ retryInMs: failure.retryAfterMs }, 'telegram setWebhook rate limited; waiting');
        await new Promise((resolve) => setTimeout(resolve, failure.retryAfterMs ?? 1000));
      }
    }
  }

  private async startPolling(): Promise<void> {
    if (!this.started) throw new Error('start the telegram adapter before polling');
    this.pollingWanted = true;
    if (this.poller) return;
    await this.bot.telegram.deleteWebhook();
    this.poller = new TelegramPoller(this.bot, (u) => this.bot.handleUpdate(u), this.opts.log, this.opts.pollTimeoutSeconds);
    this.poller.start();
    this.opts.log.info('telegram polling started');
  }

  private async stopPolling(): Promise<void> {
    this.pollingWanted = false;
    const poller = this.poller;
    this.poller = undefined;
    await poller?.stop();
    if (poller) this.opts.log.info('telegram polling stopped');
  }

  private async onUpdate(update: Update): Promise<void> {
    const item = classifyUpdate(update);
    const log = this.opts.log;
    switch (item.kind) {
      case 'ignored':
        log.info({ updateId: update.update_id, reason: item.reason }, 'telegram update ignored');
        return;
      case 'command': {
        // Stored even with the greeting off: the reply carries the deep link's payload to the next chat.
        await this.storeReply({
          to: item.from,
          externalMessageId: `${item.externalMessageId}:reply`,
          text: this.opts.texts('TELEGRAM_GREETING', item.language),
          ...(item.startPayload && { startPayload: item.startPayload }),
        });
        return;
      }
      case 'unsupported': {
        const { network, externalUserId, externalChatId, externalMessageId } = item.message;
        await this.store(update.update_id, item.message);
        const reply = this.opts.texts(REPLY_TO[item.why], item.message.language)?.replaceAll('{limit}', formatBytes(MAX_DOWNLOAD_BYTES));
        if (reply !== undefined) await this.storeReply({ to: { network, externalUserId, externalChatId }, externalMessageId: `${externalMessageId}:reply`, text: reply });
        return;
      }
      case 'message':
        await this.store(update.update_id, item.message);
        return;
      case 'press':
        // The spinner stops at once, whatever storing takes (Telegram lets a query be answered only for a short while).
        await this.stopSpinner(item.press);
        await this.store(update.update_id, item.press.message);
        await this.takeButtonsOff(item.press);
        return;
    }
  }

  /**
   * Every callback query must be answered, or the client's spinner runs on
   * (https://core.telegram.org/bots/api#answercallbackquery). A failure (a press offered again after a
   * failed store was answered before) is only logged.
   */
  private async stopSpinner({ callbackQueryId }: ButtonPress): Promise<void> {
    try {
      await this.bot.telegram.answerCbQuery(callbackQueryId);
    } catch (err) {
      this.opts.log.warn({ callbackQueryId, error: toDeliveryError(err).message }, 'telegram button press not answered');
    }
  }

  /** Once the press is stored, its buttons come off the message so it is not pressed again; a failure is only logged. */
  private async takeButtonsOff({ callbackQueryId, pressedOn }: ButtonPress): Promise<void> {
    if (!pressedOn) return;
    try {
      await this.bot.telegram.editMessageReplyMarkup(pressedOn.chatId, pressedOn.messageId, undefined, undefined);
    } catch (err) {
      this.opts.log.warn({ callbackQueryId, error: toDeliveryError(err).message }, 'telegram button press stored, its buttons left on');
    }
  }

  private async store(updateId: number, message: Parameters<InboundSink>[0]): Promise<void> {
    if (!this.sink) throw new SinkFailed('adapter not started');
    // Joins Telegram's update_id to the externalMessageId the bridge logs from here on.
    this.opts.log.debug({ updateId, externalMessageId: message.externalMessageId }, 'telegram update received');
    try {
      await this.sink(message);
    } catch (err) {
      throw new SinkFailed('storing failed', { cause: err });
    }
  }

  /** Courtesy replies (greeting, "cannot pass this on") go through the outbox: an update fetched again is not answered again. */
  private async storeReply(reply: AutoReply): Promise<void> {
    if (!this.replies) throw new SinkFailed('adapter not started');
    try {
      await this.replies(reply);
    } catch (err) {
      throw new SinkFailed('storing the reply failed', { cause: err });
    }
  }

  private async onWebhook(headers: Record<string, string | string[] | undefined>, body: unknown): Promise<{ status: number }> {
    const given = headers['x-telegram-bot-api-secret-token'];
    if (!this.opts.webhookSecret || typeof given !== 'string' || !constantTimeEqual(given, this.opts.webhookSecret)) {
      this.opts.log.warn('telegram webhook refused: wrong or missing secret token');
      return { status: 401 };
    }
    if (typeof body !== 'object' || body === null || typeof (body as Update).update_id !== 'number') {
      this.opts.log.warn('telegram webhook refused: body is not an update');
      return { status: 400 };
    }
    try {
      await this.bot.handleUpdate(body as Update);
      return { status: 200 };
    } catch (err) {
      // Not stored: a non-2xx makes Telegram deliver the update again.
      this.opts.log.error({ err, updateId: (body as Update).update_id }, 'telegram update not stored');
      return { status: 503 };
    }
  }
}

/**
 * A native reply to the customer's message (https://core.telegram.org/bots/api#replyparameters). Its
 * id is `chat:message` (an edit's has `:edit:…` after it); one the customer deleted meanwhile is
 * answered with a plain message (`allow_sending_without_reply`).
 */
function replyParametersOf(to: ExternalChatRef, replyTo: string | undefined): { message_id: number; allow_sending_without_reply: true } | undefined {
  const [chatId, messageId] = replyTo?.split(':') ?? [];
  if (chatId !== to.externalChatId || !messageId || !/^\d+$/.test(messageId)) return undefined;
  return { message_id: Number(messageId), allow_sending_without_reply: true };
}
