import type { Logger } from 'pino';
import { DeliveryError } from '../delivery/errors.js';
import type { FlexBackend, OpenedChat, PostedMessage } from '../flex/backend.js';
import type { Conversation, Store } from '../store/store.js';
import { handleOf, identityOf, userKeyOf, type InboundMessage } from './messages.js';

/**
 * Finds or opens the customer's Flex chat. Callers hold the customer's outbox key, so at most one
 * opening per customer runs at a time; the store's unique index guards the rest.
 */
export class ChatOpener {
  constructor(
    private readonly store: Store,
    private readonly flex: FlexBackend,
    private readonly log: Logger,
  ) {}

  /** Returns the open chat and whether `first` was posted while opening it. */
  async ensureOpen(msg: InboundMessage, first: PostedMessage): Promise<{ conversation: Conversation; posted: boolean }> {
    const user = userKeyOf(msg);
    let conversation = await this.store.currentConversation(user);
    if (conversation?.status === 'active' && conversation.flexSid) return { conversation, posted: false };

    const handle = handleOf(msg);
    const request = (id: number, identity: string) => ({
      openingKey: openingKeyOf(id),
      identity,
      handle,
      displayName: msg.displayName,
      network: msg.network,
      firstMessage: first,
    });
    if (conversation?.routingRequested && conversation.flexSid && this.flex.completeRouting) {
      // The chat may already be in front of an agent: finish it, never discard it.
      this.log.warn({ conversationId: conversation.id, flexSid: conversation.flexSid }, 'completing a chat whose opening was interrupted');
      const firstIndex = await this.flex.completeRouting(conversation.flexSid, request(conversation.id, conversation.identity));
      await this.store.noteFlexIndex(conversation.id, firstIndex);
      await this.store.activateConversation(conversation.id);
      return { conversation: { ...conversation, status: 'active' }, posted: true };
    }
    if (!conversation) {
      conversation = await this.store.beginConversation({
        ...user,
        externalChatId: msg.externalChatId,
        handle,
        displayName: msg.displayName,
        identity: identityOf(user),
        flexMode: this.flex.mode,
      });
    } else {
      // An earlier attempt died half-way through opening (perhaps before it could record the sid):
      // remove what it made before starting over.
      this.log.warn({ conversationId: conversation.id, flexSid: conversation.flexSid }, 'discarding half-opened chat');
      await this.flex.discardChat(conversation, openingKeyOf(conversation.id));
      await this.store.resetOpening(conversation.id);
    }

    const id = conversation.id;
    let opened: OpenedChat;
    try {
      opened = await this.flex.openChat(
        request(id, conversation.identity),
        (sid) => this.store.setFlexSid(id, sid),
        () => this.store.markRoutingRequested(id),
      );
    } catch (err) {
      // The back end removed the half-made chat, unless the failure left its routing in doubt.
      if (!(err instanceof DeliveryError && err.ambiguous)) await this.store.resetOpening(id);
      throw err;
    }
    const { flexSid, firstIndex } = opened;
    await this.store.noteFlexIndex(id, firstIndex);
    await this.store.activateConversation(id);
    this.log.info({ conversationId: id, flexSid, user: `${user.network}:${user.externalUserId}` }, 'chat opened');
    return { conversation: { ...conversation, flexSid, status: 'active' }, posted: true };
  }
}

const openingKeyOf = (conversationId: number) => `flex-bridge-${conversationId}`;
