import { EventEmitter } from 'node:events';
import Fastify, { type FastifyInstance } from 'fastify';
import { AgentDesk, type AgentFile } from './conversations/agent-desk.js';
import { registerApiGate } from './http/api-gate.js';
import { registerControlRoutes } from './control-routes.js';
import { ConversationService } from './conversations/conversations.js';
import { defaultErrorCode, notFound, TwilioApiError } from './http/errors.js';
import { replyWithError } from './http/error-replies.js';
import type { EmulatorEventMap, EmulatorEvents } from './events.js';
import { FaultInjector, type FailureSpec, type HangSpec } from './http/faults.js';
import { registerFormParser } from './http/form-body.js';
import { conversationSnapshot, type ConversationSnapshot } from './conversations/inspection.js';
import { InteractionService } from './interactions/interactions.js';
import { ApiTasks } from './interactions/api-tasks.js';
import { LegacyChat } from './legacy-chat/legacy-chat.js';
import { MediaStore } from './mcs/mcs.js';
import { registerMediaContentRoute } from './mcs/mcs-api.js';
import type { ProductContext } from './product-api.js';
import { PRODUCT_APIS } from './products.js';
import { splitEmulatorPath, type RequestRecord } from './http/request-log.js';
import { EmulatorState, newAccount, type ApiTaskRecord, type EmulatedAccount, type InteractionChannelRecord, type MessageRecord, type TaskRecord } from './state.js';
import { EmulatorClock } from './clock.js';
import type { RoutingFailure } from './interactions/interactions.js';
import { StudioSendToFlex } from './interactions/studio.js';
import type { StudioMenu } from './interactions/studio-menu.js';
import { ConversationWebhooks } from './conversations/webhook-events.js';
import type { TwilioContractViolation } from './contract/request-contract.js';
import { WebhookSender, type WebhookDelivery } from './http/webhooks.js';
import type { WebhookReordering } from './http/webhook-reordering.js';

export type { ContractProblem, TwilioContractViolation } from './contract/request-contract.js';
export type { ConversationSnapshot } from './conversations/inspection.js';
export type { EmulatorEventMap, StateChange } from './events.js';
export type { FailureSpec, HangSpec, RequestMatch } from './http/faults.js';
export type { RequestRecord } from './http/request-log.js';
export type { ApiTaskRecord, EmulatedAccount, InteractionChannelRecord, MessageRecord, TaskRecord, TaskStatus } from './state.js';
export type { RoutingFailure } from './interactions/interactions.js';
export type { StudioMenu } from './interactions/studio-menu.js';
export type { WebhookDelivery } from './http/webhooks.js';
export type { WebhookReordering } from './http/webhook-reordering.js';

export interface TwilioEmulatorOptions {
  accountSid: string;
  authToken: string;
  /** How long a webhook receiver may take to answer; Twilio allows 5 s. */
  webhookTimeoutMs?: number;
  /** Keep `requests` (default true). Off for long benchmarks, where the log would grow without bound. */
  recordRequests?: boolean;
  /**
   * Flex's own close of a chat (an agent's End chat) fires no conversation-scoped webhook, and a
   * message posted into a closed conversation answers 400 (Twilio's generic Bad Request) instead of
   * 409 / 50377. Twilio documents neither behaviour either way, so a bridge must cope with both.
   */
  silentFlexClose?: boolean;
  /**
   * Conversations already on the account when the emulator starts, as another deployment or an
   * earlier database of the bridge left them: their unique names are taken account-wide, closed
   * ones included (https://www.twilio.com/docs/api/errors/50353).
   */
  conversations?: SeededConversation[];
  /** Deliver some webhooks of a conversation after the conversation's next one (seeded; off by default). */
  webhookReordering?: WebhookReordering;
  /** The account's TaskRouter workspace and workflow (default: made up); routing to others fails. */
  workspaceSid?: string;
  workflowSid?: string;
}

/** A conversation something else made on the account before (see TwilioEmulatorOptions.conversations). */
export interface SeededConversation {
  uniqueName: string;
  friendlyName?: string;
  /** JSON, as the API takes it. */
  attributes?: string;
  /** Closed conversations keep their unique name. */
  closed?: boolean;
}

/** How often the emulator looks for conversation timers that are due in real time. */
const TIMER_TICK_MS = 1000;

