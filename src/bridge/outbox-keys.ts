import { userKeyOf, userKeyString, type Choice, type ExternalChatRef, type InboundMessage, type UserKey } from '../core/messages.js';
import type { NewOutboxRow } from '../store/store.js';

/** Each direction of each customer is its own FIFO, so a Telegram outage never holds up messages to Flex. */
export const flexQueueKey = (user: UserKey) => `flex:${userKeyString(user)}`;
export const customerQueueKey = (user: UserKey) => `customer:${userKeyString(user)}`;

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
