import { userKeyOf, userKeyString, type InboundMessage, type UserKey } from '../core/messages.js';
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