const TWILIO_WEBHOOK_TIMEOUT_MS = 5000;
/** The emulator's wording; Twilio's `reason` texts for these are not documented. */
const WORKFLOW_TIMEOUT_REASON = 'Workflow timeout: no agent accepted the task';
const REJECTED_TO_END_REASON = 'Rejected by every agent to the end of the workflow';

/**
 * A wire-level Twilio emulator: Conversations v1, Flex Interactions v1 and the legacy Flex custom chat
 * (Flex Flows, Flex Channels, Chat v2; see `legacyChat`) over HTTP, routed by the original host as the
 * first path segment (`{baseUrl}/conversations.twilio.com/v1/Conversations`), signed outgoing webhooks,
 * agent actions, fault injection and inspection. Control routes: control-routes.ts.
 */
export class TwilioEmulator {
  readonly account: EmulatedAccount;
  readonly events: EmulatorEvents = new EventEmitter<EmulatorEventMap>();
  readonly requests: RequestRecord[] = [];
  /**
   * Requests that Twilio's OpenAPI definitions (twilio/twilio-oai) refuse: an unknown operation or
   * parameter, a missing required one, a value of the wrong type or outside its enum. Tests fail when
   * this is not empty.
   */
  readonly contractViolations: TwilioContractViolation[] = [];
  /** Legacy Flex custom chat (Flex Flows, Flex Channels, Programmable Chat): inspection and agent actions. */
  readonly legacyChat: LegacyChat;

  private readonly faults = new FaultInjector();
  private readonly sender: WebhookSender;
  private readonly conversationService: ConversationService;
  private readonly interactionService: InteractionService;
  private readonly apiTaskService: ApiTasks;
  private readonly conversationWebhooks: ConversationWebhooks;
  private readonly studio: StudioSendToFlex;
  private readonly desk: AgentDesk;
  private readonly mediaStore = new MediaStore();
  /** Emulated time for conversation timers; `advanceClock` moves it. */
  private readonly clock = new EmulatorClock();
  private timerTick: NodeJS.Timeout | undefined;
  private app: FastifyInstance | undefined;
  private url: string | undefined;
  private readonly recordRequests: boolean;
  private requestCount = 0;

  constructor(options: TwilioEmulatorOptions) {
    this.recordRequests = options.recordRequests ?? true;
    this.account = newAccount(options.accountSid, options.authToken, options);
    const state = new EmulatorState(this.account);
    this.sender = new WebhookSender(
      options.authToken,
      options.webhookTimeoutMs ?? TWILIO_WEBHOOK_TIMEOUT_MS,
      (delivery) => this.events.emit('webhook', structuredClone(delivery)),
      options.webhookReordering,
    );
    // The Studio flow is reached through a callback: it creates interactions, which need the
    // conversation service, which needs these webhooks.
    const silentFlexClose = options.silentFlexClose ?? false;
    this.conversationWebhooks = new ConversationWebhooks(
      this.account,
      this.sender,
      (conversation, webhook, message) => this.studio.run(conversation, webhook, message),
      silentFlexClose,
    );
    this.conversationService = new ConversationService(state, this.conversationWebhooks, this.events, this.mediaStore, this.clock, silentFlexClose);
    this.interactionService = new InteractionService(state, this.conversationService, this.events);
    this.apiTaskService = new ApiTasks(state, this.events);
    this.studio = new StudioSendToFlex(this.account, this.conversationService, this.interactionService);
    this.desk = new AgentDesk(this.conversationService, this.interactionService, this.mediaStore, this.account.chatServiceSid);
    this.legacyChat = new LegacyChat(this.account, this.sender, this.events, this.mediaStore);
    for (const seeded of options.conversations ?? []) this.seedConversation(seeded);
  }

