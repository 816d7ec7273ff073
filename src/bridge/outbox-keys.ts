import { userKeyString, type UserKey } from '../core/messages.js';

/** Each direction of each customer is its own FIFO, so a Telegram outage never holds up messages to Flex. */
export const flexQueueKey = (user: UserKey) => `flex:${userKeyString(user)}`;
export const customerQueueKey = (user: UserKey) => `customer:${userKeyString(user)}`;
