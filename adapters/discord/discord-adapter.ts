import type { Logger } from 'pino';
import { CloseCodes, WebSocketShardEvents, type WebSocketManager } from '@discordjs/ws';
import { GatewayCloseCodes, GatewayDispatchEvents, type APIUser, type GatewayDispatchPayload } from 'discord-api-types/v10';
import { splitText } from '../../src/core/text.js';
import type { Attachment, ExternalChatRef, InboundMessage, MediaFile, MessageDeletion, OutboundMessage, SentRef } from '../../src/core/messages.js';
import type { GatewaySessionStore } from '../../src/core/gateway-sessions.js';
import type { RecentChats } from '../../src/core/recent-chats.js';
import type { AdapterHealth, AutoReplySink, ChatAdapter, DeletionSink, ExclusiveIntake, InboundSink } from '../../src/core/chat-adapter.js';
import { describeLoginFailure, toDeliveryError, tokenRefused } from './errors.js';
import { createGateway } from './gateway.js';
import { downloadAttachment, MAX_FILE_BYTES, readAll } from './media.js';
import { DiscordRestSender } from './rest-sender.js';
import type { RestTimeouts } from './rest-timeouts.js';
import { TokenKeepingRest } from './token-keeping-rest.js';
import { TokenWatch } from './token-watch.js';
import { GatewaySessionKeeper } from './session-keeper.js';
import { readBackMissedDms } from './missed-dms.js';
import { classifyEdit, classifyMessage } from './to-inbound.js';
import { actionRows, buttonClickOf, type ButtonClick } from './buttons.js';
import { abortableSleep } from '../../src/core/abortable-sleep.js';

export interface DiscordAdapterOptions {
  readonly token: string;
  /** REST base, `https://discord.com/api` or an emulator's; the gateway URL comes from `GET /gateway/bot`. */
  readonly apiBaseUrl: string;
  readonly log: Logger;
  /** Where the gateway session is kept, so that whichever process holds the gateway next resumes it. */
  readonly sessions: GatewaySessionStore;
  /** How long Discord gets to answer; an upload gets more by its size. Default `DEFAULT_REST_TIMEOUTS`. */
  readonly restTimeouts?: RestTimeouts;
  /** After a 401, how often the token is asked about again. Default 30 s. */
  readonly tokenRecheckMs?: number;
  /**
   * Where the DM channels of known customers come from, read back after a new gateway session replaced
   * a lost one (what Discord dispatched in between is not replayed); none at most `maxAgeMs` back,
   * which must be well inside intake's deduplication window. Without it nothing is read back.
   */
  readonly missedDms?: { readonly chats: RecentChats; readonly maxAgeMs: number };
}

/** Close codes after which @discordjs/ws does not reconnect: the token, the intents or the sharding must change. */
const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  GatewayCloseCodes.AuthenticationFailed,
  GatewayCloseCodes.InvalidShard,
  GatewayCloseCodes.ShardingRequired,
  GatewayCloseCodes.InvalidAPIVersion,
  GatewayCloseCodes.InvalidIntents,
  GatewayCloseCodes.DisallowedIntents,
]);

/** This process's connection of the gateway: a new one each time, as a destroyed manager does not connect again. */
interface GatewayConnection {
  readonly manager: WebSocketManager;
  readonly keeper: GatewaySessionKeeper;
  /** Aborted when this process gives the gateway up (stop, lost leadership), which ends a connect still waiting. */
  readonly released: AbortController;
  /** Reading back DMs a lost session missed; settles when done or stopped. */
  readBack: Promise<void>;
}

/** A connect that neither succeeds nor fails by then (Discord unreachable, a RESUME unanswered) is given up and tried again. */
const CONNECT_TIMEOUT_MS = 30_000;
/** A DM the store did not take is offered again after this (doubling up to the last), in gateway order. */
const STORE_RETRY_MS = [250, 500, 1_000, 2_000, 5_000];

