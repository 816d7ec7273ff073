import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, startHarnessWithDiscord, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';

/** Monday 2026-12-14 in Berlin (UTC+1): closed until 09:00, open until 17:00. */
const BEFORE_OPENING = Date.parse('2026-12-14T07:59:59Z');
const OPENING = Date.parse('2026-12-14T08:00:00Z');
const SATURDAY_NIGHT = Date.parse('2026-12-12T22:00:00Z');
const AFTER_CLOSING = Date.parse('2026-12-14T16:30:00Z');

const HOURS = { BUSINESS_HOURS: 'mon-fri 09:00-17:00', BUSINESS_TIMEZONE: 'Europe/Berlin', AFTER_HOURS_NOTICE: 'We are closed; we open again {opens}.' };
const CLOSED_UNTIL_MONDAY = 'We are closed; we open again Monday 14 December at 09:00 CET.';

/** The time business hours are judged by: it stands still until the test moves it. */
class TestClock {
  constructor(public now: number) {}
  readonly read = () => this.now;
}

/** One customer on one network, as a test sees them. */
interface Customer {
  readonly h: Harness;
  says(text: string): void;
  /** Resolves once the customer has had `count` messages from the bridge. */
  hears(count: number): Promise<unknown>;
  heard(): string[];
  /** What the customer wrote in their Flex chat (if one opened). */
  inFlex(): string[];
}

type StartCustomer = (env: Record<string, string>, clock: TestClock) => Promise<Customer>;

const flexMessagesOf = (h: Harness, author: string) =>
  h.twilio.conversations().flatMap((c) => h.twilio.messages(c.sid).filter((m) => m.author === author).map((m) => m.body ?? ''));

const NETWORKS: Record<'Telegram' | 'Discord', StartCustomer> = {
  async Telegram(env, clock) {
    const h = await startHarness(env, undefined, undefined, { clock: clock.read });
    h.telegram.addUser({ id: 61, username: 'nora', first_name: 'Nora' });
    return {
      h,
      says: (text) => h.telegram.userSends(61, text),
      hears: (count) => h.telegram.waitForMessages(61, count),
      heard: () => h.telegram.messagesTo(61).map((m) => m.text ?? ''),
      inFlex: () => flexMessagesOf(h, 'telegram_61'),
    };
  },
  async Discord(env, clock) {
    const { h, discord } = await startHarnessWithDiscord(env, {}, { clock: clock.read });
    const id = '110000000000000061';
    discord.addUser({ id, username: 'nils' });
    return {
      h,
      says: (text) => discord.userSendsDm(id, text),
      hears: (count) => discord.waitForMessages(id, count),
      heard: () => discord.messagesInDm(id).map((m) => m.message.content),
      inFlex: () => flexMessagesOf(h, `discord_${id}`),
    };
  },
};

let h: Harness | undefined;
let scheduleServer: Server | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  scheduleServer?.closeAllConnections();
  await new Promise((resolve) => (scheduleServer ? scheduleServer.close(resolve) : resolve(undefined)));
  scheduleServer = undefined;
});

const drained = (harness: Harness) => eventually(async () => (await harness.app.store.outboxStats()).pending === 0, 'the outbox drained');

