import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CatchUp } from '../../src/bridge/catch-up.js';
import type { FlexBackend, FlexMessageEvent, RecentMessage } from '../../src/flex/backend.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { ChatMapping } from '../../src/store/store.js';
import { eventually } from '../support/wait.js';

const DAY = 24 * 3600_000;

const message = (index: number, author: string, ageMs = 0): RecentMessage => ({
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

describe('CatchUp', () => {
  let store: SqliteStore;
  let chat: ChatMapping;
  let recent: RecentMessage[];
  let reads: number;
  let accepted: FlexMessageEvent[];
  let catchUp: CatchUp;

  beforeEach(async () => {
    store = new SqliteStore(':memory:');
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
    chat = (await store.currentMapping({ network: 'telegram', externalUserId: '42' }))!;
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
});
