import type { Logger } from 'pino';
import type { ChatAdapter } from '../core/chat-adapter.js';
import { DeliveryPostponed, permanent } from '../core/delivery-error.js';
import {
  identityOf,
  userKeyOf,
  userKeyString,
  type Acceptance,
  type AutoReply,
  type Choice,
  type ExternalChatRef,
  type InboundMessage,
  type MessageDeletion,
} from '../core/messages.js';
import { storableText, storableValue } from '../core/storable-text.js';
import { shortQuote } from '../core/quotes.js';
import { splitText } from '../core/text.js';
import { ChatClosedError, type ChatContext, type FlexBackend, type FlexEvent, type PostedMessage, type PostedRef, type RoutingEnd } from '../flex/backend.js';
import { missesBefore } from '../store/known-indexes.js';
import type { ChatMapping, DedupeKey, NewOutboxRow, OutboxRow, ReorderHold, Store } from '../store/store.js';
import { activeTraceparent, continuedContext, inSpan, SpanKind } from '../tracing/spans.js';
import type { AfterHours } from './after-hours.js';
import { AgentNames } from './agent-names.js';
import { agentReplyOf } from './agent-replies.js';
import { CatchUp } from './catch-up.js';
import type { CustomerTexts } from './customer-texts.js';
import { ChatOpener } from './chats.js';
import { CustomerCommands } from './customer-commands.js';
import { OverdueGaps } from './overdue-gaps.js';
import { IntakeLimits, LIMIT_NOTICES, type IntakeLimitSettings, type LimitReason } from './intake-limits.js';
import { refusalOf, uploadAttachments } from './media.js';
import { customerMessageRow, customerNoticeRow, customerQueueKey, flexQueueKey, transcriptRow } from './outbox-keys.js';
import type { SurveySettings } from './survey.js';
import { Surveys } from './surveys.js';
import { TokenBuckets } from './token-buckets.js';
import { Transcripts } from './transcripts.js';
import { UnattendedChats } from './unattended-chats.js';

export interface BridgeOptions {
  readonly store: Store;
  readonly flex: FlexBackend;
  readonly adapters: readonly ChatAdapter[];
  /** Author of the notices the bridge posts into Flex. */
  readonly bridgeIdentity: string;
  /** How long an agent message waits for a late webhook of an earlier message of its chat. */
  readonly reorderHoldMs: number;
  /** Messages read back from Flex that are older than this are left alone (see CatchUp). */
  readonly readBackMaxAgeMs: number;
  /**
   * When to read a chat back after each customer post, for messages a Studio flow wrote without a
   * webhook (`CatchUp.followAfterPost`); absent or empty: never.
   */
  readonly readBackAfterPostMs?: readonly number[];
  readonly log: Logger;
  /** Called after anything is enqueued, so delivery starts without waiting for a poll. */
  readonly onEnqueued: () => void;
  /** Told when a customer's Flex chat opens or ends (metrics). */
  readonly onChatOpened?: (network: string) => void;
  readonly onChatEnded?: (network: string, reason: ChatEndReason) => void;
  /** Limits on what one customer may send, and on new chats per network; absent: none. */
  readonly limits?: IntakeLimitSettings & { readonly newChatsPerMinute: number };
  /** Told when a customer's message is refused over a limit (metrics). */
  readonly onLimited?: (network: string, reason: LimitReason) => void;
  /** What the bridge tells customers by itself (their chat opened, an agent joined, …), by setting name; absent: nothing. */
  readonly texts?: CustomerTexts;
  /** Business hours for new chats, and what happens to a new chat's first message while closed; absent: always open. */
  readonly afterHours?: AfterHours;
  /**
   * What the agent is told in a new chat of a customer who had chats before ({count}, {ended},
   * {previous}); absent: nothing.
   */
  readonly returningCustomerNotice?: string;
  /** Put before each agent message to the customer, `{agent}` standing for the agent's name; absent: nothing. */
  readonly agentNamePrefix?: string;
  /** Whether a chat that ends (by the agent or the customer) sends the customer its transcript. */
  readonly transcriptOnClose?: boolean;
  /** The satisfaction survey a customer gets after the agent ended their chat; absent: none. */
  readonly survey?: SurveySettings;
  /** Told when a customer rated a chat, once per chat (metrics). */
  readonly onSurveyRated?: (network: string, rating: number) => void;
  /** How often the open chats' tasks are looked at (UnattendedChats), and whether this process is the one to. */
  readonly taskCheck?: { readonly intervalMs: number; readonly isLeader: () => boolean };
}

/**
 * Why a mapping ended: the agent ended the chat (its webhook), Flex had closed it unseen, Flex could
 * not route it, its task ended without an agent, or the customer ended it.
 */
export type ChatEndReason = 'ended-in-flex' | 'found-closed' | 'routing-failed' | 'no-agent' | 'ended-by-customer';

/** How often a customer message may fail to store before it is quarantined. */
const QUARANTINE_AFTER_FAILURES = 5;