describe.each(Object.entries(NETWORKS))('a new chat after business hours on %s', (_network, startCustomer) => {
  it('reply-only: the customer is told when we open, and the message goes nowhere', async () => {
    const customer = await startCustomer({ ...HOURS, AFTER_HOURS_POLICY: 'reply-only' }, new TestClock(SATURDAY_NIGHT));
    h = customer.h;
    customer.says('Hello, anyone there?');
    await customer.hears(1);
    await drained(customer.h);
    expect(customer.heard()).toEqual([CLOSED_UNTIL_MONDAY]);
    expect(customer.h.twilio.conversations()).toEqual([]);
    expect(customer.h.twilio.tasks()).toEqual([]);
  });

  it('reply-and-route: the customer is told, and the chat opens anyway', async () => {
    const customer = await startCustomer({ ...HOURS, AFTER_HOURS_POLICY: 'reply-and-route' }, new TestClock(SATURDAY_NIGHT));
    h = customer.h;
    customer.says('Hello, anyone there?');
    await eventually(() => customer.h.twilio.tasks()[0], 'a Flex task');
    await customer.hears(1);
    expect(customer.heard()).toEqual([CLOSED_UNTIL_MONDAY]);
    expect(customer.inFlex()).toEqual(['Hello, anyone there?']);
  });

  it('reply-and-route-when-open: the customer is told, and the messages wait for the opening', async () => {
    const clock = new TestClock(BEFORE_OPENING);
    const customer = await startCustomer({ ...HOURS, AFTER_HOURS_POLICY: 'reply-and-route-when-open' }, clock);
    h = customer.h;
    customer.says('Hello, anyone there?');
    await customer.hears(1);
    expect(customer.heard()).toEqual(['We are closed; we open again Monday 14 December at 09:00 CET.']);
    // The clock stands still before the opening: the message was held, not routed.
    expect(customer.h.twilio.tasks()).toEqual([]);
    await eventually(async () => (await customer.h.app.store.outboxStats()).pending === 1, 'only the held message left');
    customer.says('It is about my order.');
    clock.now = OPENING;
    await eventually(() => customer.h.twilio.tasks()[0], 'a Flex task once open');
    await eventually(() => customer.inFlex().length === 2, 'both messages in Flex');
    expect(customer.inFlex()).toEqual(['Hello, anyone there?', 'It is about my order.']);
    await drained(customer.h);
    expect(customer.heard()).toEqual(['We are closed; we open again Monday 14 December at 09:00 CET.']);
  });

  it('a chat already open goes on after closing time, without the after-hours reply', async () => {
    const clock = new TestClock(OPENING);
    const customer = await startCustomer({ ...HOURS, AFTER_HOURS_POLICY: 'reply-only' }, clock);
    h = customer.h;
    customer.says('Hello');
    const task = await eventually(() => customer.h.twilio.tasks()[0], 'a Flex task');
    clock.now = AFTER_CLOSING;
    customer.says('Still there?');
    await eventually(() => customer.inFlex().length === 2, 'the second message in Flex');
    customer.h.twilio.agentSend(task.conversationSid, 'Yes, still here.');
    await customer.hears(1);
    await drained(customer.h);
    expect(customer.inFlex()).toEqual(['Hello', 'Still there?']);
    expect(customer.heard()).toEqual(['Yes, still here.']);
  });
});

describe('the after-hours reply', () => {
  it('is sent once per closed period, across a restart, and again in the next closed period', async () => {
    const clock = new TestClock(SATURDAY_NIGHT);
    const customer = await NETWORKS.Telegram({ ...HOURS, AFTER_HOURS_POLICY: 'reply-only' }, clock);
    h = customer.h;
    const harness = customer.h;
    customer.says('First try');
    await customer.hears(1);
    await harness.restart();
    customer.says('Second try');
    // Taken in (Telegram's update confirmed) and dropped (the outbox empty): the reply was not repeated.
    await eventually(() => harness.telegram.pendingUpdates === 0, 'the second message taken in');
    await drained(harness);
    expect(customer.heard()).toEqual([CLOSED_UNTIL_MONDAY]);
    clock.now = AFTER_CLOSING;
    customer.says('Third try');
    await customer.hears(2);
    expect(customer.heard()).toEqual([CLOSED_UNTIL_MONDAY, 'We are closed; we open again Tuesday 15 December at 09:00 CET.']);
    expect(harness.twilio.tasks()).toEqual([]);
  });

  it('is not sent with no hours set: a weekend message routes as before', async () => {
    const customer = await NETWORKS.Telegram({}, new TestClock(SATURDAY_NIGHT));
    h = customer.h;
    customer.says('Hello at the weekend');
    await eventually(() => customer.h.twilio.tasks()[0], 'a Flex task');
    await drained(customer.h);
    expect(customer.heard()).toEqual([]);
  });

  it('is sent on a holiday, naming the day after it', async () => {
    const customer = await NETWORKS.Telegram(
      { ...HOURS, BUSINESS_HOLIDAYS: '2026-12-14', AFTER_HOURS_POLICY: 'reply-only' },
      new TestClock(Date.parse('2026-12-14T10:00:00Z')),
    );
    h = customer.h;
    customer.says('Hello');
    await customer.hears(1);
    expect(customer.heard()).toEqual(['We are closed; we open again Tuesday 15 December at 09:00 CET.']);
  });
});

