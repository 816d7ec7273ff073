import { EventEmitter } from 'node:events';
import Fastify, { type FastifyInstance } from 'fastify';
import { AttachmentStore, registerAttachmentRoute } from './attachments.js';
import { registerControlRoutes } from './control-routes.js';
import { RestFaults, type RestFaultSpec } from './faults.js';
import { InvalidRequestGuard } from './invalid-requests.js';
import { RateLimiter, type DiscordRateLimits } from './rate-limits.js';
import { GatewayServer } from './gateway.js';
import { userObject } from './message-objects.js';
import { discordRequestContract } from './request-contract.js';
import { registerRestRoutes } from './rest-routes.js';
import { registerSlowUplink } from './slow-uplink.js';
import { isSnowflake, Snowflakes } from './snowflake.js';
import { DiscordState } from './state.js';
import type { BotMessage, ContractViolation, DcMessage, DcMessageCreate, DcUser, DiscordEmulatorEventMap, DiscordEmulatorEvents, RecordedRequest } from './types.js';
import { Interactions } from './interactions.js';
import { Users, type DmContent, type NewUser } from './users.js';
import { waitForEvent } from '../shared/wait-for-event.js';

export const GATEWAY_PATH = '/gateway';
/** Discord's own interval; tests pass a short one to see heartbeats. */
const DEFAULT_HEARTBEAT_MS = 41_250;
/** Discord does not say how long a dropped session stays resumable; a few minutes is what clients see. */
const DEFAULT_RESUME_WINDOW_MS = 5 * 60_000;
/** Discord checks an enforced nonce "in the past few minutes", no more precisely. */
const DEFAULT_NONCE_WINDOW_MS = 5 * 60_000;

export interface DiscordEmulatorOptions {
  /** The bot token clients must send (`Authorization: Bot <token>`, IDENTIFY `token`). */
  token: string;
  botUser?: { id?: string; username?: string; global_name?: string };
  heartbeatIntervalMs?: number;
  /** Privileged intents (GuildMembers, GuildPresences, MessageContent bits) enabled for the app. Default none, as for a new app. */
  privilegedIntents?: number;
  /** How long a session whose socket went away can still be resumed (its events are kept meanwhile). Default 5 minutes. */
  resumeWindowMs?: number;
  /** The bot's uplink: a request body of n bytes arrives n ÷ this seconds after the request starts. Default unlimited. */
  uplinkBytesPerSecond?: number;
  /** How long a signed attachment url works (`ex` is this after it is issued). Default a day. */
  attachmentUrlTtlMs?: number;
  /** How long a message created with `enforce_nonce` answers a repeat of its nonce by the same author. Default 5 minutes. */
  nonceWindowMs?: number;
  /** The clock interaction answers are timed by (3 seconds for the first answer). Default `Date.now`. */
  interactionClock?: () => number;
  /** Per-route buckets and the global limit; every REST answer carries their `X-RateLimit-*` headers. See `DiscordRateLimits` for the defaults. */
  rateLimits?: DiscordRateLimits;
}

/**
 * Discord's REST API and gateway on loopback, enough for a DM bot, that discord.js talks to
 * unmodified; plus a control side to play the users, inject faults and inspect what the bot did.
 */
export class DiscordEmulator {
  readonly events: DiscordEmulatorEvents = new EventEmitter<DiscordEmulatorEventMap>();
  /** Every REST call, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  /**
   * Every REST call Discord's OpenAPI definition refuses (unknown route, or a body or path parameter
   * its schemas reject), in arrival order; such a call was answered 404 or 400 50035. A bot that
   * would work against Discord leaves this empty.
   */
  readonly contractViolations: ContractViolation[] = [];
  readonly token: string;
  private readonly state: DiscordState;
  private readonly gateway: GatewayServer;
  private readonly faults = new RestFaults();
  private readonly rateLimits: RateLimiter;
  private readonly invalidRequestGuard: InvalidRequestGuard;
  private readonly users: Users;
  private readonly interactions: Interactions;
  private readonly attachments: AttachmentStore;
  private app: FastifyInstance | undefined;
  private origin: string | undefined;
  private readonly uplinkBytesPerSecond: number | undefined;