/** Discord rejects content over 2000 characters (50035), and REST does not split. */
const MAX_CONTENT_LENGTH = 2000;
const TOKEN_RECHECK_MS = 30_000;
/**
 * Read-back starts this long before the last sign of a good intake: the kept sequence is written up
 * to a second after its event, a message is created a moment before it arrives, and the clocks of
 * the bridge's hosts and Discord's differ a little. Reading too much back costs only duplicates.
 */
const READ_BACK_MARGIN_MS = 5 * 60_000;
/** The most DM channels read back after a lost session, the most recently active first. */
const MAX_READ_BACK_CHANNELS = 1_000;

/**
 * Customers DM the bot; agents' replies go back to the customer's DM channel. Sending is REST and
 * works in every process; receiving needs the gateway, which one process at a time holds
 * (`exclusiveIntake`). @discordjs/ws keeps the gateway alive itself (heartbeats, RESUME after a drop,
 * re-IDENTIFY after an invalid session). The session outlives the process: kept in the database and
 * left open on a clean stop, it is resumed by the next holder, and Discord replays what it dispatched
 * in between, whether the last holder stopped or was killed.
 */
export class DiscordAdapter implements ChatAdapter {
  readonly network = 'discord';
  readonly capabilities = {
    maxTextLength: MAX_CONTENT_LENGTH,
    media: true,
    typing: false,
    maxCaptionLength: MAX_CONTENT_LENGTH,
    maxFileBytes: MAX_FILE_BYTES,
  };
  readonly exclusiveIntake: ExclusiveIntake = { start: () => this.connectGateway(), stop: () => this.disconnectGateway() };
  private readonly sender: DiscordRestSender;
  /** `GET /gateway/bot` and the read-back of missed DMs (it waits out rate limits); one per adapter, as each REST keeps sweeper timers. */
  private readonly gatewayRest: TokenKeepingRest;
  private readonly tokenWatch: TokenWatch;
  private gateway: GatewayConnection | undefined;
  private gatewayWanted = false;
  private gatewayState: 'connecting' | 'ready' | 'reconnecting' = 'connecting';
  private sink: InboundSink | undefined;
  private deletions: DeletionSink | undefined;
  /** DMs go to the sink one at a time, in gateway order, so a customer's messages keep their order. */
  private inbound: Promise<void> = Promise.resolve();
  private bot: APIUser | undefined;
  private stopping = false;
  private fatalError: string | undefined;

  constructor(private readonly opts: DiscordAdapterOptions) {
    // A 401 before start (a wrong token) fails start instead.
    const onTokenRefused = () => {
      if (this.bot) this.tokenWatch.onRefused();
    };
    this.sender = new DiscordRestSender(opts.apiBaseUrl, opts.token, { timeouts: opts.restTimeouts, onTokenRefused });
    this.gatewayRest = new TokenKeepingRest({ api: opts.apiBaseUrl }, onTokenRefused).setToken(opts.token);
    this.tokenWatch = new TokenWatch(() => this.sender.botUser(), opts.tokenRecheckMs ?? TOKEN_RECHECK_MS, opts.log);
  }

  /** Checks the token over REST, so a wrong one stops every process at start, not only the leader. */
  async start(sink: InboundSink, _replies?: AutoReplySink, deletions?: DeletionSink): Promise<void> {
    this.sink = sink;
    this.deletions = deletions;
    const bot = await this.sender.botUser().catch((err: unknown) => {
      throw new Error(describeLoginFailure(err, this.opts.token));
    });
    this.bot = bot;
    this.opts.log.info({ bot: bot.username, botId: bot.id }, 'discord adapter started');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.tokenWatch.stop();
    await this.disconnectGateway();
  }

  health(): AdapterHealth {
    if (this.fatalError) return { ready: false, detail: this.fatalError };
    if (this.stopping) return { ready: false, detail: 'stopped' };
    if (!this.bot) return { ready: false, detail: 'not started' };
    if (this.tokenWatch.refused) return { ready: false, detail: 'token refused by Discord (401)' };
    if (!this.gatewayWanted) return { ready: true, detail: 'standby: another process holds the gateway' };
    return { ready: this.gatewayState === 'ready', detail: `gateway ${this.gatewayState}` };
  }

