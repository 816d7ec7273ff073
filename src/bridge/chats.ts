import type { Logger } from 'pino';
import { DeliveryError, DeliveryPostponed } from '../core/delivery-error.js';
import {
  ChatClosedError,
  RoutingFailedError,
  type ChatContext,
  type FlexBackend,
  type OpenChatRequest,
  type OpenedChat,
  type PostedMessage,
  type PostedRef,
} from '../flex/backend.js';
import type { ChatMapping, StartPayload, Store } from '../store/store.js';
import { handleOf, identityOf, userKeyOf, type InboundMessage } from '../core/messages.js';
import { inSpan, SpanKind } from '../tracing/spans.js';
import type { TokenBuckets } from './token-buckets.js';

/**
 * The customer's open chat; `firstPosted` when the message that asked for it was posted while opening
 * it, and then the `context` it opened with.
 */
export interface OpenChat {
  readonly mapping: ChatMapping;
  readonly firstPosted?: PostedRef;
  readonly context?: ChatContext;
}

/**
 * Finds or opens the customer's Flex chat. Callers hold the customer's outbox key, so at most one
 * opening per customer runs at a time; the store's unique index guards the rest.
 */
export class ChatOpener {
  private installation: Promise<string> | undefined;

  constructor(
    private readonly store: Store,
    private readonly flex: FlexBackend,
    private readonly log: Logger,
    private readonly onOpened: (network: string) => void = () => undefined,
    /** New chats per network: a first message beyond the rate waits, without using an attempt. */
    private readonly openings?: TokenBuckets,
    /** A mapping ended because its chat was found closed in Flex. */
    private readonly onFoundClosed: (network: string) => void = () => undefined,
    /** Flex could not route the chat (it is closed and its mapping ended): the customer must be told. */
    private readonly onRoutingFailed: (mapping: ChatMapping, err: RoutingFailedError) => Promise<void> = async () => undefined,
  ) {}

  /**
   * Returns the open chat and, when `first` was posted while opening it, where (and the context the
   * chat opened with). A chat Flex could not route ends its mapping (the next message starts afresh)
   * and throws RoutingFailedError.
   */
  async ensureOpen(msg: InboundMessage, first: PostedMessage): Promise<OpenChat> {
    try {
      return await this.findOrOpen(msg, first);
    } catch (err) {
      if (!(err instanceof RoutingFailedError)) throw err;
      const mapping = await this.store.mappingByFlexSid(err.flexSid);
      if (mapping) {
        await this.store.endMapping(mapping.id);
        this.log.error({ conversationId: mapping.id, flexSid: err.flexSid, err }, 'flex could not route the chat to an agent: the customer is told');
        await this.onRoutingFailed(mapping, err);
      }
      throw err;
    }
  }