  constructor({
    token,
    botUser = {},
    heartbeatIntervalMs = DEFAULT_HEARTBEAT_MS,
    privilegedIntents = 0,
    resumeWindowMs = DEFAULT_RESUME_WINDOW_MS,
    uplinkBytesPerSecond,
    attachmentUrlTtlMs,
    nonceWindowMs = DEFAULT_NONCE_WINDOW_MS,
    rateLimits,
    interactionClock,
  }: DiscordEmulatorOptions) {
    if (token === '') throw new Error('token is required');
    const botId = botUser.id ?? new Snowflakes().next();
    if (!isSnowflake(botId)) throw new Error('botUser.id must be a snowflake string');
    this.token = token;
    this.uplinkBytesPerSecond = uplinkBytesPerSecond;
    this.rateLimits = new RateLimiter(rateLimits);
    this.invalidRequestGuard = new InvalidRequestGuard(rateLimits?.invalidRequests, rateLimits?.now);
    this.attachments = new AttachmentStore(attachmentUrlTtlMs);
    const bot = userObject({ id: botId, username: botUser.username ?? 'flex-bridge', global_name: botUser.global_name ?? 'Flex Bridge', bot: true });
    this.state = new DiscordState(bot, botId, nonceWindowMs);
    this.gateway = new GatewayServer({
      token,
      heartbeatIntervalMs,
      privilegedIntents,
      bot,
      applicationId: botId,
      resumeWindowMs,
      onEvent: (event) => this.events.emit('gateway', event),
    });
    this.users = new Users(this.state, this.gateway, this.events, this.attachments, () => `http://${this.requireOrigin()}`);
    this.interactions = new Interactions(this.state, this.gateway, this.events, interactionClock);
  }

  /** Listens and resolves with the REST base URL (discord.js `rest.api`, e.g. `http://127.0.0.1:PORT/api`). One start per emulator. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.app) throw new Error('the emulator was already started');
    const app = Fastify({ logger: false });
    this.app = app;
    if (this.uplinkBytesPerSecond !== undefined) registerSlowUplink(app, this.uplinkBytesPerSecond);
    registerRestRoutes(app, {
      token: this.token,
      state: this.state,
      faults: this.faults,
      rateLimits: this.rateLimits,
      invalidRequests: this.invalidRequestGuard,
      gatewayUrl: () => this.gatewayUrl,
      onBotMessage: (sent) => this.onBotMessage(sent),
      storeAttachment: (channelId, id, file) => `http://${this.requireOrigin()}${this.attachments.put(channelId, id, file.filename, file.data, file.contentType)}`,
      signAttachmentUrlAnew: (url) => this.attachments.signAnew(url),
      interactions: this.interactions,
      onRequest: (request) => this.record(request),
      contract: discordRequestContract(),
      onContractViolation: (violation) => this.contractViolations.push(violation),
    });
    registerControlRoutes(app, this);
    registerAttachmentRoute(app, this.attachments);
    app.server.on('upgrade', (request, socket, head) => {
      if (new URL(request.url ?? '/', 'http://emulator').pathname === GATEWAY_PATH) this.gateway.handleUpgrade(request, socket, head);
      else socket.destroy();
    });
    await app.listen({ port, host });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('the emulator is not listening on TCP');
    this.origin = `${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    this.gateway.url = this.gatewayUrl;
    return this.restBaseUrl;
  }

  /** Cuts every gateway socket and closes the server. */
  async stop(): Promise<void> {
    this.gateway.close();
    await this.app?.close();
  }

  get restBaseUrl(): string {
    return `http://${this.requireOrigin()}/api`;
  }

  get gatewayUrl(): string {
    return `ws://${this.requireOrigin()}${GATEWAY_PATH}`;
  }

  get bot(): DcUser {
    return { ...this.state.bot };
  }

  // --- users -----------------------------------------------------------------------------------

  addUser(user: NewUser): DcUser {
    return this.users.add(user);
  }

  setBlocksDms(userId: string, blocksDms = true): void {
    this.users.setBlocksDms(userId, blocksDms);
  }

  /** A DM from the user to the bot, dispatched as MESSAGE_CREATE (`channel_type: 1`, no `guild_id`). */
  userSendsDm(userId: string, content: string | DmContent): DcMessage {
    return this.users.sendDm(userId, content);
  }

  /** The user edits a DM they sent: MESSAGE_UPDATE with the new content and `edited_timestamp`. */
  userEditsDm(userId: string, messageId: string, content: string): DcMessage {
    return this.users.editDm(userId, messageId, content);
  }

  /** The user deletes a DM they sent: MESSAGE_DELETE with the message's id and channel. */
  userDeletesDm(userId: string, messageId: string): void {
    this.users.deleteDm(userId, messageId);
  }

  /** The user clicks the button `customId` under the bot's message `messageId`: INTERACTION_CREATE. Returns the interaction id. */
  userClicks(userId: string, messageId: string, customId: string): string {
    return this.interactions.click(userId, messageId, customId);
  }

  /** The token the bot got with the interaction, to answer it by hand. */
  interactionToken(interactionId: string): string {
    const token = this.interactions.tokenOf(interactionId);
    if (token === undefined) throw new Error(`no interaction ${interactionId}`);
    return token;
  }