  /** Listens and returns the base URL, e.g. `http://127.0.0.1:4010`. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    // One start per emulator: stop() also ends its webhook sender for good.
    if (this.url !== undefined) throw new Error('TwilioEmulator can be started once');
    // forceCloseConnections: stop() must also end requests an injected hang keeps open.
    const app = Fastify({ logger: false, forceCloseConnections: true });
    registerFormParser(app);
    app.setErrorHandler((error, _request, reply) => replyWithError(reply, error));
    app.setNotFoundHandler((request, reply) => replyWithError(reply, notFound(splitEmulatorPath(request.url).path)));

    const context: ProductContext = {
      account: this.account,
      conversations: this.conversationService,
      interactions: this.interactionService,
      apiTasks: this.apiTaskService,
      legacyChat: this.legacyChat,
      media: this.mediaStore,
    };
    await app.register(async (api) => {
      registerApiGate(api, {
        accountSid: this.account.accountSid,
        authToken: this.account.authToken,
        faults: this.faults,
        onRequest: (record) => this.recordRequest(record),
        onContractViolation: (violation) => this.contractViolations.push(violation),
      });
      for (const product of PRODUCT_APIS) {
        await api.register(async (scoped) => product.routes(scoped, context), { prefix: `/${product.host}` });
      }
    });
    await app.register(async (control) => registerControlRoutes(control, this), { prefix: '/_sandbox' });
    registerMediaContentRoute(app, this.mediaStore);

    try {
      this.url = await app.listen({ port, host });
    } catch (err) {
      await app.close();
      throw err;
    }
    this.app = app;
    this.timerTick = setInterval(() => this.conversationService.fireDueTimers(), TIMER_TICK_MS);
    this.timerTick.unref();
    return this.url;
  }

  async stop(): Promise<void> {
    clearInterval(this.timerTick);
    this.interactionService.stop();
    this.sender.stop();
    await this.app?.close();
    this.app = undefined;
  }

  get baseUrl(): string {
    if (this.url === undefined) throw new Error('TwilioEmulator is not started');
    return this.url;
  }

  // Inspection

  get webhookDeliveries(): readonly WebhookDelivery[] {
    return this.sender.deliveries;
  }

  conversations(): ConversationSnapshot[] {
    return this.conversationService.list().map(conversationSnapshot);
  }

  messages(conversationSid: string): MessageRecord[] {
    return structuredClone(this.conversationService.get(conversationSid).messages);
  }

  tasks(): TaskRecord[] {
    return structuredClone(this.interactionService.tasks());
  }

  /** Tasks created through the TaskRouter API (not by an interaction): the bridge's survey records. */
  apiTasks(): ApiTaskRecord[] {
    return structuredClone(this.apiTaskService.all());
  }

  /** Puts a conversation on the account as something else made it earlier; no webhook fires. */
  seedConversation(seeded: SeededConversation): ConversationSnapshot {
    const { uniqueName, friendlyName, attributes } = seeded;
    const conversation = this.conversationService.create({ uniqueName, friendlyName, attributes });
    if (seeded.closed) this.conversationService.setState(conversation.sid, 'closed', 'API', { kind: 'system' });
    return conversationSnapshot(conversation);
  }

  /** The channels of the conversation's latest interaction, as Flex set it up (or not). */
  interactionChannelOf(conversationSid: string): InteractionChannelRecord | undefined {
    return structuredClone(this.interactionService.latestChannelOf(conversationSid));
  }

  // What Twilio does by itself

  /** Moves emulated time forward: conversation timers that come due fire (Reason `TIMER`). */
  advanceClock(ms: number): void {
    this.clock.advance(ms);
    this.conversationService.fireDueTimers();
  }

  /** How long Flex takes to set up each accepted interaction from now on (default 20 ms). */
  setInteractionSetupDelay(ms: number): void {
    this.interactionService.setupMs = ms;
  }

  /** The next interaction setups fail: the channel goes `failed` with this error and no task is made. */
  failNextRouting(failure: RoutingFailure = {}): void {
    this.interactionService.failNextRouting(failure);
  }

  /** The workflow ran out without an agent (its timeout): TaskRouter cancels the task. */
  timeOutTask(taskSid: string): TaskRecord {
    return structuredClone(this.interactionService.cancelTask(taskSid, WORKFLOW_TIMEOUT_REASON));
  }

  /** Every agent rejected the task until the workflow had no step left: TaskRouter cancels it. */
  rejectTaskToEnd(taskSid: string): TaskRecord {
    return structuredClone(this.interactionService.cancelTask(taskSid, REJECTED_TO_END_REASON));
  }

  /** Someone (a supervisor, a plugin, an API script) cancels the task. */
  cancelTask(taskSid: string, reason = 'Task canceled'): TaskRecord {
    return structuredClone(this.interactionService.cancelTask(taskSid, reason));
  }