/** A schedule service on loopback: answers `answer()` (a status and a body; undefined: never), counting the requests. */
async function startScheduleService(
  answer: (authorization: string | undefined) => { status: number; body: string } | undefined,
): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const answered = answer(req.headers.authorization);
    if (answered) res.writeHead(answered.status, { 'content-type': 'application/json' }).end(answered.body);
  });
  scheduleServer = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/check-schedule?name=Support`, requests: () => requests };
}

describe('SCHEDULE_URL', () => {
  it('closed: the customer is told the opening the service names, in BUSINESS_TIMEZONE', async () => {
    const service = await startScheduleService(() => ({ status: 200, body: JSON.stringify({ isOpen: false, closedReason: 'holiday', nextOpen: '2026-12-28T08:00:00Z' }) }));
    const customer = await NETWORKS.Discord(
      { SCHEDULE_URL: service.url, BUSINESS_TIMEZONE: 'Europe/Berlin', AFTER_HOURS_NOTICE: HOURS.AFTER_HOURS_NOTICE, AFTER_HOURS_POLICY: 'reply-only' },
      new TestClock(SATURDAY_NIGHT),
    );
    h = customer.h;
    customer.says('Hello');
    await customer.hears(1);
    await drained(customer.h);
    expect(customer.heard()).toEqual(['We are closed; we open again Monday 28 December at 09:00 CET.']);
    expect(customer.h.twilio.tasks()).toEqual([]);
  });

  it('open: the chat opens without a reply', async () => {
    const service = await startScheduleService(() => ({ status: 200, body: JSON.stringify({ isOpen: true, closedReason: '' }) }));
    const customer = await NETWORKS.Telegram({ SCHEDULE_URL: service.url, AFTER_HOURS_POLICY: 'reply-only' }, new TestClock(SATURDAY_NIGHT));
    h = customer.h;
    customer.says('Hello');
    await eventually(() => customer.h.twilio.tasks()[0], 'a Flex task');
    await drained(customer.h);
    expect(customer.heard()).toEqual([]);
  });

  it('failing or answering nonsense counts as open, and is asked again only after a while', async () => {
    let answer = { status: 500, body: '{"message":"internal error"}' };
    const service = await startScheduleService(() => answer);
    const clock = new TestClock(SATURDAY_NIGHT);
    const customer = await NETWORKS.Telegram({ SCHEDULE_URL: service.url, AFTER_HOURS_POLICY: 'reply-only' }, clock);
    h = customer.h;
    const harness = customer.h;
    customer.says('Hello');
    const task = await eventually(() => harness.twilio.tasks()[0], 'a Flex task despite the failure');
    harness.twilio.endChat(task.conversationSid);
    await eventually(async () => (await harness.app.store.currentMapping({ network: 'telegram', externalUserId: '61' })) === undefined, 'the chat ended');
    // Within the 30 s the failure is kept, the next new chat does not ask again.
    customer.says('Hello again');
    await eventually(() => harness.twilio.tasks().length === 2, 'a second task');
    expect(service.requests()).toBe(1);
    answer = { status: 200, body: '{"open":"maybe"}' };
    clock.now += 31_000;
    harness.twilio.endChat(harness.twilio.tasks()[1]?.conversationSid as string);
    await eventually(async () => (await harness.app.store.currentMapping({ network: 'telegram', externalUserId: '61' })) === undefined, 'the second chat ended');
    customer.says('And again');
    await eventually(() => harness.twilio.tasks().length === 3, 'a third task');
    expect(service.requests()).toBe(2);
    await drained(harness);
    expect(customer.heard()).toEqual([]);
  });

  it('behind Basic authentication: the user and password in the URL are sent as the Authorization header', async () => {
    const expected = `Basic ${Buffer.from('bridge:s3cret pass').toString('base64')}`;
    const service = await startScheduleService((authorization) =>
      authorization === expected ? { status: 200, body: JSON.stringify({ isOpen: false, nextOpen: '2026-12-28T08:00:00Z' }) } : { status: 401, body: '{}' },
    );
    const url = service.url.replace('http://', 'http://bridge:s3cret%20pass@');
    const customer = await NETWORKS.Telegram(
      { SCHEDULE_URL: url, BUSINESS_TIMEZONE: 'Europe/Berlin', AFTER_HOURS_NOTICE: HOURS.AFTER_HOURS_NOTICE, AFTER_HOURS_POLICY: 'reply-only' },
      new TestClock(SATURDAY_NIGHT),
    );
    h = customer.h;
    customer.says('Hello');
    await customer.hears(1);
    expect(customer.heard()).toEqual(['We are closed; we open again Monday 28 December at 09:00 CET.']);
  });

  it('that does not answer within its timeout counts as open', async () => {
    const service = await startScheduleService(() => undefined);
    const customer = await NETWORKS.Telegram({ SCHEDULE_URL: service.url, AFTER_HOURS_POLICY: 'reply-only' }, new TestClock(SATURDAY_NIGHT));
    h = customer.h;
    customer.says('Hello');
    await eventually(() => customer.h.twilio.tasks()[0], 'a Flex task once the schedule service timed out', 15_000);
    expect(service.requests()).toBe(1);
    expect(customer.heard()).toEqual([]);
  });
});