/** How long a gap in a chat's indexes may stay open before the chat is read back. */
const READ_BACK_AFTER_GAP_MS = 500;

/**
 * The router: knows customers, Flex chats and the outbox, and no network. Intake methods store and
 * return; `deliver` carries one outbox row to its destination and throws a DeliveryError on failure.
 */
export class Bridge {
  private readonly adapters: ReadonlyMap<string, ChatAdapter>;
  private readonly chats: ChatOpener;
  private readonly limits: IntakeLimits | undefined;
  /** Failed tries to store each customer message offered again (network:id); forgotten once it is stored. */
  private readonly storeFailures = new Map<string, number>();
  /** Finds agent messages whose webhook never came. */
  readonly catchUp: CatchUp;
  /** Reads a chat back before a held agent message whose wait ran out goes ahead of a missing one. */
  private readonly overdueGaps: OverdueGaps;
  /** Finds chats whose task ended without an agent. */
  readonly unattended: UnattendedChats;
  private readonly agentNames: AgentNames;
  private readonly commands: CustomerCommands;
  private readonly transcripts: Transcripts;
  private readonly surveys: Surveys;

  constructor(private readonly opts: BridgeOptions) {
    this.adapters = new Map(opts.adapters.map((a) => [a.network, a]));
    this.agentNames = new AgentNames(opts.flex, opts.log);
    const { limits } = opts;
    this.limits = limits && new IntakeLimits(limits, opts.store);
    const openings = limits && new TokenBuckets(limits.newChatsPerMinute, limits.newChatsPerMinute);
    this.chats = new ChatOpener(
      opts.store,
      opts.flex,
      opts.log,
      (network) => opts.onChatOpened?.(network),
      openings,
      (network) => opts.onChatEnded?.(network, 'found-closed'),
      async (mapping) => {
        opts.onChatEnded?.(mapping.network, 'routing-failed');
        await this.tellCustomer(mapping, 'routing-failed', 'ROUTING_FAILED_NOTICE');
      },
    );
    this.unattended = new UnattendedChats({
      store: opts.store,
      flex: opts.flex,
      intervalMs: opts.taskCheck?.intervalMs ?? 20_000,
      isLeader: opts.taskCheck?.isLeader ?? (() => true),
      onUnattended: (mapping, end) => this.endUnattendedChat(mapping, end),
      log: opts.log,
    });
    this.commands = new CustomerCommands({
      store: opts.store,
      flex: opts.flex,
      bridgeIdentity: opts.bridgeIdentity,
      text: (key, language) => this.customerText(key, language),
      transcriptOnClose: opts.transcriptOnClose ?? false,
      storeOnce: (dedupe, rows) => this.storeOnceAndWake(dedupe, rows),
      onEnded: async (mapping) => {
        if (mapping.flexSid) this.catchUp.chatEnded(mapping.flexSid);
        opts.onChatEnded?.(mapping.network, 'ended-by-customer');
        await this.surveys.start(mapping);
      },
      log: opts.log,
    });
    this.surveys = new Surveys({
      store: opts.store,
      flex: opts.flex,
      ...(opts.survey && { settings: opts.survey }),
      text: (key, language) => this.customerText(key, language),
      storeOnce: (dedupe, rows) => this.storeOnceAndWake(dedupe, rows),
      tellCustomer: (mapping, moment, text, choices) => this.tellCustomerText(mapping, moment, text, choices),
      onEnqueued: opts.onEnqueued,
      ...(opts.onSurveyRated && { onRated: opts.onSurveyRated }),
      log: opts.log,
    });
    this.transcripts = new Transcripts({
      flex: opts.flex,
      adapterFor: (network) => this.adapterFor(network),
      bridgeIdentity: opts.bridgeIdentity,
      heading: (language) => this.customerText('TRANSCRIPT_HEADING', language),
      log: opts.log,
    });
    this.catchUp = new CatchUp({
      store: opts.store,
      flex: opts.flex,
      accept: (event) => this.acceptFlexEvent(event),
      maxAgeMs: opts.readBackMaxAgeMs,
      reorderHoldMs: opts.reorderHoldMs,
      log: opts.log,
      onReleased: opts.onEnqueued,
    });
    this.overdueGaps = new OverdueGaps(opts.store, this.catchUp, opts.reorderHoldMs);
  }