  /** The bridge already stores one outbox row per 2000-character part; the split here guards other callers. */
  async send(to: ExternalChatRef, msg: OutboundMessage): Promise<SentRef[]> {
    if (this.tokenWatch.refused) {
      msg.file?.stream.destroy();
      throw tokenRefused(this.tokenWatch.recheckMs);
    }
    if (msg.file) return [await this.sendFile(to, msg.file, msg.text, msg.idempotencyKey)];
    const sent: SentRef[] = [];
    try {
      const parts = splitText(msg.text, MAX_CONTENT_LENGTH);
      for (const [i, part] of parts.entries()) {
        const nonce = msg.idempotencyKey && `${msg.idempotencyKey}-${i}`;
        // An edit's id is `message:edit:…`; the reply goes to the message itself.
        const replyTo = i === 0 ? msg.replyTo?.split(':')[0] : undefined;
        // Buttons go under the last part, where the question ends.
        const components = i === parts.length - 1 && msg.choices ? actionRows(msg.choices) : undefined;
        sent.push({ externalMessageId: await this.sender.sendDm(to.externalUserId, part, { nonce, replyTo, components }) });
      }
    } catch (err) {
      throw toDeliveryError(err);
    }
    return sent;
  }

  /** The file as an attachment, the text (within 2000 characters, the bridge sees to it) as its message. */
  private async sendFile(to: ExternalChatRef, file: MediaFile, text: string, nonce?: string): Promise<SentRef> {
    const data = await readAll(file);
    try {
      const name = file.fileName ?? 'file';
      const upload = { name, data, contentType: file.contentType };
      return { externalMessageId: await this.sender.sendDm(to.externalUserId, text, { file: upload, nonce }) };
    } catch (err) {
      throw toDeliveryError(err);
    }
  }

  download(attachment: Attachment): Promise<MediaFile> {
    return downloadAttachment(attachment, ({ channelId, messageId, attachmentId }) => this.sender.attachmentUrl(channelId, messageId, attachmentId));
  }

  private async connectGateway(): Promise<void> {
    const bot = this.bot;
    if (!bot) throw new Error('start the discord adapter before connecting the gateway');
    this.gatewayWanted = true;
    if (this.gateway) return;
    this.fatalError = undefined;
    this.gatewayState = 'connecting';
    // Keyed by bot too: a session belongs to one bot, and another token must not try to resume it.
    const keeper = new GatewaySessionKeeper(this.opts.sessions, (shardId) => `discord:${bot.id}:${shardId}`, this.opts.log);
    const manager = createGateway({ token: this.opts.token, rest: this.gatewayRest, keeper });
    const connection: GatewayConnection = { manager, keeper, released: new AbortController(), readBack: Promise.resolve() };
    // DMs reach shard 0 only (https://discord.com/developers/docs/events/gateway#sharding).
    keeper.whenSessionReplaced((shardId, goodUntil) => {
      if (shardId === 0) connection.readBack = connection.readBack.then(() => this.readBackMissedDms(connection, goodUntil));
    });
    this.watchGateway(connection);
    manager.on(WebSocketShardEvents.Dispatch, ({ data, shardId }) => this.onDispatch(data, shardId, connection));
    this.gateway = connection;
    try {
      await connectWithin(connection, CONNECT_TIMEOUT_MS);
    } catch (err) {
      if (this.gateway === connection) this.gateway = undefined;
      await disconnectKeepingSession(connection).catch(() => undefined);
      await connection.readBack;
      await keeper.flush();
      throw new Error(describeLoginFailure(err, this.opts.token));
    }
    this.opts.log.info({ bot: bot.username }, 'discord gateway connected');
  }

  private async disconnectGateway(): Promise<void> {
    this.gatewayWanted = false;
    const connection = this.gateway;
    this.gateway = undefined;
    if (!connection) return;
    try {
      await disconnectKeepingSession(connection);
    } finally {
      await connection.readBack;
      await this.inbound;
      await connection.keeper.flush();
    }
    this.opts.log.info('discord gateway disconnected; its session is kept for the next holder');
  }

