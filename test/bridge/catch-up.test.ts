import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CatchUp } from '../../src/bridge/catch-up.js';
import type { FlexBackend, FlexMessageEvent, RecentMessage } from '../../src/flex/backend.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { ChatMapping, NewOutboxRow } from '../../src/store/store.js';
import { openAlicesChat, recentMessage } from '../support/flex-chat.js';
import { eventually } from '../support/wait.js';

const DAY = 24 * 3600_000;

const message = recentMessage;

describe('CatchUp', () => {
  let store: SqliteStore;
  let chat: ChatMapping;
  let recent: RecentMessage[];
  let reads: number;
  let accepted: FlexMessageEvent[];
  let catchUp: CatchUp;

  beforeEach(async () => {
    store = new SqliteStore(':memory:');
    chat = await openAlicesChat(store);
    recent = [];
    reads = 0;
    accepted = [];
    const flex = {
      recentMessages: async () => {
        reads++;
        return recent;
      },
    } as unknown as FlexBackend;
    catchUp = new CatchUp({
      store,
      flex,
      accept: async (event) => {
        if (accepted.some((a) => a.messageSid === event.messageSid)) return 'duplicate';
        accepted.push(event);
        return 'accepted';
      },
      maxAgeMs: 3 * DAY,
      reorderHoldMs: 1_000,
      log: pino({ level: 'silent' }),
      onReleased: () => {},
    });
  });
  afterEach(async () => {
    catchUp.stop();
    await store.close();
  });

  it('takes in the messages the webhooks missed, without their read-back time, and leaves old ones alone', async () => {
    recent = [message(0, 'telegram_42', 4 * DAY), message(1, 'agent_bob', 4 * DAY), message(2, 'telegram_42'), message(3, 'agent_bob')];
    expect(await catchUp.readBack(chat)).toBe(4 - 2);
    expect(accepted.map((e) => e.messageSid)).toEqual(['IM2', 'IM3']);
    expect(accepted[0]).not.toHaveProperty('createdAt');
    expect(await catchUp.readBack(chat)).toBe(0);
  });

  it('offers only the messages whose index it does not know yet', async () => {
    await store.noteFlexIndex(chat.id, 0);
    await store.noteFlexIndex(chat.id, 2);
    recent = [message(0, 'telegram_42'), message(1, 'agent_bob'), message(2, 'telegram_42'), message(3, 'agent_bob')];
    expect(await catchUp.readBack((await store.mappingByFlexSid('CH1'))!)).toBe(2);
    expect(accepted.map((e) => e.messageSid)).toEqual(['IM1', 'IM3']);
  });

  it('knows every index of the chat up to the latest one read back', async () => {
    await store.noteFlexIndex(chat.id, 0);
    recent = [message(0, 'telegram_42'), message(1, 'agent_bob'), message(2, 'agent_bob')];
    await catchUp.readBack(chat);
    expect((await store.currentMapping({ network: 'telegram', externalUserId: '42' }))?.knownIndexes).toEqual({ through: 2, above: [] });
  });

  it('reads a chat back once however often it is scheduled meanwhile', async () => {
    catchUp.schedule(chat, 2, 20);
    catchUp.schedule(chat, 3, 20);
    catchUp.schedule(chat, 1, 0);
    await eventually(() => reads === 1 || undefined, 'one read-back');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads).toBe(1);
  });

  it('does not read a chat back when its gap closed meanwhile', async () => {
    await store.noteFlexIndex(chat.id, 0);
    catchUp.schedule(chat, 2, 20);
    await store.noteFlexIndex(chat.id, 1); // the late webhook, or the bridge's own post, recorded
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(reads).toBe(0);

    catchUp.schedule(chat, 4, 0); // index 3 stays unknown
    await eventually(() => reads === 1 || undefined, 'a read-back for the open gap');
  });

  it('after a post, reads the chat back at each delay; a newer post starts the count again', async () => {
    recent = [message(0, 'telegram_42'), message(1, 'system')];
    catchUp.followAfterPost(chat, [30, 60]);
    catchUp.followAfterPost(chat, [0, 200]);
    await eventually(() => reads === 1 || undefined, 'the first read-back');
    expect(accepted.map((e) => e.messageSid)).toEqual(['IM0', 'IM1']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reads).toBe(1);
    await eventually(() => reads === 2 || undefined, 'the second read-back');
  });

  it('stops reading back after posts once an agent joined the chat, pending reads included', async () => {
    catchUp.followAfterPost(chat, [40]);
    catchUp.agentJoined('CH1');
    catchUp.followAfterPost(chat, [0]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(reads).toBe(0);

    catchUp.chatEnded('CH1');
    catchUp.followAfterPost(chat, [0]);
    await eventually(() => reads === 1 || undefined, 'a read-back once the chat is forgotten');
  });

  it('does not read back after a post once the chat has ended', async () => {
    catchUp.followAfterPost(chat, [30]);
    await store.endMapping(chat.id);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(reads).toBe(0);
  });

  it('reads back the open chats with traffic in the last day, and not the others', async () => {
    recent = [message(5, 'agent_bob')];
    expect(await catchUp.readBackRecentChats()).toBe(1);
    expect(reads).toBe(1);

    const dayAndAMinute = DAY + 60_000;
    vi.useFakeTimers({ now: Date.now() + dayAndAMinute, toFake: ['Date'] });
    try {
      expect(await catchUp.readBackRecentChats()).toBe(0);
      expect(reads).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  describe('a gap seen by a process that died before reading its chat back', () => {
    const HOLD = 1_200;
    let survivor: CatchUp;
    /** Reads of the chat that came while message 2 still waited for message 1. */
    let readsWhileHeld: number;
    /** Read-backs that ended by releasing what they held. */
    let released: number;

    const rowOf = (event: FlexMessageEvent): NewOutboxRow => ({
      key: 'customer:telegram:42',
      direction: 'to-customer',
      payload: { kind: 'agent-message', to: { network: 'telegram', externalUserId: '42', externalChatId: '42' }, flexSid: 'CH1', messageSid: event.messageSid, text: event.body },
    });
    /** The webhook intake of every process: stores the message once, held while an earlier index is unknown. */
    const acceptInStore = async (event: FlexMessageEvent) => {
      if (event.author === 'telegram_42') return 'ignored' as const;
      const order = { mappingId: chat.id, flexSid: 'CH1', index: event.index!, holdMs: HOLD };
      return (await store.acceptOnce({ source: 'twilio', key: event.messageSid }, [rowOf(event)], order)) ? ('accepted' as const) : ('duplicate' as const);
    };
    const deliveryOrder = async () => {
      const delivered: string[] = [];
      for (let heads = await store.claimDue('w', 1, 60_000); heads.length > 0; heads = await store.claimDue('w', 1, 60_000)) {
        for (const head of heads) {
          delivered.push(head.payload.kind === 'agent-message' ? head.payload.text : '');
          await store.complete(head.id);
        }
      }
      return delivered;
    };

    beforeEach(async () => {
      readsWhileHeld = 0;
      released = 0;
      const flex = {
        recentMessages: async () => {
          reads++;
          const [held] = await store.listOutbox({ status: 'pending' });
          if (held && held.nextAttemptAt > Date.now()) readsWhileHeld++;
          return recent;
        },
      } as unknown as FlexBackend;
      survivor = new CatchUp({ store, flex, accept: acceptInStore, maxAgeMs: DAY, reorderHoldMs: HOLD, log: pino({ level: 'silent' }), onReleased: () => released++ });
      await store.noteFlexIndex(chat.id, 0);
      // Message 1's webhook went to the process that died; message 2's came to it too, which held it.
      await acceptInStore(message(2, 'agent_bob'));
      recent = [message(0, 'telegram_42'), message(1, 'agent_bob'), message(2, 'agent_bob')];
    });
    afterEach(() => survivor.stop());

    it('a read-back that found only older messages leaves a newer held one waiting for its own gap', async () => {
      recent = [message(0, 'telegram_42')]; // read just before the agent wrote 1 and 2
      await survivor.readBack(chat);
      const [held] = await store.listOutbox({ status: 'pending' });
      expect(held!.nextAttemptAt, 'message 2 still waits for message 1').toBeGreaterThan(Date.now());
      expect(await deliveryOrder()).toEqual([]);
    });

    it('leaves a gap younger than half the wait to the process that saw it', async () => {
      expect(await survivor.readBackOverdueGaps()).toBe(0);
      expect(reads).toBe(0);
    });

    it('reads the chat back once half the wait is over, and the late message goes first', async () => {
      vi.useFakeTimers({ now: Date.now() + HOLD / 2, toFake: ['Date'] });
      try {
        expect(await survivor.readBackOverdueGaps()).toBe(1);
        expect(await survivor.readBackOverdueGaps(), 'the gap is closed').toBe(0);
        expect(reads).toBe(1);
        expect(await deliveryOrder()).toEqual(['message 1', 'message 2']);
      } finally {
        vi.useRealTimers();
      }
    });

    it('looks by itself, while the message is still held', async () => {
      survivor.startSweeping();
      await eventually(() => released === 1 || undefined, 'the survivor reads the chat back', HOLD * 2);
      expect(reads).toBe(1);
      expect(readsWhileHeld).toBe(1);
      expect(await deliveryOrder()).toEqual(['message 1', 'message 2']);
    });
  });
});