  deleteTask(taskSid: string): void {
    this.interactionService.deleteTask(taskSid);
  }

  // What Flex agents do

  /** An agent logs into Flex: their Conversations User gets their name (`friendly_name`). */
  agentLogsIn(agentIdentity: string, friendlyName: string): void {
    this.desk.logIn(agentIdentity, friendlyName);
  }

  acceptTask(taskSid: string, agentIdentity?: string): TaskRecord {
    return structuredClone(this.desk.acceptTask(taskSid, agentIdentity));
  }

  completeTask(taskSid: string): TaskRecord {
    return structuredClone(this.desk.completeTask(taskSid));
  }

  agentSend(conversationSid: string, body: string, agentIdentity?: string, attributes?: Record<string, unknown>): MessageRecord {
    return structuredClone(this.desk.send(conversationSid, body, agentIdentity, undefined, attributes && JSON.stringify(attributes)));
  }

  /** The agent attaches a file in the Flex UI (uploaded to MCS), with an optional message text. */
  agentSendFile(conversationSid: string, file: AgentFile, body?: string, agentIdentity?: string): MessageRecord {
    return structuredClone(this.desk.send(conversationSid, body, agentIdentity, file));
  }

  /** The bytes of a file in MCS, e.g. one the bridge uploaded. */
  mediaContent(mediaSid: string): Buffer | undefined {
    return this.mediaStore.get(mediaSid)?.data;
  }

  /** A file in MCS with its content type (for showing it, e.g. in the demo console). */
  media(mediaSid: string): { contentType: string; data: Buffer; filename: string | null } | undefined {
    const stored = this.mediaStore.get(mediaSid);
    return stored && { contentType: stored.contentType, data: stored.data, filename: stored.filename };
  }

  endChat(conversationSid: string): ConversationSnapshot {
    return conversationSnapshot(this.desk.endChat(conversationSid));
  }

  setInactive(conversationSid: string): ConversationSnapshot {
    return conversationSnapshot(this.desk.setInactive(conversationSid));
  }

  /**
   * The Studio flow of `FLEX_STUDIO_FLOW_SID` asks `menu` (Send & Wait For Reply) before Send to Flex,
   * writing its messages without firing conversation-scoped webhooks; undefined: straight to Flex.
   */
  playStudioMenu(menu: StudioMenu | undefined): void {
    this.studio.useMenu(menu);
  }

  /**
   * The message's webhook delivered again, same event and idempotency token. Conversations does not
   * retry and sends no `RetryCount`, so this is the same request arriving twice (a proxy repeating it).
   */
  async redeliver(messageSid: string): Promise<WebhookDelivery[]> {
    return structuredClone(await this.sender.redeliver(messageSid));
  }

  /**
   * Sends an `onMessageAdded` for a made-up agent message, signed with the wrong key, to the
   * conversation's webhooks: a receiver that checks signatures must refuse it (403).
   */
  async sendForgedWebhook(
    conversationSid: string,
    forged: { body?: string; author?: string } = {},
  ): Promise<WebhookDelivery[]> {
    const conversation = this.conversationService.get(conversationSid);
    const deliveries = this.conversationWebhooks.forgedMessageAdded(conversation, {
      body: forged.body ?? 'forged message',
      author: forged.author ?? 'agent_mallory',
    });
    if (deliveries.length === 0) {
      const message = `Conversation ${conversation.sid} has no onMessageAdded webhook`;
      throw new TwilioApiError(409, defaultErrorCode(409), message);
    }
    return structuredClone(await Promise.all(deliveries));
  }

  // Fault injection

  failNext(spec: FailureSpec): void {
    this.faults.failNext(spec);
  }

  hangNext(spec: HangSpec): void {
    this.faults.hangNext(spec);
  }

  /** The next `count` webhook calls never reach the receiver, as when Twilio's request fails; Conversations never sends them again. */
  loseNextWebhooks(count = 1): void {
    this.sender.loseNext(count);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  private recordRequest(record: Omit<RequestRecord, 'id'>): void {
    const full: RequestRecord = { id: ++this.requestCount, ...record };
    if (this.recordRequests) this.requests.push(full);
    this.events.emit('request', full);
  }
}