  /** Every event counts toward the kept sequence, once it and the ones before it are handled. */
  private onDispatch(event: GatewayDispatchPayload, shardId: number, connection: GatewayConnection): void {
    const handled = connection.keeper.checkpointAfter(shardId, event.s);
    let message: InboundMessage | undefined;
    let deletion: MessageDeletion | undefined;
    let click: ButtonClick | undefined;
    if (event.t === GatewayDispatchEvents.MessageCreate || event.t === GatewayDispatchEvents.MessageUpdate) {
      const item = event.t === GatewayDispatchEvents.MessageCreate ? classifyMessage(event.d) : classifyEdit(event.d);
      if (item.kind === 'message') message = item.message;
      else this.opts.log.debug({ messageId: event.d.id, reason: item.reason }, 'discord message ignored');
    } else if (event.t === GatewayDispatchEvents.MessageDelete && event.d.guild_id === undefined) {
      // A DM's deletion names only the message and its channel (https://discord.com/developers/docs/events/gateway-events#message-delete).
      deletion = { network: 'discord', externalChatId: event.d.channel_id, externalMessageId: event.d.id };
    } else if (event.t === GatewayDispatchEvents.InteractionCreate) {
      click = buttonClickOf(event.d);
      message = click?.message;
    }
    this.inbound = this.inbound.then(async () => {
      if (message && !(await this.storeWithRetry(message, connection))) return;
      if (deletion && !(await this.tellDeletionWithRetry(deletion, connection))) return;
      handled();
      // Not awaited: the DMs behind it need not wait for the answer.
      if (click) void this.answerClick(click);
    });
  }

  private storeWithRetry(message: InboundMessage, connection: GatewayConnection): Promise<boolean> {
    const { externalMessageId, externalUserId } = message;
    return this.handOver(() => this.sink?.(message), { externalMessageId, externalUserId }, connection);
  }

  private tellDeletionWithRetry(deletion: MessageDeletion, connection: GatewayConnection): Promise<boolean> {
    return this.handOver(() => this.deletions?.(deletion), { externalMessageId: deletion.externalMessageId, deleted: true }, connection);
  }

  /**
   * Once the click is stored, within Discord's 3 seconds if the store was quick: its buttons come off
   * the message. A failure is only logged (the click is safe); Discord then shows the customer that
   * the interaction failed.
   */
  private async answerClick({ interactionId, token }: ButtonClick): Promise<void> {
    try {
      await this.sender.answerClick(interactionId, token);
    } catch (err) {
      this.opts.log.warn({ interactionId, error: toDeliveryError(err).message }, 'discord button click stored but not answered');
    }
  }

