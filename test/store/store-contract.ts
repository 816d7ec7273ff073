import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InboundMessage } from '../../src/core/messages.js';
import { QUOTED_TEXT_MAX, type NewChatMapping, type NewOutboxRow, type OutboxRow, type Store } from '../../src/store/store.js';

const message = (id: string): InboundMessage => ({
  network: 'telegram',
  externalUserId: '5012345678',
  externalChatId: '5012345678',
  username: 'alice',
  displayName: 'Alice',
  externalMessageId: id,
  text: `text ${id}`,
  attachments: [],
  sentAt: new Date(0).toISOString(),
});

const row = (key: string, id: string): NewOutboxRow => ({
  key,
  direction: 'to-flex',
  payload: { kind: 'customer-message', message: message(id) },
});

const alice: NewChatMapping = {
  network: 'telegram',
  externalUserId: '5012345678',
  externalChatId: '5012345678',
  handle: 'telegram:alice',
  displayName: 'Alice',
  identity: 'telegram_5012345678',
  flexMode: 'conversations',
};

/** The behaviour every Store must have; run against each implementation. */
export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(`${name} store contract`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('accepts a dedupe key once and enqueues its rows only then', async () => {
      expect(await store.acceptOnce({ source: 'telegram', key: '1:1' }, [row('k', '1')])).toBe(true);
      expect(await store.acceptOnce({ source: 'telegram', key: '1:1' }, [row('k', '1')])).toBe(false);
      expect(await store.acceptOnce({ source: 'discord', key: '1:1' }, [row('k2', '1')])).toBe(true);
      expect((await store.outboxStats()).pending).toBe(2);
    });

    it('enqueues nothing of a message seen before, however many rows it brings, and queues the rows of one key in order', async () => {
      expect(await store.acceptOnce({ source: 'telegram', key: '2:1' }, [row('a', '1'), row('a', '2'), row('b', '3')])).toBe(true);
      expect(await store.acceptOnce({ source: 'telegram', key: '2:1' }, [row('a', '4'), row('c', '5')])).toBe(false);
      expect((await store.outboxStats()).pending).toBe(3);
      const ids = async () => (await store.claimDue('w', 10, 60_000)).map((r) => (r.payload.kind === 'customer-message' ? r.payload.message.externalMessageId : ''));
      const first = await store.claimDue('w', 10, 60_000);
      expect(first.map((r) => r.key)).toEqual(['a', 'b']);
      await Promise.all(first.map((r) => store.complete(r.id)));
      expect(await ids()).toEqual(['2']);
    });

    it('hands out only the oldest pending row of each key, and the next after completion', async () => {
      await store.enqueue([row('a', '1'), row('a', '2'), row('b', '3')]);
      const first = await store.claimDue('w1', 10, 60_000);
      expect(first.map((r) => (r.payload.kind === 'customer-message' ? r.payload.message.externalMessageId : ''))).toEqual(['1', '3']);
      expect(await store.claimDue('w2', 10, 60_000)).toEqual([]);
      await store.complete(first[0]!.id);
      const next = await store.claimDue('w1', 10, 60_000);
      expect(next).toHaveLength(1);
      expect(next[0]!.key).toBe('a');
      expect(next[0]!.ambiguous).toBe(false);
    });

    it('re-offers a row whose lease expired, marked ambiguous', async () => {
      await store.enqueue([row('a', '1')]);
      const now = Date.now();
      const [claimed] = await store.claimDue('dead-worker', 1, 1_000, now);
      expect(await store.claimDue('w2', 1, 1_000, now + 500)).toEqual([]);
      const again = await store.claimDue('w2', 1, 1_000, now + 5_000);
      expect(again.map((r) => r.id)).toEqual([claimed!.id]);
      expect(again[0]!.ambiguous).toBe(true);
    });

    it('retries later, dead-letters, and requeues dead rows', async () => {
      await store.enqueue([row('a', '1'), row('a', '2')]);
      const [r1] = await store.claimDue('w', 1, 60_000);
      const later = Date.now() + 60_000;
      await store.retryLater(r1!.id, later, 'boom', false);
      expect(await store.claimDue('w', 10, 60_000)).toEqual([]);
      expect(await store.nextDueAt()).toBe(later);
      const [retried] = await store.claimDue('w', 10, 60_000, later + 1);
      expect(retried!.attempts).toBe(1);
      expect(retried!.lastError).toBe('boom');
      await store.deadLetter(retried!.id, 'gave up');
      // A dead row no longer blocks its key.
      const [second] = await store.claimDue('w', 10, 60_000, later + 2);
      expect(second!.id).not.toBe(retried!.id);
      expect((await store.listOutbox({ status: 'dead' })).map((r) => r.lastError)).toEqual(['gave up']);
      expect(await store.requeueDead()).toBe(1);
      expect((await store.outboxStats()).dead).toBe(0);
    });

    it('puts a requeued dead row back before the rows queued after it', async () => {
      await store.enqueue([row('a', '1'), row('a', '2'), row('a', '3'), row('b', '1')]);
      const heads = await store.claimDue('w', 10, 60_000);
      expect(heads.map((r) => r.key)).toEqual(['a', 'b']);
      await store.complete(heads[1]!.id);
      await store.deadLetter(heads[0]!.id, 'gave up');
      const [second] = await store.claimDue('w', 10, 60_000);
      await store.retryLater(second!.id, Date.now() + 60_000, 'down', false);
      expect(await store.requeueDead([heads[0]!.id])).toBe(1);
      expect((await store.claimDue('w', 10, 60_000)).map((r) => r.id)).toEqual([heads[0]!.id]);
      await store.complete(heads[0]!.id);
      // Then the row that waits for its retry, and the one behind it only after that.
      expect(await store.claimDue('w', 10, 60_000)).toEqual([]);
      expect((await store.claimDue('w', 10, 60_000, Date.now() + 60_001)).map((r) => r.id)).toEqual([second!.id]);
    });

    it("offers a key's next row once its head is done, however many rows wait behind a head that backs off", async () => {
      await store.enqueue(Array.from({ length: 500 }, (_, i) => row('flooded', `${i}`)));
      const [head] = await store.claimDue('w', 1, 60_000);
      await store.retryLater(head!.id, Date.now() + 60_000, 'down', false);
      await store.enqueue([row('quiet', '1')]);
      const quiet = await store.claimDue('w', 10, 60_000);
      expect(quiet.map((r) => r.key)).toEqual(['quiet']);
      await store.complete(quiet[0]!.id);
      const [again] = await store.claimDue('w', 10, 60_000, Date.now() + 60_001);
      expect(again!.id).toBe(head!.id);
      await store.complete(again!.id);
      const [next] = await store.claimDue('w', 10, 60_000, Date.now() + 60_002);
      expect(next!.payload).toEqual(row('flooded', '1').payload);
    });

    it("puts a key's next row behind rows that became due while its head was out: keys take turns", async () => {
      // Only Date is faked, so the store's own clock moves when the test says.
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(1_000_000);
        await store.enqueue([row('backlog', '1'), row('backlog', '2')]);
        const [head] = await store.claimDue('w', 1, 60_000);
        vi.setSystemTime(1_015_000);
        await store.enqueue([row('quiet', '1')]);
        vi.setSystemTime(1_015_001);
        await store.complete(head!.id);
        const turns = await store.claimDue('w', 1, 60_000);
        expect(turns.map((r) => r.key)).toEqual(['quiet']);
        expect((await store.claimDue('w', 1, 60_000)).map((r) => r.key)).toEqual(['backlog']);
      } finally {
        vi.useRealTimers();
      }
    });

    it("puts a row of a key with nothing else pending before other keys' turns, but not a key's second row", async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(1_000_000);
        for (const key of ['b1', 'b2', 'b3']) await store.enqueue([row(key, `${key}-1`), row(key, `${key}-2`)]);
        const firsts = await store.claimDue('w', 10, 60_000);
        for (const [i, first] of firsts.entries()) {
          vi.setSystemTime(1_001_000 + i);
          await store.complete(first.id);
        }
        vi.setSystemTime(1_002_000);
        await store.enqueue([row('quiet', 'q-1')]);
        // Right behind the row at the front, so that keys joining the front keep their order.
        expect((await store.claimDue('w', 2, 60_000)).map((r) => r.key)).toEqual(['b1', 'quiet']);
        await store.enqueue([row('quiet', 'q-2')]);
        expect((await store.claimDue('w', 10, 60_000)).map((r) => r.key)).toEqual(['b2', 'b3']);
      } finally {
        vi.useRealTimers();
      }
    });

    it('counts the dead rows that are customer messages apart from other dead rows', async () => {
      const notice: NewOutboxRow = {
        key: 'to-customer',
        direction: 'to-customer',
        payload: { kind: 'customer-notice', to: { network: 'telegram', externalUserId: '1', externalChatId: '1' }, text: 'hi' },
      };
      await store.enqueue([row('a', '1'), row('b', '2'), notice]);
      for (const due of await store.claimDue('w', 10, 60_000)) await store.deadLetter(due.id, 'gave up');
      expect(await store.outboxStats()).toMatchObject({ dead: 3, deadCustomerMessages: 2 });
      const [first] = await store.listOutbox({ status: 'dead', limit: 1 });
      await store.requeueDead([first!.id]);
      expect(await store.outboxStats()).toMatchObject({ dead: 2, deadCustomerMessages: 1 });
    });

    it('keeps a quarantined message exactly as it came, once, until it is forgotten', async () => {
      const odd = { ...message('q1'), text: 'order\u0000 #12 \uD83D', displayName: 'Ann \uDC00' };
      await store.quarantine({ source: 'telegram', key: 'q1' }, odd, 'the store refused it');
      await store.quarantine({ source: 'telegram', key: 'q1' }, odd, 'refused again');
      const [kept, ...more] = await store.listQuarantine();
      expect(more).toEqual([]);
      expect((await store.outboxStats()).quarantined).toBe(1);
      expect(kept).toMatchObject({ source: 'telegram', key: 'q1', reason: 'the store refused it', message: odd });
      expect(kept!.quarantinedAt).toBeGreaterThan(Date.now() - 60_000);
      expect(await store.forgetQuarantined(kept!.id)).toBe(true);
      expect(await store.forgetQuarantined(kept!.id)).toBe(false);
      expect(await store.listQuarantine()).toEqual([]);
    });

    it('postpones a row without counting an attempt, still ahead of its key', async () => {
      await store.enqueue([row('a', '1'), row('a', '2')]);
      const [r1] = await store.claimDue('w', 1, 60_000);
      const later = Date.now() + 60_000;
      await store.postpone(r1!.id, later);
      expect(await store.claimDue('w', 10, 60_000)).toEqual([]);
      const [again] = await store.claimDue('w', 10, 60_000, later + 1);
      expect(again).toMatchObject({ id: r1!.id, attempts: 0, ambiguous: false, lastError: null });
    });

    it('leaves a key whose untried first row is postponed out of the oldest pending age, but not one that retries', async () => {
      await store.enqueue([row('held', '1'), row('held', '2')]);
      const oldest = (await store.outboxStats()).oldestPendingAt as number;
      const [held] = await store.claimDue('w', 1, 60_000);
      const later = Date.now() + 60_000;
      await store.postpone(held!.id, later);
      expect((await store.outboxStats()).oldestPendingAt).toBeNull();
      expect((await store.outboxStats(later + 1)).oldestPendingAt).toBe(oldest);

      await store.enqueue([row('failing', '1')]);
      const [failing] = await store.claimDue('w', 1, 60_000);
      await store.retryLater(failing!.id, later, 'HTTP 503', false);
      const failingSince = (await store.outboxStats()).oldestPendingAt as number;
      expect(failingSince).toBeGreaterThanOrEqual(oldest);
    });

    it("after an outage, makes due the heads of a service's keys that waited only for it, not rate-limited ones or other services'", async () => {
      await store.enqueue([row('customer:telegram:a', '1'), row('customer:telegram:b', '1'), row('customer:discord:c', '1'), row('customer:telegram:d', '1')]);
      const later = Date.now() + 60_000;
      const [a, b, c, d] = await store.claimDue('w', 10, 60_000);
      await store.retryLater(a!.id, later, 'HTTP 502', false, true);
      await store.retryLater(b!.id, later, 'HTTP 429', false);
      await store.retryLater(c!.id, later, 'HTTP 502', false, true);
      await store.retryLater(d!.id, later, 'HTTP 502', false, true);
      await store.complete(d!.id); // done meanwhile by another process
      expect(await store.wakeAfterOutage('customer:telegram:')).toBe(1);
      const woken = await store.claimDue('w', 10, 60_000);
      expect(woken.map((r) => r.key)).toEqual(['customer:telegram:a']);
      expect(woken[0]!.attempts).toBe(1);
      expect(await store.wakeAfterOutage('customer:telegram:'), 'once').toBe(0);
    });

    it('wakes a postponed row of a key: due now, still without an attempt counted', async () => {
      await store.enqueue([row('survey:1', '1')]);
      const [r1] = await store.claimDue('w', 1, 60_000);
      await store.postpone(r1!.id, Date.now() + 600_000);
      expect(await store.claimDue('w', 10, 60_000)).toEqual([]);
      await store.wakeKey('survey:1');
      expect(await store.claimDue('w', 10, 60_000)).toMatchObject([{ id: r1!.id, attempts: 0 }]);
    });

    it("keeps one comment per rated chat, taken only while the chat's survey is open", async () => {
      const ann = { network: 'telegram', externalUserId: '1' };
      const now = Date.now();
      expect(await store.surveyComment(7)).toBeUndefined();
      await store.openSurveyComment(7, ann, now + 60_000);
      await store.openSurveyComment(7, ann, now + 1);
      await store.openSurveyComment(8, { network: 'discord', externalUserId: '1' }, now + 60_000);
      expect(await store.surveyComment(7)).toBeNull();
      expect(await store.surveyAwaitingComment(ann, now)).toBe(7);
      expect(await store.surveyAwaitingComment(ann, now + 60_000)).toBeUndefined();
      expect(await store.saveSurveyComment(7, 'Quick and kind')).toBe(true);
      expect(await store.saveSurveyComment(7, 'again')).toBe(false);
      expect(await store.surveyComment(7)).toBe('Quick and kind');
      expect(await store.surveyAwaitingComment(ann, now)).toBeUndefined();
    });

    it("counts a key's pending rows up to a bound", async () => {
      await store.enqueue([row('a', '1'), row('a', '2'), row('a', '3'), row('b', '4')]);
      expect(await store.countPending('a', 10)).toBe(3);
      expect(await store.countPending('a', 2)).toBe(2);
      expect(await store.countPending('c', 10)).toBe(0);
      const [first] = await store.claimDue('w', 1, 60_000);
      await store.deadLetter(first!.id, 'gave up');
      expect(await store.countPending('a', 10)).toBe(2);
    });

    it('keeps at most one open conversation per user and finds it by flex sid', async () => {
      const c1 = await store.beginMapping(alice);
      const again = await store.beginMapping({ ...alice, handle: 'telegram:other' });
      expect(again.id).toBe(c1.id);
      expect(c1.status).toBe('opening');
      expect(c1.routingRequested).toBe(false);
      await store.setFlexSid(c1.id, 'CH1');
      await store.markRoutingRequested(c1.id);
      expect((await store.currentMapping(alice))?.routingRequested).toBe(true);
      await store.resetOpening(c1.id);
      expect(await store.currentMapping(alice)).toMatchObject({ flexSid: null, routingRequested: false });
      await store.setFlexSid(c1.id, 'CH1');
      await store.activateMapping(c1.id);
      expect((await store.currentMapping(alice))?.status).toBe('active');
      expect((await store.mappingByFlexSid('CH1'))?.id).toBe(c1.id);
      expect(await store.countOpenMappings()).toBe(1);
      await store.endMapping(c1.id);
      expect(await store.currentMapping(alice)).toBeUndefined();
      const c2 = await store.beginMapping(alice);
      expect(c2.id).not.toBe(c1.id);
      expect((await store.mappingByFlexSid('CH1'))?.status).toBe('ended');
    });

    it('keeps when an agent first joined a conversation', async () => {
      const chat = await store.beginMapping(alice);
      expect((await store.currentMapping(alice))?.agentJoinedAt).toBeNull();
      await store.noteAgentJoined(chat.id);
      const first = (await store.currentMapping(alice))?.agentJoinedAt as number;
      expect(first).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await store.noteAgentJoined(chat.id);
      expect((await store.currentMapping(alice))?.agentJoinedAt).toBe(first);
    });

    it("keeps the customer's language with their conversation, and none when the network gave none", async () => {
      const withLanguage = await store.beginMapping({ ...alice, language: 'pt-br' });
      expect((await store.currentMapping(alice))?.language).toBe('pt-br');
      await store.endMapping(withLanguage.id);
      await store.beginMapping(alice);
      expect((await store.currentMapping(alice))?.language).toBeNull();
    });

    it("counts a customer's earlier chats that reached Flex, and names the latest", async () => {
      const user = { network: alice.network, externalUserId: alice.externalUserId };
      const first = await store.beginMapping(alice);
      expect(await store.earlierChats(user, first.id)).toEqual({ count: 0 });
      await store.setFlexSid(first.id, 'CH1');
      await store.activateMapping(first.id);
      await store.endMapping(first.id);
      const unrouted = await store.beginMapping(alice); // ended before it had a Flex chat
      await store.endMapping(unrouted.id);
      const second = await store.beginMapping(alice);
      await store.setFlexSid(second.id, 'CH2');
      await store.endMapping(second.id);
      const third = await store.beginMapping(alice);
      const earlier = await store.earlierChats(user, third.id);
      expect(earlier).toMatchObject({ count: 2, last: { flexSid: 'CH2' } });
      expect(earlier.last!.endedAt).toBeGreaterThanOrEqual(earlier.last!.openedAt);
      expect(await store.earlierChats(user, second.id)).toMatchObject({ count: 1, last: { flexSid: 'CH1' } });
      expect(await store.earlierChats({ network: 'discord', externalUserId: alice.externalUserId }, third.id + 1)).toEqual({ count: 0 });
    });

    it("keeps a customer's latest /start payload until the chat that carried it forgets it", async () => {
      const user = { network: 'telegram', externalUserId: '77' };
      expect(await store.startPayload(user)).toBeUndefined();
      await store.rememberStartPayload(user, 'order_1', 1000);
      await store.rememberStartPayload(user, 'order_2', 2000);
      expect(await store.startPayload(user)).toEqual({ payload: 'order_2', givenAt: 2000 });
      await store.forgetStartPayload(user, 1000); // an older payload's chat: the newer one stays
      expect(await store.startPayload(user)).toEqual({ payload: 'order_2', givenAt: 2000 });
      expect(await store.startPayload({ network: 'discord', externalUserId: '77' })).toBeUndefined();
      await store.forgetStartPayload(user, 2000);
      expect(await store.startPayload(user)).toBeUndefined();
    });

    it("finds a user's latest chat that reached Flex, open or ended", async () => {
      expect(await store.latestMapping(alice)).toBeUndefined();
      const first = await store.beginMapping(alice);
      expect(await store.latestMapping(alice)).toBeUndefined();
      await store.setFlexSid(first.id, 'CH1');
      await store.endMapping(first.id);
      expect(await store.latestMapping(alice)).toMatchObject({ id: first.id, status: 'ended' });
      const second = await store.beginMapping(alice);
      expect((await store.latestMapping(alice))?.id).toBe(first.id);
      await store.setFlexSid(second.id, 'CH2');
      expect(await store.latestMapping(alice)).toMatchObject({ id: second.id, flexSid: 'CH2', status: 'opening' });
      expect(await store.latestMapping({ ...alice, network: 'discord' })).toBeUndefined();
    });

    describe('agent messages in the chat\'s order (ReorderHold)', () => {
      const HOLD = 60_000;
      const agentRow = (text: string): NewOutboxRow => ({
        key: 'customer:telegram:5012345678',
        direction: 'to-customer',
        payload: {
          kind: 'agent-message',
          to: { network: 'telegram', externalUserId: '5012345678', externalChatId: '5012345678' },
          flexSid: 'CH1',
          messageSid: `IM-${text}`,
          text,
        },
      });
      const textOf = (r: OutboxRow) => (r.payload.kind === 'agent-message' ? r.payload.text : '');
      let chat: number;
      const accept = (index: number, ...texts: string[]) =>
        store.acceptOnce({ source: 'twilio', key: `IM-${texts[0]}` }, texts.map(agentRow), {
          mappingId: chat,
          flexSid: 'CH1',
          index,
          holdMs: HOLD,
        });
      /**
       * Claims and completes heads until none is due at `at` (or now, when later: a key's next row
       * is due from when its head is done); returns the texts in delivery order.
       */
      const drain = async (at: number) => {
        const delivered: string[] = [];
        const claim = () => store.claimDue('w', 10, 1_000, Math.max(at, Date.now()));
        for (let heads = await claim(); heads.length > 0; heads = await claim()) {
          for (const head of heads) {
            delivered.push(textOf(head));
            await store.complete(head.id);
          }
        }
        return delivered;
      };

      beforeEach(async () => {
        chat = (await store.beginMapping(alice)).id;
        await store.setFlexSid(chat, 'CH1');
        await store.activateMapping(chat);
        await store.noteFlexIndex(chat, 0); // the customer's first message
      });

      it('delivers the next index at once', async () => {
        await accept(1, 'one');
        expect(await drain(Date.now())).toEqual(['one']);
      });

      it('holds a message whose predecessor is unknown, and delivers a late predecessor first', async () => {
        await accept(2, 'two', 'two, part 2');
        expect(await drain(Date.now())).toEqual([]);
        expect(await store.nextDueAt()).toBeGreaterThan(Date.now() + HOLD / 2);

        await accept(1, 'one', 'one, part 2');
        expect(await drain(Date.now())).toEqual(['one', 'one, part 2']);
        expect(await drain(Date.now() + HOLD + 1)).toEqual(['two', 'two, part 2']);
      });

      it('does not hold after an index the bridge posted itself', async () => {
        await accept(1, 'one');
        await store.noteFlexIndex(chat, 2); // a customer message, posted by the bridge
        await store.noteFlexIndex(chat, 1); // a late note never moves it back
        await accept(3, 'three');
        expect(await drain(Date.now())).toEqual(['one', 'three']);
      });

      it('holds a message when an earlier index is unknown, even below one the bridge posted since', async () => {
        await store.noteFlexIndex(chat, 2); // a customer message, posted after index 1 (an agent's) was lost
        await accept(3, 'three');
        expect(await drain(Date.now())).toEqual([]);

        await accept(1, 'one'); // read back from Flex
        await store.noteFlexIndex(chat, 3, true);
        await store.releaseReorderHold('CH1', 3);
        expect(await drain(Date.now())).toEqual(['one', 'three']);
        expect((await store.currentMapping(alice))?.knownIndexes).toEqual({ through: 3, above: [] });
      });

      it('releases only the held rows up to the index it is told nothing is missing below', async () => {
        await accept(2, 'two');
        await accept(5, 'five');
        await store.releaseReorderHold('CH1', 2);
        expect(await drain(Date.now())).toEqual(['two']);
        expect(await drain(Date.now() + HOLD + 1)).toEqual(['five']);
      });

      it('names the chats whose pending messages wait for an unknown index', async () => {
        await accept(2, 'two');
        expect((await store.mappingsWithGaps()).map((c) => c.flexSid)).toEqual(['CH1']);
        await accept(1, 'one');
        expect(await store.mappingsWithGaps()).toEqual([]);
      });

      it('names the chats still holding a message for an unknown index, once it was held long enough', async () => {
        const before = Date.now() - 1;
        await accept(2, 'two');
        expect((await store.mappingsHoldingForGaps(Date.now())).map((c) => c.flexSid)).toEqual(['CH1']);
        expect(await store.mappingsHoldingForGaps(before), 'held for a shorter time than asked').toEqual([]);
        expect(await store.mappingsHoldingForGaps(Date.now(), Date.now() + HOLD + 1), 'its wait is over').toEqual([]);
        await accept(1, 'one');
        expect(await store.mappingsHoldingForGaps(Date.now()), 'the gap is filled').toEqual([]);
      });

      it('never puts a late message before one already being delivered', async () => {
        await store.noteFlexIndex(chat, 1);
        await accept(2, 'two');
        const [inFlight] = await store.claimDue('w', 10, 60_000);
        expect(inFlight && textOf(inFlight)).toBe('two');
        await accept(1, 'one');
        expect(await store.claimDue('w2', 10, 60_000)).toEqual([]);
        await store.complete(inFlight!.id);
        expect(await drain(Date.now())).toEqual(['one']);
      });

      it('puts a late message stored while a held one was claimed before it once that one is given back untried', async () => {
        await accept(2, 'two', 'two, part 2');
        await store.enqueue([agentRow('a notice after two')]);
        const [claimed] = await store.claimDue('w', 10, 60_000, Date.now() + HOLD + 1); // its wait ran out
        expect(claimed && [textOf(claimed), claimed.flexIndex]).toEqual(['two', 2]);
        await accept(1, 'one'); // read back meanwhile: behind the claimed group
        await store.postpone(claimed!.id, Date.now());
        expect(await drain(Date.now() + HOLD + 1)).toEqual(['one', 'two', 'two, part 2', 'a notice after two']);
      });

      it('keeps other keys and rows without an index in insertion order', async () => {
        await store.enqueue([agentRow('plain 1'), agentRow('plain 2')]);
        await accept(1, 'one');
        expect(await drain(Date.now())).toEqual(['plain 1', 'plain 2', 'one']);
      });
    });

    it('lists the open chats with recent traffic, the latest first', async () => {
      const before = Date.now();
      const c1 = await store.beginMapping(alice);
      await store.activateMapping(c1.id);
      const bob = await store.beginMapping({ ...alice, externalUserId: '6012345678', identity: 'telegram_6012345678' });
      await store.activateMapping(bob.id);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await store.noteFlexIndex(c1.id, 0); // traffic in alice's chat
      expect((await store.recentlyActiveMappings(before, 10)).map((c) => c.id)).toEqual([c1.id, bob.id]);
      expect((await store.recentlyActiveMappings(before, 1)).map((c) => c.id)).toEqual([c1.id]);
      expect(await store.recentlyActiveMappings(Date.now() + 1_000, 10)).toEqual([]);
      await store.endMapping(c1.id);
      expect((await store.recentlyActiveMappings(before, 10)).map((c) => c.id)).toEqual([bob.id]);
    });

    it('names a network\'s chats that are open or changed since a time, the latest first, each once', async () => {
      const discord = { ...alice, network: 'discord', externalChatId: 'dm-1' };
      const ended = await store.beginMapping(discord);
      await store.endMapping(ended.id);
      const again = await store.beginMapping(discord); // the same DM channel, a new conversation
      await new Promise((resolve) => setTimeout(resolve, 5));
      const other = await store.beginMapping({ ...discord, externalUserId: '2', externalChatId: 'dm-2', identity: 'discord_2' });
      await store.beginMapping({ ...alice, externalChatId: 'telegram-chat' });
      expect(await store.recentChatIds('discord', 0, 10)).toEqual(['dm-2', 'dm-1']);
      expect(await store.recentChatIds('discord', 0, 1)).toEqual(['dm-2']);
      await store.endMapping(again.id);
      await store.endMapping(other.id);
      expect(await store.recentChatIds('discord', Date.now() + 1_000, 10)).toEqual([]);
    });

    it('has an installation id of its own, the same every time it is asked', async () => {
      const id = await store.installationId();
      expect(id).toMatch(/^[0-9a-f]{16}$/);
      expect(await store.installationId()).toBe(id);
      const other = await open();
      try {
        expect(await other.installationId()).not.toBe(id);
      } finally {
        await other.close();
      }
    });

    it('prunes old dedupe keys', async () => {
      await store.acceptOnce({ source: 's', key: 'old' }, []);
      expect(await store.pruneDedupe(Date.now() + 1)).toBe(1);
      expect(await store.acceptOnce({ source: 's', key: 'old' }, [])).toBe(true);
    });

    it('keeps a gateway session, replaces it with a new one, and forgets it', async () => {
      const session = { sessionId: 's1', sequence: 1, resumeUrl: 'wss://resume.example/', shardId: 0, shardCount: 1 };
      expect(await store.gatewaySession('discord:bot:0')).toBeUndefined();
      await store.saveGatewaySession('discord:bot:0', session);
      await store.saveGatewaySession('discord:bot:1', { ...session, sessionId: 'other', shardId: 1 });
      expect(await store.gatewaySession('discord:bot:0')).toEqual({ ...session, updatedAt: expect.any(Number) });
      await store.saveGatewaySession('discord:bot:0', { ...session, sessionId: 's2', sequence: 7 });
      expect(await store.gatewaySession('discord:bot:0')).toMatchObject({ ...session, sessionId: 's2', sequence: 7 });
      await store.saveGatewaySession('discord:bot:0', null);
      expect(await store.gatewaySession('discord:bot:0')).toBeUndefined();
      expect((await store.gatewaySession('discord:bot:1'))?.sessionId).toBe('other');
    });

    it('advances a gateway session only forward, and only while it is still the kept session', async () => {
      const session = { sessionId: 's1', sequence: 10, resumeUrl: 'wss://resume.example/', shardId: 0, shardCount: 1 };
      await store.advanceGatewaySession('discord:bot:0', 's1', 11); // nothing kept: nothing to advance
      expect(await store.gatewaySession('discord:bot:0')).toBeUndefined();
      const saved = Date.now();
      await store.saveGatewaySession('discord:bot:0', session);
      await store.advanceGatewaySession('discord:bot:0', 's1', 12);
      await store.advanceGatewaySession('discord:bot:0', 's1', 11); // a late write of an older checkpoint
      await store.advanceGatewaySession('discord:bot:0', 'old-session', 99); // a process that lost the gateway
      const kept = await store.gatewaySession('discord:bot:0');
      expect(kept).toMatchObject({ ...session, sequence: 12 });
      expect(kept!.updatedAt).toBeGreaterThanOrEqual(saved);
    });

    describe('message links', () => {
      const link = (conversationId: number, externalMessageId: string, flexMessageSid: string, text = `text ${externalMessageId}`) => ({
        conversationId,
        flexSid: `CH${conversationId}`,
        network: 'telegram',
        externalMessageId,
        flexMessageSid,
        text,
      });

      it('finds a link by its Flex message sid and by its network id, and keeps the first one recorded', async () => {
        const chat = await store.beginMapping(alice);
        await store.linkMessage(link(chat.id, '5012345678:7', 'IM0001'));
        await store.linkMessage(link(chat.id, '5012345678:7', 'IM0002', 'a retried post'));
        const expected = { ...link(chat.id, '5012345678:7', 'IM0001'), createdAt: expect.any(Number) };
        expect(await store.messageLinkByFlexSid('IM0001')).toEqual(expected);
        expect(await store.messageLinkByExternalId('telegram', '5012345678:7')).toEqual(expected);
        expect(await store.messageLinkByFlexSid('IM0002')).toBeUndefined();
        expect(await store.messageLinkByExternalId('discord', '5012345678:7')).toBeUndefined();
      });

      it('keeps the start of a long text only', async () => {
        const chat = await store.beginMapping(alice);
        await store.linkMessage(link(chat.id, '5012345678:8', 'IM0003', 'x'.repeat(QUOTED_TEXT_MAX + 100)));
        expect((await store.messageLinkByFlexSid('IM0003'))?.text).toBe('x'.repeat(QUOTED_TEXT_MAX));
      });

      it("lists a chat's latest links first, and forgets them when the chat ends", async () => {
        const chat = await store.beginMapping(alice);
        const other = await store.beginMapping({ ...alice, externalUserId: '42', identity: 'telegram_42' });
        await store.linkMessage(link(chat.id, '1:1', 'IM0011'));
        await new Promise((resolve) => setTimeout(resolve, 2)); // a later millisecond
        await store.linkMessage(link(chat.id, '1:2', 'IM0012'));
        await store.linkMessage(link(other.id, '42:1', 'IM0021'));
        expect((await store.recentMessageLinks(chat.id, 10)).map((l) => l.flexMessageSid)).toEqual(['IM0012', 'IM0011']);
        expect((await store.recentMessageLinks(chat.id, 1)).map((l) => l.flexMessageSid)).toEqual(['IM0012']);
        await store.endMapping(chat.id);
        expect(await store.recentMessageLinks(chat.id, 10)).toEqual([]);
        expect(await store.messageLinkByFlexSid('IM0011')).toBeUndefined();
        expect((await store.recentMessageLinks(other.id, 10)).map((l) => l.flexMessageSid)).toEqual(['IM0021']);
      });

      it('prunes links older than a time', async () => {
        const chat = await store.beginMapping(alice);
        await store.linkMessage(link(chat.id, '1:1', 'IM0031'));
        expect(await store.pruneMessageLinks(Date.now() - 60_000)).toBe(0);
        expect(await store.pruneMessageLinks(Date.now() + 1)).toBe(1);
        expect(await store.messageLinkByFlexSid('IM0031')).toBeUndefined();
      });
    });
  });
}