  /**
   * The InboundSink: resolves once the message is stored (or known as a duplicate, refused over a
   * limit, or quarantined); throws while it could not be, so the network offers it again. A trace starts here.
   */
  readonly acceptCustomerMessage = (msg: InboundMessage): Promise<Acceptance> =>
    inSpan(
      `receive ${msg.network} message`,
      { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': msg.network, 'messaging.message.id': msg.externalMessageId } },
      async () => {
        const dedupe = { source: msg.network, key: msg.externalMessageId };
        const failuresKey = `${dedupe.source}:${dedupe.key}`;
        try {
          const acceptance = await this.takeCustomerMessage(msg, dedupe);
          this.storeFailures.delete(failuresKey);
          return acceptance;
        } catch (err) {
          const failures = (this.storeFailures.get(failuresKey) ?? 0) + 1;
          if (failures < QUARANTINE_AFTER_FAILURES) {
            // A long store outage offers many messages again; their counts only need to outlast it roughly.
            if (this.storeFailures.size >= 10_000) this.storeFailures.clear();
            this.storeFailures.set(failuresKey, failures);
            throw err;
          }
          await this.quarantine(msg, dedupe, err);
          this.storeFailures.delete(failuresKey);
          return 'quarantined';
        }
      },
    );

  private async takeCustomerMessage(msg: InboundMessage, dedupe: DedupeKey): Promise<Acceptance> {
    if (msg.choice !== undefined) return this.surveys.takeRating(msg, msg.choice);
    const user = userKeyOf(msg);
    const surveyed = await this.surveys.awaitingComment(msg);
    if (surveyed !== undefined) return this.surveys.takeComment(msg, dedupe, surveyed);
    const overLimit = await this.limits?.refusal(user);
    if (overLimit) return this.refuseOverLimit(msg, dedupe, overLimit);
    const accepted = await this.storeOnce(dedupe, [customerMessageRow(msg)]);
    // One info line per message and direction: its delivery. Storing it is a debug step.
    this.opts.log[accepted ? 'debug' : 'info'](
      { user: userKeyString(user), externalMessageId: msg.externalMessageId, accepted },
      accepted ? 'customer message stored' : 'duplicate customer message dropped',
    );
    if (accepted) this.opts.onEnqueued();
    return accepted ? 'accepted' : 'duplicate';
  }

  /**
   * A message that failed to store however often it was offered is kept aside, so the customers
   * behind it are not held up; an operator sees it (`flex-bridge quarantine`) and can take it in
   * again. When the store takes nothing at all (it is down), this throws too and the network keeps it.
   */
  private async quarantine(msg: InboundMessage, dedupe: DedupeKey, err: unknown): Promise<void> {
    const reason = storableText(err instanceof Error ? err.message : String(err));
    await this.opts.store.quarantine(dedupe, msg, reason);
    this.opts.log.error(
      { user: userKeyString(userKeyOf(msg)), externalMessageId: msg.externalMessageId, reason, tries: QUARANTINE_AFTER_FAILURES },
      'customer message quarantined: it could not be stored',
    );
  }

  /**
   * Takes a message over a limit in without passing it on: its id is recorded (a copy offered again
   * is a duplicate) and the customer is told, at most once a minute.
   */
  private async refuseOverLimit(msg: InboundMessage, dedupe: DedupeKey, reason: LimitReason): Promise<Acceptance> {
    const to: ExternalChatRef = { network: msg.network, externalUserId: msg.externalUserId, externalChatId: msg.externalChatId };
    const text = this.customerText(LIMIT_NOTICES[reason], msg.language);
    const notices: NewOutboxRow[] = text !== undefined && this.limits?.noticeDue(to) ? [customerNoticeRow(to, text)] : [];
    if (!(await this.storeOnce(dedupe, notices))) return 'duplicate';
    this.opts.log.warn(
      { user: userKeyString(to), externalMessageId: msg.externalMessageId, reason, told: notices.length > 0 },
      'customer message refused: over the limit',
    );
    this.opts.onLimited?.(msg.network, reason);
    if (notices.length > 0) this.opts.onEnqueued();
    return 'limited';
  }

  /** The AutoReplySink: the reply is stored for the customer's queue once per `externalMessageId`. */
  readonly acceptAutoReply = async (reply: AutoReply): Promise<Acceptance> => {
    // Kept before the reply: a failure makes the network offer the update again, and remembering twice is harmless.
    if (reply.startPayload) await this.opts.store.rememberStartPayload(userKeyOf(reply.to), reply.startPayload);
    const rows = reply.text === undefined ? [] : [customerNoticeRow(reply.to, reply.text)];
    const accepted = await this.storeOnce({ source: reply.to.network, key: reply.externalMessageId }, rows);
    this.opts.log.info(
      { user: userKeyString(reply.to), externalMessageId: reply.externalMessageId, accepted },
      accepted ? 'automatic reply stored' : 'duplicate automatic reply dropped',
    );
    if (accepted) this.opts.onEnqueued();
    return accepted ? 'accepted' : 'duplicate';
  };

  /**
   * The DeletionSink: a customer deleted a message that reached their open chat, so the agent is told,
   * with a quote of it, once. A message the bridge has no link for (never posted, or its chat ended) is
   * ignored: there is no chat to tell.
   */
  readonly acceptDeletion = async (deletion: MessageDeletion): Promise<Acceptance> => {
    const link = await this.opts.store.messageLinkByExternalId(deletion.network, deletion.externalMessageId);
    const mapping = link && (await this.opts.store.mappingByFlexSid(link.flexSid));
    if (!link || !mapping || mapping.status === 'ended' || mapping.externalChatId !== deletion.externalChatId) {
      this.opts.log.debug({ network: deletion.network, externalMessageId: deletion.externalMessageId }, 'deleted message of no open chat ignored');
      return 'ignored';
    }
    const text = `🗑 The customer deleted their message: “${shortQuote(link.text)}”`;
    const notice: NewOutboxRow = { key: flexQueueKey(mapping), direction: 'to-flex', payload: { kind: 'notice', user: userKeyOf(mapping), flexSid: link.flexSid, text } };
    const accepted = await this.storeOnce({ source: deletion.network, key: `${deletion.externalMessageId}:deleted` }, [notice]);
    this.opts.log.info({ flexSid: link.flexSid, externalMessageId: deletion.externalMessageId, accepted }, 'customer deleted a message: the agent is told');
    if (accepted) this.opts.onEnqueued();
    return accepted ? 'accepted' : 'duplicate';
  };

  /** Flex's webhooks (and messages read back) come in here; an agent message's rows continue its trace. */
  acceptFlexEvent(event: FlexEvent): Promise<Acceptance> {
    const attributes = {
      ...(event.type !== 'ignored' && { 'flex_bridge.flex.conversation_sid': event.flexSid }),
      ...(event.type === 'message' && { 'flex_bridge.flex.message_sid': event.messageSid }),
      ...(event.type === 'message' && event.index !== undefined && { 'flex_bridge.flex.message_index': event.index }),
    };
    return inSpan(`receive flex ${event.type === 'message' ? 'message' : 'event'}`, { kind: SpanKind.CONSUMER, attributes }, () => this.routeFlexEvent(event));
  }

  /**
   * Stores `rows` unless `dedupe` was seen: their text made storable (a NUL or a lone surrogate a
   * network sent must not stop intake), each carrying the active trace so that whichever process
   * delivers it continues the trace.
   */
  private storeOnce(dedupe: DedupeKey, rows: readonly NewOutboxRow[], order?: ReorderHold): Promise<boolean> {
    const traceparent = activeTraceparent();
    const stored = rows.map((row) => ({ ...row, payload: storableValue(traceparent ? { ...row.payload, traceparent } : row.payload) }));
    return inSpan('store accept', {}, () => this.opts.store.acceptOnce(storableValue(dedupe), stored, order));
  }

  /** storeOnce, and delivery starts at once when something was stored. */
  private async storeOnceAndWake(dedupe: DedupeKey, rows: readonly NewOutboxRow[]): Promise<boolean> {
    const stored = await this.storeOnce(dedupe, rows);
    if (stored) this.opts.onEnqueued();
    return stored;
  }

  private async routeFlexEvent(event: FlexEvent): Promise<Acceptance> {
    const log = this.opts.log;
    if (event.type === 'ignored') {
      log.debug({ reason: event.reason }, 'flex webhook ignored');
      return 'ignored';
    }
    const mapping = await this.opts.store.mappingByFlexSid(event.flexSid);
    if (!mapping) {
      log.info({ flexSid: event.flexSid, event: event.type }, 'flex webhook for an unknown chat ignored');
      return 'ignored';
    }
    if (event.type === 'ended') {
      this.catchUp.chatEnded(event.flexSid);
      if (mapping.status !== 'ended') {
        await this.opts.store.endMapping(mapping.id);
        this.opts.onChatEnded?.(mapping.network, 'ended-in-flex');
        await this.tellCustomer(mapping, 'ended', 'CHAT_ENDED_NOTICE');
        if (this.opts.transcriptOnClose) await this.sendTranscript(mapping);
        await this.surveys.start(mapping);
      }
      log.info({ flexSid: event.flexSid, conversationId: mapping.id }, 'chat ended by flex');
      return 'accepted';
    }
    if (event.type === 'participant-joined') return this.agentJoined(mapping, event.identity);
    if (event.author === mapping.identity || event.author === this.opts.bridgeIdentity) {
      log.debug({ flexSid: event.flexSid, messageSid: event.messageSid }, 'own message echoed by flex ignored');
      return 'ignored';
    }
    const user = userKeyOf(mapping);
    const to = { ...user, externalChatId: mapping.externalChatId };
    const { body, replyTo } = await agentReplyOf(this.opts.store, mapping, event);
    const answer = { ...event, body };
    const rows = event.media.length > 0 ? this.agentMediaRows(answer, to, replyTo) : this.agentTextRows(answer, to, body, replyTo);
    const order =
      event.index === undefined
        ? undefined
        : { mappingId: mapping.id, flexSid: event.flexSid, index: event.index, holdMs: this.opts.reorderHoldMs };
    const accepted = await this.storeOnce({ source: 'twilio', key: event.messageSid }, rows, order);
    // A message whose predecessor is unknown: its webhook may be late, or lost for good.
    if (accepted && order && missesBefore(mapping.knownIndexes, order.index)) this.readBackSoon(mapping, order.index);
    log[accepted ? 'debug' : 'info'](
      { flexSid: event.flexSid, messageSid: event.messageSid, retryCount: event.retryCount, parts: rows.length, accepted },
      accepted ? 'agent message stored' : 'duplicate agent message dropped',
    );
    if (accepted) this.opts.onEnqueued();
    return accepted ? 'accepted' : 'duplicate';
  }

  /** A gap's late webhook usually comes within a moment; otherwise reading the chat back finds it. */
  private readBackSoon(mapping: ChatMapping, index: number): void {
    this.catchUp.schedule(mapping, index, Math.min(this.opts.reorderHoldMs / 3, READ_BACK_AFTER_GAP_MS));
  }

  /** The text in parts the network takes; the first part answers `replyTo`, when the agent answered a message. */
  private agentTextRows(event: Extract<FlexEvent, { type: 'message' }>, to: ExternalChatRef, body: string, replyTo?: string): NewOutboxRow[] {
    const maxLength = this.adapters.get(to.network)?.capabilities.maxTextLength ?? 4096;
    const text = body === '' ? '(the agent sent something this bridge cannot carry yet)' : body;
    return splitText(text, maxLength).map((part, i) => ({
      key: customerQueueKey(to),
      direction: 'to-customer',
      payload: {
        kind: 'agent-message',
        to,
        flexSid: event.flexSid,
        messageSid: event.messageSid,
        text: part,
        ...(i === 0 && { author: event.author }),
        ...(i === 0 && replyTo && { replyTo }),
      },
    }));
  }

  /**
   * One row per file, the text as the first file's caption when it fits (otherwise as messages after
   * the files, answering `replyTo`); a file the customer's network cannot take is reported to the agent instead.
   */
  private agentMediaRows(event: Extract<FlexEvent, { type: 'message' }>, to: ExternalChatRef, replyTo?: string): NewOutboxRow[] {
    const adapter = this.adapters.get(to.network);
    const files = event.media.map((media) => ({ media, refusal: refusalOf(media, adapter, to.network) }));
    const firstSendable = files.find((file) => !file.refusal)?.media;
    const caption = firstSendable && event.body.length <= (adapter?.capabilities.maxCaptionLength ?? 0) ? event.body : '';
    const rows: NewOutboxRow[] = files.map(({ media, refusal }): NewOutboxRow => {
      if (refusal) {
        const name = media.fileName ? `"${media.fileName}"` : 'a file';
        const text = `⚠️ flex-bridge could not send ${name} to the customer: ${refusal}.`;
        return { key: flexQueueKey(to), direction: 'to-flex', payload: { kind: 'notice', user: userKeyOf(to), flexSid: event.flexSid, text } };
      }
      const text = media === firstSendable ? caption : '';
      return {
        key: customerQueueKey(to),
        direction: 'to-customer',
        payload: { kind: 'agent-message', to, flexSid: event.flexSid, messageSid: event.messageSid, text, media, ...(text !== '' ? { author: event.author } : {}) },
      };
    });
    if (event.body !== '' && caption === '') rows.push(...this.agentTextRows(event, to, event.body, replyTo));
    return rows;
  }

  /**
   * Carries one outbox row; throws a DeliveryError when it did not get through. Its span continues
   * the trace of the intake that stored the row, in whichever process that was.
   */
  deliver(row: OutboxRow): Promise<void> {
    const attributes = { 'flex_bridge.outbox.id': row.id, 'flex_bridge.outbox.attempt': row.attempts + 1, 'flex_bridge.outbox.age_ms': Date.now() - row.createdAt };
    const parent = continuedContext({ traceparent: row.payload.traceparent });
    return inSpan(`deliver ${row.payload.kind}`, { kind: SpanKind.CONSUMER, parent, attributes }, () => this.deliverRow(row));
  }

  private async deliverRow(row: OutboxRow): Promise<void> {
    const { payload } = row;
    switch (payload.kind) {
      case 'customer-message': {
        const { message } = payload;
        return message.command ? this.commands.run(row, message, message.command) : this.deliverToFlex(row, message);
      }
      case 'close-chat':
        await inSpan('flex close chat', { kind: SpanKind.CLIENT, attributes: { 'flex_bridge.flex.conversation_sid': payload.flexSid } }, async () => {
          await this.opts.flex.endChat?.(payload.flexSid);
        });
        this.opts.log.info({ outboxId: row.id, flexSid: payload.flexSid }, 'chat the customer ended closed in flex');
        return;
      case 'transcript':
        return this.transcripts.send(row, payload);
      case 'agent-message': {
        await this.overdueGaps.check(row);
        const adapter = this.adapterFor(payload.to.network);
        const { media } = payload;
        const file = media && (await inSpan('flex fetch media', { kind: SpanKind.CLIENT }, () => this.opts.flex.fetchMedia(media)));
        const idempotencyKey = `fb${row.id}`;
        const text = await this.signed(payload.text, payload.author, adapter, media !== undefined);
        const message =
          file && media
            ? { text, file, idempotencyKey, reopenFile: () => this.opts.flex.fetchMedia(media) }
            : { text, idempotencyKey, ...(payload.replyTo && { replyTo: payload.replyTo }) };
        const attributes = { 'messaging.system': payload.to.network, 'flex_bridge.flex.message_sid': payload.messageSid };
        await inSpan(`${payload.to.network} send`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
          const sent = await adapter.send(payload.to, message);
          span.setAttribute('messaging.message.id', sent.map((ref) => ref.externalMessageId).join(','));
        });
        this.opts.log.info({ outboxId: row.id, messageSid: payload.messageSid, user: userKeyString(payload.to) }, 'agent message delivered');
        return;
      }
      case 'notice':
        return this.deliverNotice(row, payload.flexSid, payload.text);
      case 'customer-notice': {
        const { to, text, choices } = payload;
        await inSpan(`${to.network} send`, { kind: SpanKind.CLIENT, attributes: { 'messaging.system': to.network } }, () =>
          this.adapterFor(to.network).send(to, { text, idempotencyKey: `fb${row.id}`, ...(choices && { choices }) }),
        );
        this.opts.log.info({ outboxId: row.id, user: userKeyString(to) }, 'notice to the customer delivered');
        return;
      }
      case 'survey-result':
        return this.surveys.record(row, payload);
    }
  }

