import { userKeyOf, userKeyString, type Choice, type ExternalChatRef, type InboundMessage, type UserKey } from '../core/messages.js';
import type { ChatMapping, NewOutboxRow, OutboxRow } from '../store/store.js';

/** Each direction of each customer is its own FIFO, so a Telegram outage never holds up messages to Flex. */
export const flexQueueKey = (user: UserKey) => `flex:${userKeyString(user)}`;
export const customerQueueKey = (user: UserKey) => `customer:${userKeyString(user)}`;

/**
 * The service a row goes to, named by the prefix its keys share: `customer:<network>:` for a
 * customer's network, otherwise the queue's kind (`flex:` and the other queues into Twilio).
 */
export function serviceKeyPrefix(row: Pick<OutboxRow, 'direction' | 'key'>): string {
  const [queue, network] = row.key.split(':');
  return row.direction === 'to-customer' && queue === 'customer' ? `customer:${network}:` : `${queue}:`;
}

/** The row that carries a customer's message to Flex. */
export const customerMessageRow = (message: InboundMessage): NewOutboxRow => ({
  key: flexQueueKey(userKeyOf(message)),
  direction: 'to-flex',
  payload: { kind: 'customer-message', message },
});

/** The row that carries something the bridge itself tells a customer, in order with the agent's replies. */
export const customerNoticeRow = (to: ExternalChatRef, text: string, choices?: readonly Choice[]): NewOutboxRow => ({
  key: customerQueueKey(to),
  direction: 'to-customer',
  payload: { kind: 'customer-notice', to, text, ...(choices && { choices }) },
});

/** The row that closes a chat the customer ended, after their earlier messages reached it. */
export const closeChatRow = (user: UserKey, flexSid: string): NewOutboxRow => ({
  key: flexQueueKey(user),
  direction: 'to-flex',
  payload: { kind: 'close-chat', user: userKeyOf(user), flexSid },
});

/** The row that sends a customer the transcript of a chat, in order with the agent's replies. */
export const transcriptRow = (to: ExternalChatRef, chat: Pick<ChatMapping, 'displayName' | 'language'>, flexSid: string): NewOutboxRow => ({
  key: customerQueueKey(to),
  direction: 'to-customer',
  payload: { kind: 'transcript', to, flexSid, customerName: chat.displayName, ...(chat.language && { language: chat.language }) },
});
