import { Readable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bridge, type BridgeOptions } from '../../src/bridge/bridge.js';
import type { AdapterCapabilities, ChatAdapter } from '../../src/core/chat-adapter.js';
import { DeliveryPostponed, retryable } from '../../src/core/delivery-error.js';
import type { Attachment, ExternalChatRef, FlexMedia, InboundMessage, MediaFile, OutboundMessage, SentRef } from '../../src/core/messages.js';
import {
  ChatClosedError,
  type FlexBackend,
  type FlexEvent,
  type FlexMessageEvent,
  type OpenChatRequest,
  type OpenedChat,
  type PostedMessage,
} from '../../src/flex/backend.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { OutboxRow } from '../../src/store/store.js';

const MB = 1024 * 1024;
const BRIDGE_IDENTITY = 'flex-bridge';
const USER = { network: 'telegram', externalUserId: '42' };
const TO: ExternalChatRef = { ...USER, externalChatId: '42' };
const CUSTOMER_IDENTITY = 'telegram_42';

/** Flex as the bridge sees it through its port: records every call; closed chats refuse posts. */
class FakeFlex implements FlexBackend {
  readonly mode = 'conversations' as const;
  readonly webhookPaths: readonly string[] = [];
  readonly opened: OpenChatRequest[] = [];
  readonly posts: { flexSid: string; msg: PostedMessage; checkFirst: boolean }[] = [];
  readonly uploaded: MediaFile[] = [];
  readonly fetched: FlexMedia[] = [];
  /** Chats Flex has closed without the bridge hearing of it. */
  readonly closed = new Set<string>();
  /** Every chat, including ones opened later, is closed for posts. */
  closeEveryChat = false;
  private readonly nextIndex = new Map<string, number>();

  async openChat(req: OpenChatRequest, onCreated: (flexSid: string) => Promise<void>, beforeRouting: () => Promise<void>): Promise<OpenedChat> {
    this.opened.push(req);
    const flexSid = `CH${this.opened.length}`;
    await onCreated(flexSid);
    await beforeRouting();
    this.nextIndex.set(flexSid, 1);
    return { flexSid, firstIndex: 0 };
  }

  async postMessage(flexSid: string, msg: PostedMessage, opts: { checkFirst: boolean }): Promise<number> {
    this.posts.push({ flexSid, msg, checkFirst: opts.checkFirst });
    if (this.closeEveryChat || this.closed.has(flexSid)) throw new ChatClosedError(flexSid);
    const index = this.nextIndex.get(flexSid) ?? 0;
    this.nextIndex.set(flexSid, index + 1);
    return index;
  }

  async uploadMedia(file: MediaFile): Promise<string> {
    this.uploaded.push(file);
    return `ME${this.uploaded.length}`;
  }

  async fetchMedia(media: FlexMedia): Promise<MediaFile> {
    this.fetched.push(media);
    return { stream: Readable.from([Buffer.from('file')]), contentType: media.contentType, fileName: media.fileName, size: media.size };
  }

  async discardChat(): Promise<void> {}

  /** Agents' names in Flex, by identity; `nameLookups` counts the lookups. */
  readonly names = new Map<string, string>();
  nameLookups = 0;
  nameLookupFails = false;

  async participantName(identity: string): Promise<string | undefined> {
    this.nameLookups++;
    if (this.nameLookupFails) throw retryable('Twilio unavailable');
    return this.names.get(identity);
  }

  parseWebhook(): FlexEvent {
    throw new Error('not used');
  }
}

/** A customer network: records sends; `failures` are thrown by the next sends, in order. */
class FakeAdapter implements ChatAdapter {
  readonly network = 'telegram';
  readonly sent: { to: ExternalChatRef; msg: OutboundMessage }[] = [];
  readonly failures: unknown[] = [];

  constructor(readonly capabilities: AdapterCapabilities) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async send(to: ExternalChatRef, msg: OutboundMessage): Promise<SentRef[]> {
    this.sent.push({ to, msg });
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    return [{ externalMessageId: `sent-${this.sent.length}` }];
  }