  /**
   * An agent's text with AGENT_NAME_PREFIX before it, when the agent has a name in Flex; a caption the
   * prefix would make too long for the network goes as it is.
   */
  private async signed(text: string, author: string | undefined, adapter: ChatAdapter, caption: boolean): Promise<string> {
    const prefix = this.opts.agentNamePrefix;
    if (prefix === undefined || author === undefined || text === '') return text;
    const name = await this.agentNames.nameOf(author);
    if (name === undefined) return text;
    const signed = `${prefix.replaceAll('{agent}', name)}${text}`;
    return caption && signed.length > (adapter.capabilities.maxCaptionLength ?? 0) ? text : signed;
  }

  private adapterFor(network: string): ChatAdapter {
    const adapter = this.adapters.get(network);
    if (!adapter) throw permanent(`no adapter for network ${network}`);
    return adapter;
  }

  /** Posts into a Flex chat and resolves to where the message is there. */
  private postToFlex(flexSid: string, post: PostedMessage, checkFirst: boolean): Promise<PostedRef> {
    return inSpan('flex post message', { kind: SpanKind.CLIENT, attributes: { 'flex_bridge.flex.conversation_sid': flexSid } }, async (span) => {
      const posted = await this.opts.flex.postMessage(flexSid, post, { checkFirst });
      span.setAttribute('flex_bridge.flex.message_index', posted.index);
      return posted;
    });
  }

