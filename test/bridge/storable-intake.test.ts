import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge } from '../../src/bridge/bridge.js';
import type { ChatAdapter } from '../../src/core/chat-adapter.js';
import type { InboundMessage } from '../../src/core/messages.js';
import type { FlexBackend } from '../../src/flex/backend.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { createScratchSchema } from '../scale/scratch-schema.js';

/** What PostgreSQL refuses in JSON, as a network may send it. */
const UNSTORABLE = 'order\u0000 #12 \uD83D';

describe('intake on PostgreSQL of text it cannot store as sent', () => {
  let schema: Awaited<ReturnType<typeof createScratchSchema>>;
  let store: PostgresStore;
  let bridge: Bridge;

  beforeAll(async () => {
    schema = await createScratchSchema('storable');
    store = await PostgresStore.open(schema.url);
    const adapter = { network: 'telegram', capabilities: { maxTextLength: 4096, media: false, typing: false } } as ChatAdapter;
    bridge = new Bridge({
      store,
      flex: { mode: 'conversations' } as FlexBackend,
      adapters: [adapter],
      bridgeIdentity: 'flex-bridge',
      reorderHoldMs: 0,
      readBackMaxAgeMs: 3600_000,
      log: pino({ level: 'silent' }),
      onEnqueued: () => undefined,
    });
  });
  afterAll(async () => {
    bridge.catchUp.stop();
    await store.close();
    await schema.drop();
  });

  it('stores a customer message with NUL and a lone surrogate, each replaced by U+FFFD', async () => {
    const message: InboundMessage = {
      network: 'telegram',
      externalUserId: '42',
      externalChatId: '42',
      username: 'ann',
      displayName: `Ann ${UNSTORABLE}`,
      externalMessageId: '42:1',
      text: UNSTORABLE,
      attachments: [],
      sentAt: new Date().toISOString(),
    };
    expect(await bridge.acceptCustomerMessage(message)).toBe('accepted');
    const [row] = await store.listOutbox();
    expect(row?.payload).toMatchObject({ kind: 'customer-message', message: { text: 'order\uFFFD #12 \uFFFD', displayName: 'Ann order\uFFFD #12 \uFFFD' } });
  });

  it('stores an agent message with the same characters', async () => {
    const opening = await store.beginMapping({ network: 'telegram', externalUserId: '7', externalChatId: '7', handle: 'telegram:7', displayName: 'Bo', identity: 'telegram_7', flexMode: 'conversations' });
    await store.setFlexSid(opening.id, 'CH7');
    await store.activateMapping(opening.id);
    const event = { type: 'message', flexSid: 'CH7', messageSid: 'IM7', author: 'agent_kim', body: UNSTORABLE, media: [], retryCount: 0 } as const;
    expect(await bridge.acceptFlexEvent(event)).toBe('accepted');
    const rows = await store.listOutbox();
    expect(rows.map((r) => r.payload)).toContainEqual(expect.objectContaining({ kind: 'agent-message', text: 'order\uFFFD #12 \uFFFD' }));
  });
});