  async download(attachment: Attachment): Promise<MediaFile> {
    return { stream: Readable.from([Buffer.from('photo')]), contentType: 'image/jpeg', fileName: attachment.fileName };
  }

  health() {
    return { ready: true, detail: 'fake' };
  }
}

const WITH_MEDIA: AdapterCapabilities = { maxTextLength: 4096, media: true, typing: false, maxCaptionLength: 30, maxFileBytes: MB };

const customer = (externalMessageId: string, text = `hello ${externalMessageId}`, attachments: Attachment[] = []): InboundMessage => ({
  network: 'telegram',
  externalUserId: '42',
  externalChatId: '42',
  username: 'alice',
  displayName: 'Alice',
  externalMessageId,
  text,
  attachments,
  sentAt: '2025-01-01T12:00:00.000Z',
});

const agent = (messageSid: string, body: string, more: Partial<FlexMessageEvent> = {}): FlexMessageEvent => ({
  type: 'message',
  flexSid: 'CH1',
  messageSid,
  author: 'agent_bob',
  body,
  media: [],
  retryCount: 0,
  ...more,
});

const file = (sid: string, size: number, fileName = `${sid}.jpg`): FlexMedia => ({ sid, contentType: 'image/jpeg', fileName, size });

describe('Bridge', () => {
  let store: SqliteStore;
  let flex: FakeFlex;
  let adapter: FakeAdapter;
  let bridge: Bridge;
  let enqueued: number;

  const setup = (capabilities: AdapterCapabilities = WITH_MEDIA, more: Partial<BridgeOptions> = {}) => {
    bridge?.catchUp.stop();
    adapter = new FakeAdapter(capabilities);
    bridge = new Bridge({
      store,
      flex,
      adapters: [adapter],
      bridgeIdentity: BRIDGE_IDENTITY,
      reorderHoldMs: 1_000,
      readBackMaxAgeMs: 3 * 24 * 3600_000,
      log: pino({ level: 'silent' }),
      onEnqueued: () => enqueued++,
      ...more,
    });
  };

  /** Delivers every pending row, oldest first, and removes it as the worker would. */
  const flush = async () => {
    for (const row of await store.listOutbox({ status: 'pending' })) {
      await bridge.deliver(row);
      await store.complete(row.id);
    }
  };

  /** The customer writes first, which opens chat CH1 in Flex. */
  const openFirstChat = async () => {
    expect(await bridge.acceptCustomerMessage(customer('c1'))).toBe('accepted');
    await flush();
    expect(flex.opened).toHaveLength(1);
    expect((await store.currentMapping(USER))?.flexSid).toBe('CH1');
  };

  const agentRows = async () => (await store.listOutbox()).filter((r) => r.payload.kind === 'agent-message');
  const textOf = (row: OutboxRow) => {
    const { payload } = row;
    if (payload.kind === 'survey-result') return `rated ${payload.rating}`;
    return payload.kind === 'customer-message' ? payload.message.text : payload.text;
  };
  const customerNotices = async () => (await store.listOutbox()).filter((r) => r.payload.kind === 'customer-notice');

  beforeEach(() => {
    store = new SqliteStore(':memory:');
    flex = new FakeFlex();
    enqueued = 0;
    setup();
  });
  afterEach(async () => {
    bridge.catchUp.stop();
    await store.close();
  });

  describe('agent messages', () => {
    it('splits a text longer than the adapter takes into several rows, in order, that join to the original', async () => {
      setup({ ...WITH_MEDIA, maxTextLength: 20 });
      await openFirstChat();
      const text = 'The quick brown fox jumps over the lazy dog, then runs far away into the woods.';

      expect(await bridge.acceptFlexEvent(agent('IM1', text))).toBe('accepted');

      const rows = await agentRows();
      expect(rows.length).toBeGreaterThan(1);
      for (const row of rows) {
        expect(row).toMatchObject({ key: 'customer:telegram:42', direction: 'to-customer' });
        expect(row.payload).toMatchObject({ kind: 'agent-message', to: TO, flexSid: 'CH1', messageSid: 'IM1' });
        expect(textOf(row).length).toBeLessThanOrEqual(20);
      }
      expect(rows.map(textOf).join('')).toBe(text);

      await flush();
      expect(adapter.sent.map((s) => s.msg.text).join('')).toBe(text);
    });

    it("sends the body as the first file's caption when it fits", async () => {
      await openFirstChat();

      await bridge.acceptFlexEvent(agent('IM1', 'see the photos', { media: [file('ME1', 1000), file('ME2', 2000)] }));

      const rows = await agentRows();
      expect(rows.map((r) => r.payload)).toEqual([
        expect.objectContaining({ kind: 'agent-message', text: 'see the photos', media: file('ME1', 1000) }),
        expect.objectContaining({ kind: 'agent-message', text: '', media: file('ME2', 2000) }),
      ]);
    });

    it('sends a body too long for a caption as text after the files', async () => {
      await openFirstChat();
      const body = 'This text is much longer than the thirty characters a caption may have.';

      await bridge.acceptFlexEvent(agent('IM1', body, { media: [file('ME1', 1000), file('ME2', 2000)] }));

      const rows = await agentRows();
      expect(rows.map((r) => r.payload)).toEqual([
        expect.objectContaining({ text: '', media: file('ME1', 1000) }),
        expect.objectContaining({ text: '', media: file('ME2', 2000) }),
        expect.objectContaining({ text: body }),
      ]);
      expect(rows[2]?.payload).not.toHaveProperty('media');
    });

    it('reports a file larger than the network takes to the agent, and still sends the rest to the customer', async () => {
      await openFirstChat();

      await bridge.acceptFlexEvent(agent('IM1', 'two files', { media: [file('ME1', 1000), file('ME2', 5 * MB, 'big.mp4')] }));

      const rows = await store.listOutbox();
      const toCustomer = rows.filter((r) => r.direction === 'to-customer');
      expect(toCustomer.map((r) => r.payload)).toEqual([expect.objectContaining({ kind: 'agent-message', text: 'two files', media: file('ME1', 1000) })]);
      const notices = rows.filter((r) => r.payload.kind === 'notice');
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatchObject({ key: 'flex:telegram:42', direction: 'to-flex', payload: { kind: 'notice', flexSid: 'CH1', user: USER } });
      expect(textOf(notices[0]!)).toContain('"big.mp4"');
      expect(textOf(notices[0]!)).toContain('5.0 MB');

      await flush();
      expect(adapter.sent).toHaveLength(1);
      expect(flex.posts.map((p) => p.msg)).toEqual([expect.objectContaining({ author: BRIDGE_IDENTITY, text: textOf(notices[0]!) })]);
    });

    it('reports every file to the agent when the adapter takes no media, and still sends the text', async () => {
      setup({ maxTextLength: 4096, media: false, typing: false });
      await openFirstChat();

      await bridge.acceptFlexEvent(agent('IM1', 'a photo for you', { media: [file('ME1', 1000, 'cat.jpg')] }));

      const rows = await store.listOutbox();
      expect(rows.map((r) => [r.direction, r.payload.kind])).toEqual([
        ['to-flex', 'notice'],
        ['to-customer', 'agent-message'],
      ]);
      expect(textOf(rows[0]!)).toContain('"cat.jpg"');
      expect(textOf(rows[0]!)).toContain('not supported');
      expect(rows[1]?.payload).toEqual(expect.objectContaining({ text: 'a photo for you' }));
      expect(rows[1]?.payload).not.toHaveProperty('media');
    });

    it('sends an agent row to the adapter with the same idempotency key on every attempt of that row', async () => {
      await openFirstChat();
      await bridge.acceptFlexEvent(agent('IM1', 'first'));
      await bridge.acceptFlexEvent(agent('IM2', 'second'));
      const [first, second] = await agentRows();
      adapter.failures.push(retryable('503 Service Unavailable'));

      await expect(bridge.deliver(first!)).rejects.toThrow('503');
      await store.retryLater(first!.id, Date.now(), '503 Service Unavailable', false);
      const retried = (await store.listOutbox()).find((r) => r.id === first!.id)!;
      expect(retried.attempts).toBe(1);
      await bridge.deliver(retried);
      await bridge.deliver(second!);

      expect(adapter.sent.map((s) => [s.to, s.msg.text])).toEqual([
        [TO, 'first'],
        [TO, 'first'],
        [TO, 'second'],
      ]);
      const keys = adapter.sent.map((s) => s.msg.idempotencyKey);
      expect(keys[0]).toBeTruthy();
      expect(keys[0]!.length).toBeLessThanOrEqual(20); // Discord's nonce limit
      expect(keys[1]).toBe(keys[0]);
      expect(keys[2]).not.toBe(keys[0]);
    });
  });

  describe('duplicates', () => {
    it('stores a customer message accepted twice once', async () => {
      expect(await bridge.acceptCustomerMessage(customer('c1'))).toBe('accepted');
      expect(await bridge.acceptCustomerMessage(customer('c1'))).toBe('duplicate');

      const rows = await store.listOutbox();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ key: 'flex:telegram:42', direction: 'to-flex', payload: { kind: 'customer-message', message: customer('c1') } });
      expect(enqueued).toBe(1);
    });

    it('stores one set of rows for a Flex MessageSid received twice', async () => {
      setup({ ...WITH_MEDIA, maxTextLength: 10 });
      await openFirstChat();
      const event = agent('IM1', 'one two three four five six');

      expect(await bridge.acceptFlexEvent(event)).toBe('accepted');
      const firstRows = await store.listOutbox();
      expect(firstRows.length).toBeGreaterThan(1);
      expect(await bridge.acceptFlexEvent({ ...event, retryCount: 1 })).toBe('duplicate');

      expect(await store.listOutbox()).toEqual(firstRows);
    });
  });

  describe('echoes', () => {
    it.each([
      ['the customer', CUSTOMER_IDENTITY],
      ['the bridge', BRIDGE_IDENTITY],
    ])('ignores a Flex message authored by %s and enqueues nothing', async (_who, author) => {
      await openFirstChat();
      const before = enqueued;

      expect(await bridge.acceptFlexEvent(agent('IM1', 'echo', { author }))).toBe('ignored');

      expect(await store.listOutbox()).toEqual([]);
      expect(enqueued).toBe(before);
      // The same message from an agent is carried.
      expect(await bridge.acceptFlexEvent(agent('IM2', 'echo'))).toBe('accepted');
      expect(await agentRows()).toHaveLength(1);
    });
  });

  describe('closed chats', () => {
    it('opens a new chat once when Flex has closed the current one, and posts the message there', async () => {
      await openFirstChat();
      flex.closed.add('CH1');
      await bridge.acceptCustomerMessage(customer('c2', 'are you there?'));
      const [row] = await store.listOutbox();

      await bridge.deliver(row!);

      expect(flex.opened).toHaveLength(2);
      expect(flex.opened[1]?.firstMessage).toMatchObject({ author: CUSTOMER_IDENTITY, text: 'are you there?', bridgeMessageId: 'telegram:c2' });
      expect((await store.mappingByFlexSid('CH1'))?.status).toBe('ended');
      expect(await store.currentMapping(USER)).toMatchObject({ flexSid: 'CH2', status: 'active' });
      expect(flex.posts.map((p) => p.flexSid)).toEqual(['CH1']);
    });

    it('throws a second ChatClosedError in the same delivery instead of opening chats in a loop', async () => {
      await openFirstChat();
      flex.closeEveryChat = true;
      const photos: Attachment[] = [
        { kind: 'photo', ref: 'file-1', fileName: 'a.jpg' },
        { kind: 'photo', ref: 'file-2', fileName: 'b.jpg' },
      ];
      await bridge.acceptCustomerMessage(customer('c2', 'two photos', photos));
      const [row] = await store.listOutbox();

      await expect(bridge.deliver(row!)).rejects.toBeInstanceOf(ChatClosedError);

      expect(flex.opened).toHaveLength(2);
      expect(flex.posts.map((p) => p.flexSid)).toEqual(['CH1', 'CH2']);
    });

    it("ends the mapping on Flex's 'ended' event, so the next customer message opens a new chat", async () => {
      await openFirstChat();

      expect(await bridge.acceptFlexEvent({ type: 'ended', flexSid: 'CH1' })).toBe('accepted');
      expect((await store.mappingByFlexSid('CH1'))?.status).toBe('ended');
      expect(await store.currentMapping(USER)).toBeUndefined();

      await bridge.acceptCustomerMessage(customer('c2', 'hello again'));
      await flush();

      expect(flex.opened).toHaveLength(2);
      expect(flex.opened[1]?.firstMessage.text).toBe('hello again');
      expect(flex.posts).toEqual([]);
      expect(await store.currentMapping(USER)).toMatchObject({ flexSid: 'CH2', status: 'active' });
    });
  });

  describe('dead letters', () => {
    it('tells the agent, naming the reason, when an agent message is dead-lettered', async () => {
      await openFirstChat();
      await bridge.acceptFlexEvent(agent('IM1', 'hello customer'));
      const [row] = await agentRows();
      const before = enqueued;

      await bridge.onDeadLettered(row!, '403 Forbidden: bot was blocked by the user');

      const notices = (await store.listOutbox()).filter((r) => r.payload.kind === 'notice');
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatchObject({ key: 'flex:telegram:42', direction: 'to-flex', payload: { kind: 'notice', flexSid: 'CH1', user: USER } });
      expect(textOf(notices[0]!)).toContain('403 Forbidden: bot was blocked by the user');
      expect(enqueued).toBe(before + 1);
    });

    it('enqueues nothing when a customer message is dead-lettered, and logs it at error with the customer', async () => {
      const lines: string[] = [];
      setup(WITH_MEDIA, { log: pino({ level: 'error' }, { write: (line: string) => lines.push(line) }) });
      await bridge.acceptCustomerMessage(customer('c1'));
      const rows = await store.listOutbox();
      const before = enqueued;

      await bridge.onDeadLettered(rows[0]!, 'Flex is down');

      expect(await store.listOutbox()).toEqual(rows);
      expect(enqueued).toBe(before);
      const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logged).toEqual([
        expect.objectContaining({ level: 50, msg: 'customer message dead-lettered: it reached no agent', user: 'telegram:42', externalMessageId: 'c1', reason: 'Flex is down' }),
      ]);
    });
  });

  describe('limits', () => {
    const NO_LIMITS = { messagesPerMinute: 0, burst: 1, maxPending: 0, newChatsPerMinute: 0 };
    const limited: string[] = [];
    const withLimits = (limits: Partial<typeof NO_LIMITS>) => {
      limited.length = 0;
      setup(WITH_MEDIA, { limits: { ...NO_LIMITS, ...limits }, onLimited: (network, reason) => limited.push(`${network} ${reason}`) });
    };
    const bob = (externalMessageId: string): InboundMessage => ({ ...customer(externalMessageId), externalUserId: '43', externalChatId: '43', username: 'bob' });

    it('refuses a customer over their rate, tells them once, and keeps taking everyone else', async () => {
      withLimits({ messagesPerMinute: 1, burst: 3 });
      const outcomes = [];
      for (const id of ['c1', 'c2', 'c3', 'c4', 'c5']) outcomes.push(await bridge.acceptCustomerMessage(customer(id)));
      expect(outcomes).toEqual(['accepted', 'accepted', 'accepted', 'limited', 'limited']);
      expect(await bridge.acceptCustomerMessage(bob('b1'))).toBe('accepted');
      expect(await bridge.acceptCustomerMessage(customer('c4')), 'a refused message offered again').toBe('duplicate');
      expect(limited).toEqual(['telegram rate', 'telegram rate']);

      const toFlex = (await store.listOutbox()).filter((r) => r.direction === 'to-flex').map(textOf);
      expect(toFlex).toEqual(['hello c1', 'hello c2', 'hello c3', 'hello b1']);
      const notices = await customerNotices();
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatchObject({ key: 'customer:telegram:42', direction: 'to-customer', payload: { to: TO } });
      expect(textOf(notices[0]!)).toMatch(/faster than we can pass them on/);

      await bridge.deliver(notices[0]!);
      expect(adapter.sent).toEqual([{ to: TO, msg: { text: textOf(notices[0]!), idempotencyKey: `fb${notices[0]!.id}` } }]);
    });

    it("refuses a customer whose messages are piling up for Flex, and tells them why", async () => {
      withLimits({ maxPending: 2 });
      expect(await bridge.acceptCustomerMessage(customer('c1'))).toBe('accepted');
      expect(await bridge.acceptCustomerMessage(customer('c2'))).toBe('accepted');
      expect(await bridge.acceptCustomerMessage(customer('c3'))).toBe('limited');
      expect(limited).toEqual(['telegram backlog']);
      expect(textOf((await customerNotices())[0]!)).toMatch(/earlier messages have not reached our team yet/);

      await flush(); // Flex takes them
      expect(await bridge.acceptCustomerMessage(customer('c4'))).toBe('accepted');
    });

    it('holds a new chat back when its network is over NEW_CHATS_PER_MINUTE, without losing its message', async () => {
      withLimits({ newChatsPerMinute: 1 });
      await bridge.acceptCustomerMessage(customer('c1'));
      await bridge.acceptCustomerMessage(bob('b1'));
      const [alice, bobsFirst] = await store.listOutbox();
      await bridge.deliver(alice!);

      const held = await bridge.deliver(bobsFirst!).catch((err: unknown) => err);
      expect(held).toBeInstanceOf(DeliveryPostponed);
      expect((held as DeliveryPostponed).retryAfterMs).toBeGreaterThan(59_000);
      expect(flex.opened.map((o) => o.handle)).toEqual(['telegram:alice']);
      expect(await store.currentMapping({ network: 'telegram', externalUserId: '43' }), 'no half-made chat').toBeUndefined();

      await store.complete(alice!.id);
      await bridge.acceptCustomerMessage(customer('c2'));
      const [, aliceAgain] = await store.listOutbox();
      await bridge.deliver(aliceAgain!); // an open chat is no new chat
      expect(flex.posts.at(-1)?.msg.text).toBe('hello c2');
    });
  });

  describe('what the customer is told when their chat opens and ends', () => {
    const NOTICES = { chatOpened: 'We got your message.', chatEnded: 'This chat has ended.' };
    const notices = async () => (await customerNotices()).map((r) => ({ to: r.payload.kind === 'customer-notice' && r.payload.to, text: textOf(r) }));

    it('tells the customer once that their message opened a chat, and once that the agent ended it', async () => {
      setup(WITH_MEDIA, { notices: NOTICES });
      await openFirstChat();
      expect(await notices()).toEqual([{ to: TO, text: 'We got your message.' }]);
      await bridge.acceptCustomerMessage(customer('c2'));
      await flush(); // the notice goes out; a message into the open chat opens nothing
      expect(adapter.sent.map((s) => s.msg.text)).toEqual(['We got your message.']);
      expect(await customerNotices()).toEqual([]);

      expect(await bridge.acceptFlexEvent({ type: 'ended', flexSid: 'CH1' })).toBe('accepted');
      expect(await bridge.acceptFlexEvent({ type: 'ended', flexSid: 'CH1' }), 'the webhook again').toBe('accepted');
      expect(await notices()).toEqual([{ to: TO, text: 'This chat has ended.' }]);
    });

    it('tells the customer once even when the delivery that opened the chat is tried again', async () => {
      setup(WITH_MEDIA, { notices: NOTICES });
      await bridge.acceptCustomerMessage(customer('c1'));
      const [first] = await store.listOutbox();
      await bridge.deliver(first!);
      await bridge.deliver({ ...first!, ambiguous: true }); // the lease ran out before the row was marked done
      expect(await notices()).toEqual([{ to: TO, text: 'We got your message.' }]);
    });

    it('tells nothing when the notices are off', async () => {
      await openFirstChat();
      expect(await bridge.acceptFlexEvent({ type: 'participant-joined', flexSid: 'CH1', identity: 'agent_alice' })).toBe('ignored');
      expect(flex.nameLookups).toBe(0);
      await bridge.acceptFlexEvent({ type: 'ended', flexSid: 'CH1' });
      expect(await customerNotices()).toEqual([]);
    });
  });

  describe('what the customer is told when an agent joins', () => {
    const NOTICES = { agentJoined: '{agent} has joined the chat.', agentJoinedUnnamed: 'An agent has joined the chat.' };
    const joined = (identity: string, flexSid = 'CH1'): FlexEvent => ({ type: 'participant-joined', flexSid, identity });
    const noticeTexts = async () => (await customerNotices()).map(textOf);

    it('tells the customer the agent’s name once per agent and chat', async () => {
      setup(WITH_MEDIA, { notices: NOTICES });
      flex.names.set('agent_alice', 'Alice').set('agent_bob', 'Bob');
      await openFirstChat();
      expect(await bridge.acceptFlexEvent(joined('agent_alice'))).toBe('accepted');
      expect(await bridge.acceptFlexEvent(joined('agent_alice')), 'the webhook again').toBe('duplicate');
      expect(await bridge.acceptFlexEvent(joined('agent_bob')), 'a transfer to another agent').toBe('accepted');
      expect(await noticeTexts()).toEqual(['Alice has joined the chat.', 'Bob has joined the chat.']);
      expect((await customerNotices())[0]?.payload).toMatchObject({ to: TO });
    });

    it('ignores the customer’s and the bridge’s own identities, and unknown chats', async () => {
      setup(WITH_MEDIA, { notices: NOTICES });
      await openFirstChat();
      expect(await bridge.acceptFlexEvent(joined(CUSTOMER_IDENTITY))).toBe('ignored');
      expect(await bridge.acceptFlexEvent(joined(BRIDGE_IDENTITY))).toBe('ignored');
      expect(await bridge.acceptFlexEvent(joined('agent_alice', 'CH404'))).toBe('ignored');
      expect(await customerNotices()).toEqual([]);
      expect(flex.nameLookups).toBe(0);
    });

    it('uses the unnamed text when Flex has no name or the lookup fails, and looks nothing up without {agent}', async () => {
      setup(WITH_MEDIA, { notices: NOTICES });
      await openFirstChat();
      await bridge.acceptFlexEvent(joined('agent_nameless'));
      flex.nameLookupFails = true;
      await bridge.acceptFlexEvent(joined('agent_alice'));
      expect(await noticeTexts()).toEqual(['An agent has joined the chat.', 'An agent has joined the chat.']);

      setup(WITH_MEDIA, { notices: { agentJoined: 'Someone from support is here.' } });
      const lookups = flex.nameLookups;
      await bridge.acceptFlexEvent(joined('agent_carol'));
      expect(flex.nameLookups).toBe(lookups);
      expect((await noticeTexts()).at(-1)).toBe('Someone from support is here.');
    });

    it('tells nothing for an unnamed agent when only the unnamed text is off', async () => {
      setup(WITH_MEDIA, { notices: { agentJoined: NOTICES.agentJoined } });
      await openFirstChat();
      expect(await bridge.acceptFlexEvent(joined('agent_nameless'))).toBe('ignored');
      expect(await customerNotices()).toEqual([]);
    });
  });
});