  /**
   * Remembers which Flex message a customer message became (see MessageLink). The message is in Flex
   * already: a link that fails to store is logged, never a reason to post again.
   */
  private async linkMessage(mapping: ChatMapping, msg: InboundMessage, posted: PostedRef): Promise<void> {
    try {
      await this.opts.store.linkMessage({
        conversationId: mapping.id,
        network: msg.network,
        externalMessageId: msg.externalMessageId,
        flexSid: mapping.flexSid as string,
        flexMessageSid: posted.sid,
        text: msg.text,
      });
    } catch (err) {
      this.opts.log.warn({ err, flexSid: mapping.flexSid, externalMessageId: msg.externalMessageId }, 'message link not stored: replies to it go without a quote');
    }
  }

  private async deliverNotice(row: OutboxRow, flexSid: string, text: string): Promise<void> {
    let index: number;
    try {
      ({ index } = await this.postToFlex(flexSid, { author: this.opts.bridgeIdentity, text, bridgeMessageId: `notice-${row.id}` }, row.ambiguous));
    } catch (err) {
      if (!(err instanceof ChatClosedError)) throw err;
      this.opts.log.info({ outboxId: row.id, flexSid }, 'notice dropped: chat already closed');
      return;
    }
    const mapping = await this.opts.store.mappingByFlexSid(flexSid);
    if (mapping) await this.opts.store.noteFlexIndex(mapping.id, index);
  }

