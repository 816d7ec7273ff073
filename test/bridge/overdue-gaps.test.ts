import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Bridge } from '../../src/bridge/bridge.js';
import type { ChatAdapter } from '../../src/core/chat-adapter.js';
import { DeliveryPostponed } from '../../src/core/delivery-error.js';
import type { ExternalChatRef, OutboundMessage } from '../../src/core/messages.js';
import type { FlexBackend, RecentMessage } from '../../src/flex/backend.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { openAlicesChat, recentMessage } from '../support/flex-chat.js';

const HOLD = 1_500;
const CUSTOMER = 'telegram_42';

const message = recentMessage;

/**
 * Two bridge processes on one store. Message 1's webhook was lost; message 2's reached process A,
 * which held it for message 1 and stopped before reading the chat back. Process B claims message 2
 * once its wait has run out.
 */
describe('a held agent message whose wait ran out before its gap was read back', () => {
  let store: SqliteStore;
  let flex: { reads: number; failing: boolean; recent: RecentMessage[] };
  let sent: string[];
  const bridge = () => {
    const adapter = {
      network: 'telegram',
      capabilities: { maxTextLength: 4096, media: false, typing: false },
      send: async (_to: ExternalChatRef, msg: OutboundMessage) => {
        sent.push(msg.text);
        return [{ externalMessageId: `sent-${sent.length}` }];
      },
    } as unknown as ChatAdapter;
    const backend = {
      mode: 'conversations',
      recentMessages: async () => {
        flex.reads++;
        if (flex.failing) throw new Error('Twilio unavailable');
        return flex.recent;
      },
    } as unknown as FlexBackend;
    return new Bridge({
      store,
      flex: backend,
      adapters: [adapter],
      bridgeIdentity: 'flex-bridge',
      reorderHoldMs: HOLD,
      readBackMaxAgeMs: 3600_000,
      log: pino({ level: 'silent' }),
      onEnqueued: () => {},
    });
  };
  /** What OutboxWorker does with each due row, one claim at a time; returns the errors of failed tries. */
  const deliverDue = async (process: Bridge) => {
    const failures: string[] = [];
    for (let [row] = await store.claimDue('B', 1, 60_000); row; [row] = await store.claimDue('B', 1, 60_000)) {
      try {
        await process.deliver(row);
        await store.complete(row.id);
      } catch (err) {
        if (err instanceof DeliveryPostponed) await store.postpone(row.id, Date.now() + err.retryAfterMs);
        else {
          failures.push((err as Error).message);
          await store.retryLater(row.id, Date.now(), (err as Error).message, false);
        }
      }
    }
    return failures;
  };
  const afterTheWait = () => vi.useFakeTimers({ now: Date.now() + HOLD + 1, toFake: ['Date'] });

  beforeEach(async () => {
    store = new SqliteStore(':memory:');
    sent = [];
    flex = { reads: 0, failing: false, recent: [message(0, CUSTOMER), message(1, 'agent_bob'), message(2, 'agent_bob')] };
    const chat = await openAlicesChat(store);
    await store.noteFlexIndex(chat.id, 0); // the customer's first message, posted by the bridge

    const a = bridge();
    expect(await a.acceptFlexEvent(message(2, 'agent_bob'))).toBe('accepted');
    a.catchUp.stop(); // dies before its read-back of the chat is due
  });
  afterEach(async () => {
    vi.useRealTimers();
    await store.close();
  });

  it('is not sent before its wait runs out', async () => {
    await deliverDue(bridge());
    expect(sent).toEqual([]);
  });

  it('waits while the process that claims it reads the chat back, so the missing earlier message goes first', async () => {
    afterTheWait();
    const b = bridge();
    expect(await deliverDue(b)).toEqual([]);
    // A later read-back (a sweep, a new leader's) takes in whatever is still missing.
    await b.catchUp.readBack((await store.mappingByFlexSid('CH1'))!);
    expect(await deliverDue(b)).toEqual([]);
    expect(sent).toEqual(['message 1', 'message 2']);
    expect(flex.reads, 'the claimer read the chat back before sending').toBe(2);
  });

  it('goes after one read-back when Flex has no earlier message any more (deleted): it is not held for ever', async () => {
    afterTheWait();
    flex.recent = [message(0, CUSTOMER), message(2, 'agent_bob')];
    expect(await deliverDue(bridge())).toEqual([]);
    expect(sent).toEqual(['message 2']);
    expect(flex.reads).toBe(1);
  });

  it('is given back when the earlier message is stored while it is claimed, so that one goes first', async () => {
    afterTheWait();
    const b = bridge();
    const [claimed] = await store.claimDue('B', 1, 60_000);
    // Message 1's webhook comes late, to another process, while message 2 is claimed.
    expect(await bridge().acceptFlexEvent(message(1, 'agent_bob'))).toBe('accepted');
    await expect(b.deliver(claimed!)).rejects.toBeInstanceOf(DeliveryPostponed);
    await store.postpone(claimed!.id, Date.now());
    expect(await deliverDue(b)).toEqual([]);
    expect(sent).toEqual(['message 1', 'message 2']);
  });

  it('goes after one failed try when the chat cannot be read back, as it did before', async () => {
    afterTheWait();
    flex.failing = true;
    expect(await deliverDue(bridge())).toEqual(['Twilio unavailable']);
    expect(flex.reads).toBe(1);
    expect(sent).toEqual(['message 2']);
  });
});
