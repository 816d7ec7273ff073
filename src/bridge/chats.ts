import type { Logger } from 'pino';
import type { FlexBackend, PostedMessage } from '../flex/backend.js';
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
      await this.store.setFlexSid(conversation.id, null);
    }

    const id = conversation.id;
    const flexSid = await this.flex.openChat(
      {
        openingKey: openingKeyOf(id),
        identity: conversation.identity,
        handle,
        displayName: msg.displayName,
        network: msg.network,
        firstMessage: first,
      },
      (sid) => this.store.setFlexSid(id, sid),
    );
    await this.store.activateConversation(id);
    this.log.info({ conversationId: id, flexSid, user: `${user.network}:${user.externalUserId}` }, 'chat opened');
    return { conversation: { ...conversation, flexSid, status: 'active' }, posted: true };
  }
}

const openingKeyOf = (conversationId: number) => `flex-bridge-${conversationId}`;