  private async deliverToFlex(row: OutboxRow, msg: InboundMessage): Promise<void> {
    const user = userKeyOf(msg);
    if (!(await this.routesNow(row, msg))) return;
    const [first, ...more] = await this.postsFor(msg);
    // A media message may be several posts, and a crash between them is no failed attempt: always look.
    const checkFirst = row.ambiguous || msg.attachments.length > 0;
    for (let attempt = 0; ; attempt++) {
      const { mapping, firstPosted, context } = await this.chats.ensureOpen(msg, first);
      const flexSid = mapping.flexSid as string;
      try {
        const posts = firstPosted ? more : [first, ...more];
        let firstRef = firstPosted;
        for (const [i, post] of posts.entries()) {
          const posted = await this.postToFlex(flexSid, post, checkFirst);
          await this.opts.store.noteFlexIndex(mapping.id, posted.index);
          firstRef ??= posted;
          // Flex has a message before ours that the bridge never heard of: an agent's, whose webhook failed.
          if (i === 0 && missesBefore(mapping.knownIndexes, posted.index)) this.readBackSoon(mapping, posted.index);
        }
        this.opts.log.info(
          { outboxId: row.id, flexSid, user: userKeyString(user), externalMessageId: msg.externalMessageId },
          'customer message delivered to flex',
        );
        if (firstRef) await this.linkMessage(mapping, msg, firstRef);
        this.catchUp.followAfterPost(mapping, this.opts.readBackAfterPostMs ?? []);
        if (firstPosted) {
          await this.tellCustomer(mapping, 'opened', 'CHAT_OPENED_NOTICE');
          if (context) await this.tellAgentOfEarlierChats(mapping, context);
        }
        return;
      } catch (err) {
        // Flex closed the chat without us hearing of it: end the mapping and open a new chat, once.
        if (!(err instanceof ChatClosedError) || attempt > 0) throw err;
        this.opts.log.warn({ flexSid, conversationId: mapping.id }, 'chat was closed in flex; opening a new one');
        await this.opts.store.endMapping(mapping.id);
        this.opts.onChatEnded?.(mapping.network, 'found-closed');
      }
    }
  }

