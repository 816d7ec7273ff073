import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnattendedChats } from '../../src/bridge/unattended-chats.js';
import type { FlexBackend, RoutingEnd } from '../../src/flex/backend.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { ChatMapping } from '../../src/store/store.js';

const CANCELED: RoutingEnd = { reason: 'task-canceled', detail: 'Workflow timeout' };

describe('UnattendedChats', () => {
  let store: SqliteStore;
  let ends: Map<string, RoutingEnd | Error>;
  let leader: boolean;
  let unattended: { flexSid: string | null; end: RoutingEnd }[];
  let watch: UnattendedChats;

  async function openChat(user: string, flexSid: string, flexMode = 'conversations'): Promise<ChatMapping> {
    const opening = await store.beginMapping({
      network: 'telegram',
      externalUserId: user,
      externalChatId: user,
      handle: `telegram:${user}`,
      displayName: user,
      identity: `telegram_${user}`,
      flexMode,
    });
    await store.setFlexSid(opening.id, flexSid);
    await store.activateMapping(opening.id);
    return opening;
  }

  beforeEach(() => {
    store = new SqliteStore(':memory:');
    ends = new Map();
    leader = true;
    unattended = [];
    const flex = {
      mode: 'conversations',
      routingEnded: async (flexSid: string) => {
        const end = ends.get(flexSid);
        if (end instanceof Error) throw end;
        return end;
      },
    } as unknown as FlexBackend;
    watch = new UnattendedChats({
      store,
      flex,
      intervalMs: 60_000,
      isLeader: () => leader,
      onUnattended: async (mapping, end) => {
        unattended.push({ flexSid: mapping.flexSid, end });
      },
      log: pino({ level: 'silent' }),
    });
  });
  afterEach(async () => {
    watch.stop();
    await store.close();
  });

  it('hands on the open chats whose routing ended, and only those', async () => {
    await openChat('1', 'CH1');
    await openChat('2', 'CH2');
    ends.set('CH2', CANCELED);

    expect(await watch.sweep()).toBe(1);
    expect(unattended).toEqual([{ flexSid: 'CH2', end: CANCELED }]);
  });

  it('does nothing in a follower: the leader asks TaskRouter, once for all processes', async () => {
    await openChat('1', 'CH1');
    ends.set('CH1', CANCELED);
    leader = false;

    expect(await watch.sweep()).toBe(0);
    expect(unattended).toEqual([]);
  });

  it('goes on past a chat whose lookup fails, and leaves ended chats and other Flex modes alone', async () => {
    await openChat('1', 'CH1');
    await openChat('2', 'CH2');
    const legacy = await openChat('3', 'CH3', 'legacy-chat');
    const ended = await openChat('4', 'CH4');
    await store.endMapping(ended.id);
    ends.set('CH2', new Error('TaskRouter 503'));
    ends.set('CH1', CANCELED);
    ends.set('CH3', CANCELED);
    ends.set('CH4', CANCELED);

    expect(await watch.sweep()).toBe(1);
    expect(unattended.map((u) => u.flexSid)).toEqual(['CH1']);
    expect(legacy.flexMode).toBe('legacy-chat');
  });
});