  private async findOrOpen(msg: InboundMessage, first: PostedMessage): Promise<OpenChat> {
    const user = userKeyOf(msg);
    let mapping = await this.store.currentMapping(user);
    if (mapping?.status === 'active' && mapping.flexSid) return { mapping };

    const handle = handleOf(msg);
    const installation = await this.installationId();
    const request = async (opening: ChatMapping): Promise<OpenChatRequest & { startPayload?: StartPayload }> => {
      const { context, startPayload } = await this.contextOf(msg, opening);
      return {
        openingKey: openingKeyOf(installation, opening),
        identity: opening.identity,
        handle,
        displayName: msg.displayName,
        network: msg.network,
        firstMessage: first,
        context,
        ...(startPayload ? { startPayload } : {}),
      };
    };
    if (mapping?.routingRequested && mapping.flexSid && this.flex.completeRouting) {
      // The chat may already be in front of an agent: finish it, never discard it.
      this.log.warn({ conversationId: mapping.id, flexSid: mapping.flexSid }, 'completing a chat whose opening was interrupted');
      try {
        const req = await request(mapping);
        const firstPosted = await this.flex.completeRouting(mapping.flexSid, req);
        await this.store.noteFlexIndex(mapping.id, firstPosted.index);
        await this.activated(mapping, req.startPayload);
        this.onOpened(user.network);
        return { mapping: { ...mapping, status: 'active' }, firstPosted, context: req.context };
      } catch (err) {
        // An agent ended it meanwhile: the message opens a new chat.
        if (!(err instanceof ChatClosedError)) throw err;
        this.log.warn({ conversationId: mapping.id, flexSid: mapping.flexSid }, 'the interrupted chat was closed in flex; opening a new one');
        await this.store.endMapping(mapping.id);
        this.onFoundClosed(user.network);
        mapping = undefined;
      }
    }
    if (!mapping) {
      if (this.openings && !this.openings.take(user.network)) {
        throw new DeliveryPostponed(`new ${user.network} chats are over NEW_CHATS_PER_MINUTE`, this.openings.waitMs(user.network));
      }
      mapping = await this.store.beginMapping({
        ...user,
        externalChatId: msg.externalChatId,
        handle,
        displayName: msg.displayName,
        ...(msg.language && { language: msg.language }),
        identity: identityOf(user),
        flexMode: this.flex.mode,
      });
    } else {
      // An earlier attempt died half-way through opening (perhaps before it could record the sid):
      // remove what it made before starting over.
      this.log.warn({ conversationId: mapping.id, flexSid: mapping.flexSid }, 'discarding half-opened chat');
      await this.flex.discardChat(mapping.flexSid, openingKeyOf(installation, mapping));
      await this.store.resetOpening(mapping.id);
    }

    const id = mapping.id;
    const req = await request(mapping);
    let opened: OpenedChat;
    try {
      opened = await inSpan('flex open chat', { kind: SpanKind.CLIENT, attributes: { 'messaging.system': msg.network } }, async (span) => {
        const chat = await this.flex.openChat(
          req,
          (sid) => this.store.setFlexSid(id, sid),
          () => this.store.markRoutingRequested(id),
          (index) => this.store.noteFlexIndex(id, index),
        );
        span.setAttribute('flex_bridge.flex.conversation_sid', chat.flexSid);
        return chat;
      });
    } catch (err) {
      // The back end removed the half-made chat, unless the failure left its routing in doubt (or routing gave up).
      if (!(err instanceof DeliveryError && (err.ambiguous || err instanceof RoutingFailedError))) await this.store.resetOpening(id);
      throw err;
    }
    const { flexSid, firstIndex, firstSid, namesTaken = [] } = opened;
    for (const name of namesTaken) {
      this.log.error({ conversationId: id, uniqueName: name }, 'a flex conversation this installation did not make holds the chat\'s unique name; it was left alone and another name used');
    }
    await this.store.noteFlexIndex(id, firstIndex);
    await this.activated(mapping, req.startPayload);
    this.log.info({ conversationId: id, flexSid, user: `${user.network}:${user.externalUserId}` }, 'chat opened');
    this.onOpened(user.network);
    return { mapping: { ...mapping, flexSid, status: 'active' }, firstPosted: { index: firstIndex, sid: firstSid }, context: req.context };
  }

  /** The customer's language, the deep-link payload they came with, and their earlier chats. */
  private async contextOf(msg: InboundMessage, opening: ChatMapping): Promise<{ context: ChatContext; startPayload?: StartPayload }> {
    const user = userKeyOf(msg);
    const [startPayload, earlier] = await Promise.all([this.store.startPayload(user), this.store.earlierChats(user, opening.id)]);
    const context: ChatContext = {
      ...(msg.language ? { language: msg.language } : {}),
      ...(startPayload ? { startPayload: startPayload.payload } : {}),
      ...(earlier.last ? { earlierChats: { count: earlier.count, lastFlexSid: earlier.last.flexSid, lastEndedAt: earlier.last.endedAt } } : {}),
    };
    return { context, ...(startPayload ? { startPayload } : {}) };
  }

  /** The chat is open: the payload it carried is used up (a newer one stays for the next chat). */
  private async activated(mapping: ChatMapping, startPayload: StartPayload | undefined): Promise<void> {
    await this.store.activateMapping(mapping.id);
    if (startPayload) await this.store.forgetStartPayload(userKeyOf(mapping), startPayload.givenAt);
  }

  /** Asked of the store once; a failed read is asked again next time. */
  private installationId(): Promise<string> {
    if (!this.installation) {
      const read = this.store.installationId();
      read.catch(() => (this.installation = undefined));
      this.installation = read;
    }
    return this.installation;
  }
}

/**
 * The chat's unique name in Flex (`UniqueName`): the installation's id, the mapping's id and when it
 * was made, so two deployments on one account, a fresh database or one restored from a backup never
 * reuse a name (https://www.twilio.com/docs/api/errors/50353).
 */
export const openingKeyOf = (installationId: string, mapping: Pick<ChatMapping, 'id' | 'createdAt'>) =>
  `flex-bridge-${installationId}-${mapping.id}-${mapping.createdAt.toString(36)}`;
