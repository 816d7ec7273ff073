import { once } from 'node:events';
import type { Logger } from 'pino';
import { Events, Status, type Client, type Message } from 'discord.js';
import { splitText } from '../../src/bridge/split-text.js';
import type { Attachment, ExternalChatRef, InboundMessage, MediaFile, OutboundMessage, SentRef } from '../../src/bridge/messages.js';
import type { AdapterHealth, ChatAdapter, ExclusiveIntake, InboundSink } from '../adapter.js';
import { createGatewayClient } from './client.js';
import { describeLoginFailure, toDeliveryError } from './errors.js';
import { downloadAttachment, MAX_FILE_BYTES, readAll } from './media.js';
import { DiscordRestSender } from './rest-sender.js';
import { classifyMessage } from './to-inbound.js';

export interface DiscordAdapterOptions {
  readonly token: string;
  /** REST base, `https://discord.com/api` or an emulator's; the gateway URL comes from `GET /gateway/bot`. */
  readonly apiBaseUrl: string;
  readonly log: Logger;
}

/** Discord rejects content over 2000 characters (50035), and REST does not split. */
const MAX_CONTENT_LENGTH = 2000;

/**
 * Customers DM the bot; agents' replies go back to the customer's DM channel. Sending is REST and
 * works in every process; receiving needs the gateway, which one process at a time holds
 * (`exclusiveIntake`). discord.js keeps the gateway alive itself (heartbeats, RESUME after a drop,
 * re-IDENTIFY after an invalid session).
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
  /** A new client per time this process holds the gateway: a destroyed discord.js client does not log in again. */
  private gateway: Client | undefined;
  private gatewayWanted = false;
  private sink: InboundSink | undefined;
  /** DMs go to the sink one at a time, in gateway order, so a customer's messages keep their order. */
  private inbound: Promise<void> = Promise.resolve();
  private started = false;
  private stopping = false;
  private fatalError: string | undefined;

  constructor(private readonly opts: DiscordAdapterOptions) {
    this.sender = new DiscordRestSender(opts.apiBaseUrl, opts.token);
  }

  /** Checks the token over REST, so a wrong one stops every process at start, not only the leader. */
  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
    const bot = await this.sender.botUser().catch((err: unknown) => {
      throw new Error(describeLoginFailure(err, this.opts.token));
    });
    this.started = true;
    this.opts.log.info({ bot: bot.username, botId: bot.id }, 'discord adapter started');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.disconnectGateway();
  }

  health(): AdapterHealth {
    if (this.fatalError) return { ready: false, detail: this.fatalError };
    if (this.stopping) return { ready: false, detail: 'stopped' };
    if (!this.started) return { ready: false, detail: 'not started' };
    if (!this.gatewayWanted) return { ready: true, detail: 'standby: another process holds the gateway' };
    const client = this.gateway;
    const shard = client?.ws.shards.find((s) => s.status !== Status.Ready);
    if (!client?.isReady() || shard) return { ready: false, detail: `gateway ${shard ? Status[shard.status] : 'not ready'}` };
    return { ready: true, detail: 'gateway ready' };
  }

  /** The bridge already stores one outbox row per 2000-character part; the split here guards other callers. */
  async send(to: ExternalChatRef, msg: OutboundMessage): Promise<SentRef[]> {
    if (msg.file) return [await this.sendFile(to, msg.file, msg.text, msg.idempotencyKey)];
    const sent: SentRef[] = [];
    try {
      for (const [i, part] of splitText(msg.text, MAX_CONTENT_LENGTH).entries()) {
        const nonce = msg.idempotencyKey && `${msg.idempotencyKey}-${i}`;
        sent.push({ externalMessageId: await this.sender.sendDm(to.externalUserId, part, { nonce }) });
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
    return downloadAttachment(attachment);
  }

  private async connectGateway(): Promise<void> {
    if (!this.started) throw new Error('start the discord adapter before connecting the gateway');
    this.gatewayWanted = true;
    if (this.gateway) return;
    this.fatalError = undefined;
    const client = createGatewayClient(this.opts.apiBaseUrl);
    this.watchGateway(client);
    client.on(Events.MessageCreate, (message) => this.onMessage(message));
    this.gateway = client;
    try {
      await client.login(this.opts.token);
    } catch (err) {
      if (this.gateway === client) this.gateway = undefined;
      throw new Error(describeLoginFailure(err, this.opts.token));
    }
    if (!client.isReady()) await once(client, Events.ClientReady);
    this.opts.log.info({ bot: client.user?.username }, 'discord gateway connected');
  }

  private async disconnectGateway(): Promise<void> {
    this.gatewayWanted = false;
    const client = this.gateway;
    this.gateway = undefined;
    if (!client) return;
    await client.destroy();
    await this.inbound;
    this.opts.log.info('discord gateway disconnected');
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

  private watchGateway(client: Client): void {
    const log = this.opts.log;
    // A client this adapter let go of (destroy() closes its socket too) reports nothing more.
    const current = () => this.gateway === client;
    // Emitted only for close codes discord.js does not recover from (4004, 4014, …).
    client.on(Events.ShardDisconnect, (event, shardId) => {
      if (!current()) return;
      this.fatalError = `gateway closed with ${event.code} and will not reconnect`;
      log.fatal({ shardId, code: event.code }, `discord ${this.fatalError}`);
    });
    client.on(Events.ShardReconnecting, (shardId) => {
      if (current()) log.warn({ shardId }, 'discord gateway disconnected; reconnecting');
    });
    client.on(Events.ShardResume, (shardId, replayed) => log.info({ shardId, replayed }, 'discord gateway resumed'));
    client.on(Events.ShardError, (err, shardId) => log.error({ err, shardId }, 'discord gateway error'));
    client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));
  }
}