  /**
   * Offers the DM (or its deletion) to its sink until it is stored, later DMs waiting behind it. If this
   * process lets the gateway go first, the kept sequence stays before the DM, so the next holder's resume replays it.
   */
  private async handOver(offer: () => Promise<void> | undefined, about: Record<string, unknown>, connection: GatewayConnection): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (!this.sink) throw new Error('adapter not started');
        await offer();
        return true;
      } catch (err) {
        const context = { err, ...about };
        if (connection.released.signal.aborted) {
          connection.keeper.freezeCheckpoint();
          this.opts.log.error(context, 'discord message not stored; the next gateway holder gets it again on resume');
          return false;
        }
        this.opts.log.error(context, 'discord message not stored yet; trying again');
        await abortableSleep(STORE_RETRY_MS[Math.min(attempt, STORE_RETRY_MS.length - 1)]!, connection.released.signal);
      }
    }
  }

  /**
   * A new session began where a lost one could not be resumed: the DMs sent since `goodUntil` were
   * not dispatched to this process. Reads them back from the DM channels of the customers the bridge
   * knows and takes them in as the gateway would have; intake drops the ones it has by message id.
   */
  private async readBackMissedDms(connection: GatewayConnection, goodUntil: number): Promise<void> {
    const { missedDms } = this.opts;
    if (!missedDms || connection.released.signal.aborted) return;
    const log = this.opts.log;
    const since = Math.max(goodUntil - READ_BACK_MARGIN_MS, Date.now() - missedDms.maxAgeMs);
    try {
      const channelIds = await missedDms.chats.recentChatIds(this.network, since, MAX_READ_BACK_CHANNELS);
      log.info({ channels: channelIds.length, since: new Date(since).toISOString() }, 'discord session was not resumed; reading DMs back');
      const offered = await readBackMissedDms({
        rest: this.gatewayRest,
        channelIds,
        since,
        deliver: (message) => this.takeInOne(message),
        log,
        signal: connection.released.signal,
      });
      log.info({ channels: channelIds.length, offered }, 'discord DMs read back; those already stored were dropped as duplicates');
    } catch (err) {
      log.error({ err }, 'reading discord DMs back failed; DMs sent while no session was held may be missing');
    }
  }

  /** A read-back message, in line with the gateway's: resolves once stored, rejects when the sink failed. */
  private takeInOne(message: InboundMessage): Promise<void> {
    const stored = this.inbound.then(() => {
      if (!this.sink) throw new Error('adapter not started');
      return this.sink(message);
    });
    this.inbound = stored.catch(() => undefined);
    return stored;
  }

  private watchGateway({ manager }: GatewayConnection): void {
    const log = this.opts.log;
    // A gateway this adapter disconnected (it closes the socket itself) reports nothing more.
    const current = () => this.gateway?.manager === manager;
    // Events between HELLO and RESUMED are the ones Discord replayed; counted in dispatch order.
    const sinceHello = new Map<number, number>();
    manager.on(WebSocketShardEvents.Hello, ({ shardId }) => sinceHello.set(shardId, 0));
    manager.on(WebSocketShardEvents.Dispatch, ({ data, shardId }) => {
      if (data.t === GatewayDispatchEvents.Resumed) log.info({ shardId, replayed: sinceHello.get(shardId) ?? 0 }, 'discord gateway resumed');
      else sinceHello.set(shardId, (sinceHello.get(shardId) ?? 0) + 1);
    });
    manager.on(WebSocketShardEvents.Ready, () => {
      if (current()) this.gatewayState = 'ready';
    });
    manager.on(WebSocketShardEvents.Resumed, () => {
      if (current()) this.gatewayState = 'ready';
    });
    manager.on(WebSocketShardEvents.Closed, ({ code, shardId }) => {
      if (!current()) return;
      if (FATAL_CLOSE_CODES.has(code)) {
        this.fatalError = `gateway closed with ${code} and will not reconnect`;
        log.fatal({ shardId, code }, `discord ${this.fatalError}`);
        return;
      }
      this.gatewayState = 'reconnecting';
      log.warn({ shardId, code }, 'discord gateway disconnected; reconnecting');
    });
    manager.on(WebSocketShardEvents.Error, ({ error, shardId }) => log.error({ err: error, shardId }, 'discord gateway error'));
  }
}

/**
 * Closes the socket but not the session. Not with 1000: Discord ends a session closed with 1000 or
 * 1001; after any other code the next holder resumes it, and Discord replays to it what came meanwhile.
 */
async function disconnectKeepingSession({ manager, keeper, released }: GatewayConnection): Promise<void> {
  keeper.release();
  released.abort();
  await manager.destroy({ code: CloseCodes.Resuming, reason: 'Handing the session over' });
}

/** `manager.connect()`, given up after `timeoutMs` or when the gateway is released meanwhile. */
async function connectWithin({ manager, released }: GatewayConnection, timeoutMs: number): Promise<void> {
  const signal = AbortSignal.any([released.signal, AbortSignal.timeout(timeoutMs)]);
  const givenUp = new Promise<never>((_, reject) => {
    const onAbort = () => reject(new Error(released.signal.aborted ? 'released while connecting' : `no answer within ${timeoutMs} ms`));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  await Promise.race([manager.connect(), givenUp]);
}