  /** A message in a guild channel (the bot's intents decide whether it hears it). */
  userSendsInGuild(userId: string, content: string): DcMessageCreate {
    return this.users.sendInGuild(userId, content);
  }

  // --- inspection ------------------------------------------------------------------------------

  /** The user whose DM with the bot `channelId` is; undefined for any other channel. */
  dmRecipientOf(channelId: string): string | undefined {
    return this.state.dmChannel(channelId)?.recipient.user.id;
  }

  /** Messages the bot created in its DM with the user, oldest first, with the `allowed_mentions` it sent. */
  messagesInDm(userId: string): BotMessage[] {
    return this.state.botMessagesTo(userId);
  }

  /** Resolves with the bot's messages to the user once there are at least `count`; rejects after `timeoutMs`. */
  async waitForMessages(userId: string, count: number, timeoutMs = 5000): Promise<BotMessage[]> {
    const enough = () => {
      const messages = this.messagesInDm(userId);
      return messages.length >= count ? messages : undefined;
    };
    return (
      enough() ??
      waitForEvent(this.events, 'botMessage', timeoutMs, () => `${count} message(s) to user ${userId}, got ${this.messagesInDm(userId).length}`, enough)
    );
  }

  /** Resolves with the next REST call of `route` (e.g. `POST /channels/:id/messages`) from now on. */
  waitForRequest(route: string, timeoutMs = 5000): Promise<RecordedRequest> {
    return waitForEvent<DiscordEmulatorEventMap, 'request', RecordedRequest>(this.events, 'request', timeoutMs, () => `a ${route} request`, (request) =>
      request.route === route ? request : undefined,
    );
  }

  /** The bytes served at an attachment url (one a user sent or the bot uploaded). */
  attachmentContents(url: string): Buffer | undefined {
    return this.attachments.get(new URL(url).pathname)?.data;
  }

  /**
   * REST answers of 401, 403 or 429 (but not a 429 of `shared` scope) so far. Discord restricts an IP
   * (through Cloudflare) for a while after 10,000 of them in 10 minutes, and so does the emulator
   * (https://discord.com/developers/docs/topics/rate-limits#invalid-request-limit-aka-cloudflare-bans; `rateLimits.invalidRequests`).
   */
  get invalidRequests(): number {
    return this.invalidRequestGuard.counted;
  }

  /** Whether the invalid request limit has the bot's IP restricted now: every REST call gets Cloudflare's 429. */
  get bannedForInvalidRequests(): boolean {
    return this.invalidRequestGuard.banned;
  }

  /** Requests of one route, e.g. `POST /users/@me/channels`. */
  requestsTo(route: string): RecordedRequest[] {
    return this.requests.filter((request) => request.route === route);
  }

  /** Gateway sessions with a socket attached. */
  get connectedSessions(): number {
    return this.gateway.liveSessions;
  }

  // --- gateway life ----------------------------------------------------------------------------

  /** Closes every gateway socket abnormally; clients resume, and events meanwhile are replayed. Returns how many were cut. */
  dropConnection(): number {
    return this.gateway.dropConnections();
  }

  /** Closes every gateway socket with a close frame of `code`: 4000 makes clients resume, 4004 (a reset token) makes them give up. */
  closeConnections(code: number): number {
    return this.gateway.closeConnections(code);
  }

  /** Sends op 7 RECONNECT. */
  requestReconnect(): void {
    this.gateway.requestReconnect();
  }

  /** Sends op 9 INVALID_SESSION; with `resumable` false the sessions end and clients identify again. */
  invalidateSession(resumable: boolean): void {
    this.gateway.invalidateSessions(resumable);
  }

  /** Ends every session that no socket holds, as if the resume window had passed: a RESUME of it gets op 9. Returns how many ended. */
  expireSessions(): number {
    return this.gateway.expireDetachedSessions();
  }

  // --- faults ----------------------------------------------------------------------------------

  /** The next matching REST call fails: any status, Discord's JSON code, or a real 429 with `Retry-After`. */
  failNext(fault: RestFaultSpec): void {
    this.faults.failNext(fault);
  }

  /** The next IDENTIFY is answered by closing the socket with `code` (e.g. 4004, 4014). */
  failNextIdentify(code: number): void {
    this.gateway.failNextIdentify(code);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  private onBotMessage(sent: BotMessage): void {
    this.state.recordBotMessage(sent);
    // Discord echoes the bot's own messages on the gateway; a bot must ignore them.
    this.users.dispatchDm(sent.message);
    this.events.emit('botMessage', sent);
  }

  private record(request: RecordedRequest): void {
    this.requests.push(request);
    this.events.emit('request', request);
  }

  private requireOrigin(): string {
    if (!this.origin) throw new Error('the emulator is not started');
    return this.origin;
  }
}