  /**
   * Business hours apply to the message that would open a new chat; a chat already open goes on after
   * hours. While closed the customer gets the after-hours reply once per closed period, and the message
   * is dropped, routed anyway, or held (postponed, with the customer's later messages queued behind it)
   * until open. Resolves whether to route it now.
   */
  private async routesNow(row: OutboxRow, msg: InboundMessage): Promise<boolean> {
    const { afterHours, log } = this.opts;
    const user = userKeyOf(msg);
    if (!afterHours || (await this.opts.store.currentMapping(user))) return true;
    const closed = await afterHours.whenClosed(msg.language);
    if (!closed) return true;
    const { notice, action } = closed;
    const to: ExternalChatRef = { ...user, externalChatId: msg.externalChatId };
    const told =
      notice !== undefined &&
      (await this.storeOnce({ source: 'flex-bridge', key: `after-hours:${userKeyString(user)}:${notice.period}` }, [customerNoticeRow(to, notice.text)]));
    if (told) this.opts.onEnqueued();
    if (told || action !== 'hold') {
      log.info({ outboxId: row.id, user: userKeyString(user), externalMessageId: msg.externalMessageId, action, told }, 'new chat after business hours');
    }
    if (action === 'hold') throw new DeliveryPostponed('closed: business hours (AFTER_HOURS_POLICY=reply-and-route-when-open)', closed.recheckMs);
    return action === 'route';
  }

  /**
   * What a customer message becomes in Flex: its text, or one post per file (Flex takes one file per
   * message) with the text as the first one's body. Files are uploaded now; a retry uploads them again
   * (an unused upload is harmless) and finds posts that got through by their `bridgeMessageId`.
   */
  private async postsFor(msg: InboundMessage): Promise<[PostedMessage, ...PostedMessage[]]> {
    const author = identityOf(userKeyOf(msg));
    const bridgeMessageId = `${msg.network}:${msg.externalMessageId}`;
    if (msg.attachments.length === 0) return [{ author, text: msg.text, bridgeMessageId }];
    const { mediaSids, notes } = await inSpan('upload attachments', { attributes: { 'flex_bridge.attachments': msg.attachments.length } }, () =>
      uploadAttachments(msg, this.adapters.get(msg.network), this.opts.flex, this.opts.log),
    );
    const text = [msg.text, ...notes].filter((line) => line !== '').join('\n');
    const [firstSid, ...moreSids] = mediaSids;
    if (firstSid === undefined) return [{ author, text, bridgeMessageId }];
    return [
      { author, text, bridgeMessageId, mediaSid: firstSid },
      ...moreSids.map((mediaSid, i) => ({ author, text: '', bridgeMessageId: `${bridgeMessageId}#${i + 1}`, mediaSid })),
    ];
  }

  /** An agent joined the chat: the customer is told so, by name when Flex has one, once per agent. */
  private async agentJoined(mapping: ChatMapping, identity: string): Promise<Acceptance> {
    if (identity === mapping.identity || identity === this.opts.bridgeIdentity || mapping.status === 'ended') return 'ignored';
    if (mapping.flexSid) this.catchUp.agentJoined(mapping.flexSid);
    await this.opts.store.noteAgentJoined(mapping.id);
    const agentJoined = this.customerText('AGENT_JOINED_NOTICE', mapping.language);
    if (agentJoined === undefined) return 'ignored';
    const name = agentJoined.includes('{agent}') ? await this.agentNames.nameOf(identity) : '';
    const text = name === undefined ? this.customerText('AGENT_JOINED_NOTICE_UNNAMED', mapping.language) : agentJoined.replaceAll('{agent}', name);
    if (text === undefined) return 'ignored';
    const stored = await this.tellCustomerText(mapping, `agent-joined:${identity}`, text);
    this.opts.log.info({ flexSid: mapping.flexSid, conversationId: mapping.id, named: name !== undefined, stored }, 'agent joined the chat');
    return stored ? 'accepted' : 'duplicate';
  }

