import { once } from 'node:events';
import type { Logger } from 'pino';
import { ChannelType, Events, Status, type Client, type DMChannel, type Message, type PartialDMChannel } from 'discord.js';
import { splitText } from '../../src/bridge/split-text.js';
import type { ExternalChatRef, InboundMessage, OutboundMessage, SentRef } from '../../src/bridge/messages.js';
import type { AdapterHealth, ChatAdapter, InboundSink } from '../adapter.js';
import { createDiscordClient } from './client.js';
import { describeLoginFailure, toDeliveryError } from './errors.js';
import { classifyMessage } from './to-inbound.js';

export interface DiscordAdapterOptions {
  readonly token: string;
  /** REST base, `https://discord.com/api` or an emulator's; the gateway URL comes from `GET /gateway/bot`. */
  readonly apiBaseUrl: string;
  readonly log: Logger;
}

/** Discord rejects content over 2000 characters (50035) and discord.js does not split. */
const MAX_CONTENT_LENGTH = 2000;

/**
 * Customers DM the bot; agents' replies go back to the customer's DM channel. discord.js keeps the
 * gateway alive itself (heartbeats, RESUME after a drop, re-IDENTIFY after an invalid session).
 */
export class DiscordAdapter implements ChatAdapter {
  readonly network = 'discord';
  readonly capabilities = { maxTextLength: MAX_CONTENT_LENGTH, media: false, typing: false };
  private readonly client: Client;
  private sink: InboundSink | undefined;
  /** DMs go to the sink one at a time, in gateway order, so a customer's messages keep their order. */
  private inbound: Promise<void> = Promise.resolve();
  private started = false;
  private stopping = false;
  private fatalError: string | undefined;

  constructor(private readonly opts: DiscordAdapterOptions) {
    this.client = createDiscordClient(opts.apiBaseUrl);
    this.watchGateway();
    this.client.on(Events.MessageCreate, (message) => this.onMessage(message));
  }

  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
    try {
      await this.client.login(this.opts.token);
    } catch (err) {
      throw new Error(describeLoginFailure(err, this.opts.token));
    }
    if (!this.client.isReady()) await once(this.client, Events.ClientReady);
    this.started = true;
    this.opts.log.info({ bot: this.client.user?.username, botId: this.client.user?.id }, 'discord adapter started');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.client.destroy();
    await this.inbound;
  }

  health(): AdapterHealth {
    if (this.fatalError) return { ready: false, detail: this.fatalError };
    if (this.stopping) return { ready: false, detail: 'stopped' };
    if (!this.started) return { ready: false, detail: 'not started' };
    const shard = this.client.ws.shards.find((s) => s.status !== Status.Ready);
    if (!this.client.isReady() || shard) return { ready: false, detail: `gateway ${shard ? Status[shard.status] : 'not ready'}` };
    return { ready: true, detail: 'gateway ready' };
  }

  /** The bridge already stores one outbox row per 2000-character part; the split here guards other callers. */
  async send(to: ExternalChatRef, msg: OutboundMessage): Promise<SentRef[]> {
    const sent: SentRef[] = [];
    try {
      const channel = await this.dmChannel(to);
      for (const part of splitText(msg.text, MAX_CONTENT_LENGTH)) {
        const message = await channel.send({ content: part, allowedMentions: { parse: [] } });
        sent.push({ externalMessageId: message.id });
      }
    } catch (err) {
      throw toDeliveryError(err);
    }
    return sent;
  }

  /**
   * The customer's DM channel: the cached one when this process has seen it, else `POST /users/@me/channels`
   * (after a restart nothing is cached). Discord answers that with the existing DM, so it is safe to repeat.
   */
  private async dmChannel(to: ExternalChatRef): Promise<DMChannel | PartialDMChannel> {
    const cached = this.client.channels.cache.get(to.externalChatId);
    // The recipient check keeps a reply from going to another user's DM whatever the stored chat id says.
    if (cached?.type === ChannelType.DM && cached.recipientId === to.externalUserId) return cached;
    return this.client.users.createDM(to.externalUserId);
  }

  private onMessage(message: Message): void {
    const item = classifyMessage(message);
    if (item.kind === 'ignored') {
      this.opts.log.debug({ messageId: message.id, reason: item.reason }, 'discord message ignored');
      return;
    }
    this.inbound = this.inbound.then(() => this.handOver(item.message));
  }

  private async handOver(message: InboundMessage): Promise<void> {
    try {
      if (!this.sink) throw new Error('adapter not started');
      await this.sink(message);
    } catch (err) {
      // The gateway has no acknowledgement: Discord cannot be asked to deliver this event again, so
      // a DM the sink did not store is lost. Say so loudly, with what identifies it.
      this.opts.log.error(
        { err, externalMessageId: message.externalMessageId, externalUserId: message.externalUserId },
        'discord message NOT stored; the gateway cannot redeliver it',
      );
    }
  }

  private watchGateway(): void {
    const { client, opts } = this;
    const log = opts.log;
    // Emitted only for close codes discord.js does not recover from (4004, 4014, …).
    client.on(Events.ShardDisconnect, (event, shardId) => {
      this.fatalError = `gateway closed with ${event.code} and will not reconnect`;
      log.fatal({ shardId, code: event.code }, `discord ${this.fatalError}`);
    });
    client.on(Events.ShardReconnecting, (shardId) => {
      // destroy() closes the socket too, which discord.js reports the same way.
      if (!this.stopping) log.warn({ shardId }, 'discord gateway disconnected; reconnecting');
    });
    client.on(Events.ShardResume, (shardId, replayed) => log.info({ shardId, replayed }, 'discord gateway resumed'));
    client.on(Events.ShardError, (err, shardId) => log.error({ err, shardId }, 'discord gateway error'));
    client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));
  }
}
