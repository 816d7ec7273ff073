import { userKeyString, type UserKey } from './messages.js';

/** Each direction of each customer is its own FIFO, so a Telegram outage never holds up messages to Flex. */
export const toFlexKey = (user: UserKey) => `flex:${userKeyString(user)}`;
export const toCustomerKey = (user: UserKey) => `customer:${userKeyString(user)}`;