  /**
   * A customer who had chats before: the agent sees how many, when the last one ended and its Flex
   * conversation, as a bridge notice in the new chat, once per chat.
   */
  private async tellAgentOfEarlierChats(mapping: ChatMapping, context: ChatContext): Promise<void> {
    const template = this.opts.returningCustomerNotice;
    const earlier = context.earlierChats;
    if (template === undefined || !earlier || !mapping.flexSid) return;
    const text = template
      .replaceAll('{count}', String(earlier.count))
      .replaceAll('{ended}', `${new Date(earlier.lastEndedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`)
      .replaceAll('{previous}', earlier.lastFlexSid);
    const user = userKeyOf(mapping);
    const row: NewOutboxRow = { key: flexQueueKey(user), direction: 'to-flex', payload: { kind: 'notice', user, flexSid: mapping.flexSid, text } };
    if (await this.storeOnce({ source: 'flex-bridge', key: `chat-returning:${mapping.id}` }, [row])) this.opts.onEnqueued();
  }

  /**
   * Tells the customer that their chat opened or ended, or who joined it: once per chat and `moment`
   * (a retried delivery or a repeated webhook finds the notice already stored).
   */
  private tellCustomer(mapping: ChatMapping, moment: string, textKey: string): Promise<boolean> {
    return this.tellCustomerText(mapping, moment, this.customerText(textKey, mapping.language));
  }

  private async tellCustomerText(mapping: ChatMapping, moment: string, text: string | undefined, choices?: readonly Choice[]): Promise<boolean> {
    if (text === undefined) return false;
    const to: ExternalChatRef = { ...userKeyOf(mapping), externalChatId: mapping.externalChatId };
    const stored = await this.storeOnce({ source: 'flex-bridge', key: `chat-${moment}:${mapping.id}` }, [customerNoticeRow(to, text, choices)]);
    if (stored) this.opts.onEnqueued();
    return stored;
  }

  /** The text under `key` (a setting's name) in `language`; undefined when it is switched off. */
  private customerText(key: string, language?: string | null): string | undefined {
    return this.opts.texts?.text(key, language);
  }

  /** The ended chat's transcript, for the customer; once per chat. */
  private async sendTranscript(mapping: ChatMapping): Promise<void> {
    if (!mapping.flexSid) return;
    const to: ExternalChatRef = { ...userKeyOf(mapping), externalChatId: mapping.externalChatId };
    const stored = await this.storeOnce({ source: 'flex-bridge', key: `chat-transcript:${mapping.id}` }, [transcriptRow(to, mapping, mapping.flexSid)]);
    if (stored) this.opts.onEnqueued();
  }

  /**
   * The chat's task ended without an agent: the mapping ends first (so the close's own webhook finds it
   * ended and tells nothing more), the customer is told, and the chat is closed through Flex. A close
   * that fails is logged; the conversation's close timer still ends it.
   */
  private async endUnattendedChat(mapping: ChatMapping, end: RoutingEnd): Promise<void> {
    await this.opts.store.endMapping(mapping.id);
    this.opts.onChatEnded?.(mapping.network, 'no-agent');
    await this.tellCustomer(mapping, 'no-agent', 'NO_AGENT_NOTICE');
    this.opts.log.warn({ flexSid: mapping.flexSid, conversationId: mapping.id, reason: end.reason, detail: end.detail }, 'chat ended without an agent: the customer is told');
    try {
      await this.opts.flex.closeChat?.(mapping.flexSid as string, end);
    } catch (err) {
      this.opts.log.warn({ err, flexSid: mapping.flexSid }, 'closing a chat that ended without an agent failed; its close timer ends it');
    }
  }

  /**
   * A row that will not be retried: a customer message that reached no agent is reported (an operator
   * sees it in `flex-bridge outbox list --dead` and `flex_bridge_dead_customer_messages`); the agent is
   * told when a customer did not get their message.
   */
  async onDeadLettered(row: OutboxRow, reason: string): Promise<void> {
    if (row.payload.kind === 'customer-message') {
      const { message } = row.payload;
      this.opts.log.error(
        { outboxId: row.id, user: userKeyString(userKeyOf(message)), externalMessageId: message.externalMessageId, reason },
        'customer message dead-lettered: it reached no agent',
      );
      return;
    }
    if (row.payload.kind !== 'agent-message') return;
    const { to, flexSid } = row.payload;
    await this.opts.store.enqueue([
      {
        key: flexQueueKey(to),
        direction: 'to-flex',
        payload: {
          kind: 'notice',
          user: userKeyOf(to),
          flexSid,
          text: `⚠️ flex-bridge could not deliver a message to the customer on ${to.network}: ${reason}`,
        },
      },
    ]);
    this.opts.onEnqueued();
  }
}
