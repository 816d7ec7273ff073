import type { RecentMessage } from '../../src/flex/backend.js';
import type { ChatMapping, Store } from '../../src/store/store.js';

/** Alice's Telegram chat, open in Flex as CH1. */
export async function openAlicesChat(store: Store): Promise<ChatMapping> {
  const opening = await store.beginMapping({
    network: 'telegram',
    externalUserId: '42',
    externalChatId: '42',
    handle: 'telegram:alice',
    displayName: 'Alice',
    identity: 'telegram_42',
    flexMode: 'conversations',
  });
  await store.setFlexSid(opening.id, 'CH1');
  await store.activateMapping(opening.id);
  return (await store.mappingByFlexSid('CH1'))!;
}

/** Message `index` of CH1 as read back from Flex, made `ageMs` ago. */
export const recentMessage = (index: number, author: string, ageMs = 0): RecentMessage => ({
  type: 'message',
  flexSid: 'CH1',
  messageSid: `IM${index}`,
  author,
  body: `message ${index}`,
  media: [],
  index,
  retryCount: 0,
  createdAt: Date.now() - ageMs,
});
