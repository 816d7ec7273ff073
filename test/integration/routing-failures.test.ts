import { afterEach, describe, expect, it } from 'vitest';
import type { TwilioEmulator } from '@flex-bridge/emulators';
import { startHarness, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';

const ROUTING_FAILED = 'We could not reach an agent.';
const NO_AGENT = 'No agent is available right now.';
const CHAT_ENDED = 'This chat has ended.';
/** Short windows, so a failing path is seen in a moment. */
const FAST = {
  ROUTING_CONFIRM_MS: '1000',
  TASK_CHECK_INTERVAL_MS: '200',
  ROUTING_FAILED_NOTICE: ROUTING_FAILED,
  NO_AGENT_NOTICE: NO_AGENT,
  CHAT_ENDED_NOTICE: CHAT_ENDED,
  METRICS_PUBLIC: 'true',
};
const USER = { id: 77, username: 'noor', first_name: 'Noor' };

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function started(env: Record<string, string> = {}): Promise<Harness> {
  h = await startHarness({ ...FAST, ...env });
  h.telegram.addUser(USER);
  return h;
}

const texts = (harness: Harness) => harness.telegram.messagesTo(USER.id).map((m) => m.text);
const interactionPosts = (twilio: TwilioEmulator) => twilio.requests.filter((r) => r.method === 'POST' && r.path === '/v1/Interactions');

async function chatsEnded(harness: Harness, reason: string): Promise<number> {
  const text = await (await fetch(`${harness.app.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('flex_bridge_chats_ended_total{') && l.includes(`reason="${reason}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('routing that fails is noticed (Interactions are set up asynchronously)', () => {
  it("knows the customer's first message before the chat is routed, so an agent who answers at once is not held back for it", async () => {
    const harness = await started();
    harness.telegram.userSends(USER.id, 'Hello?');
    await eventually(() => harness.twilio.tasks()[0], 'a task');
    // The bridge is still confirming the routing here; the index it posted must be known already.
    const [mapping] = await harness.app.store.listMappings();
    expect(mapping?.knownIndexes.through).toBe(0);
  });

  it('a channel that keeps failing: retried ROUTING_ATTEMPTS times, then the customer is told, the chat closed, the mapping ended, the metric counted', async () => {
    const harness = await started({ ROUTING_ATTEMPTS: '3' });
    harness.twilio.failNextRouting({ code: 45000, message: 'Flex could not create the task', times: 3 });
    harness.telegram.userSends(USER.id, 'Hello?');

    await harness.telegram.waitForMessages(USER.id, 1);
    expect(texts(harness)).toEqual([ROUTING_FAILED]);
    expect(interactionPosts(harness.twilio)).toHaveLength(3);
    expect(harness.twilio.tasks()).toEqual([]);
    const [conversation] = harness.twilio.conversations();
    expect(conversation?.state).toBe('closed');
    expect(await harness.app.store.listMappings()).toEqual([expect.objectContaining({ status: 'ended', flexSid: conversation?.sid })]);
    expect(await chatsEnded(harness, 'routing-failed')).toBe(1);

    // The next message routes afresh.
    harness.telegram.userSends(USER.id, 'Anyone there now?');
    const task = await eventually(() => harness.twilio.tasks()[0], 'a task for the next message');
    expect(task.conversationSid).not.toBe(conversation?.sid);
    expect(harness.twilio.messages(task.conversationSid).map((m) => m.body)).toEqual(['Anyone there now?']);
  });

  it('a failure that passes: the second attempt routes the chat, and the customer is told nothing', async () => {
    const harness = await started({ CHAT_OPENED_NOTICE: 'Thanks, we got it.' });
    harness.twilio.failNextRouting({ times: 1 });
    harness.telegram.userSends(USER.id, 'Hello?');

    await harness.telegram.waitForMessages(USER.id, 1);
    expect(texts(harness)).toEqual(['Thanks, we got it.']);
    expect(interactionPosts(harness.twilio)).toHaveLength(2);
    expect(harness.twilio.tasks()).toHaveLength(1);
    expect(harness.twilio.conversations()[0]?.state).toBe('active');
  });

  it('a task channel the workspace does not have: the customer is told', async () => {
    const harness = await started({ FLEX_TASK_CHANNEL: 'no-such-channel', ROUTING_ATTEMPTS: '2' });
    harness.telegram.userSends(USER.id, 'Hello?');

    await harness.telegram.waitForMessages(USER.id, 1);
    expect(texts(harness)).toEqual([ROUTING_FAILED]);
    expect(interactionPosts(harness.twilio)).toHaveLength(2);
  });

  it('an Interaction Flex refuses outright (400): retried, then the customer is told', async () => {
    const harness = await started({ ROUTING_ATTEMPTS: '2' });
    harness.twilio.failNext({ host: 'flex-api.twilio.com', method: 'POST', path: '/v1/Interactions', status: 400, times: 2 });
    harness.telegram.userSends(USER.id, 'Hello?');

    await harness.telegram.waitForMessages(USER.id, 1);
    expect(texts(harness)).toEqual([ROUTING_FAILED]);
    expect(interactionPosts(harness.twilio)).toHaveLength(2);
    expect(harness.twilio.conversations()[0]?.state).toBe('closed');
    expect((await harness.app.store.listOutbox({ status: 'dead' })).map((r) => r.lastError)).toEqual([
      expect.stringContaining('could not route chat'),
    ]);
  });

  it('conversations get a close timer (with State, as 50382 requires): an abandoned chat is closed by Twilio and the customer told', async () => {
    const harness = await started();
    harness.telegram.userSends(USER.id, 'Hello?');
    const task = await eventually(() => harness.twilio.tasks()[0], 'a task');
    const create = harness.twilio.requests.find((r) => r.method === 'POST' && r.path === '/v1/Conversations');
    expect(create?.params).toMatchObject({ State: 'active', 'Timers.Closed': 'PT12H' });
    expect(create?.params).not.toHaveProperty('Timers.Inactive');

    harness.twilio.advanceClock(12 * 3600_000);

    await harness.telegram.waitForMessages(USER.id, 1);
    expect(texts(harness)).toEqual([CHAT_ENDED]);
    expect(harness.twilio.conversations()[0]?.state).toBe('closed');
    await eventually(async () => (await harness.app.store.listMappings())[0]?.status === 'ended', 'the mapping ended');
    expect(task.conversationSid).toBe(harness.twilio.conversations()[0]?.sid);
  });
});

describe('a task that ends without an agent', () => {
  /** What happens, and whether the bridge can still close the chat through its interaction channel (a deleted task no longer names it). */
  const endings: [string, (twilio: TwilioEmulator, taskSid: string) => void, boolean][] = [
    ['the workflow times out', (twilio, sid) => twilio.timeOutTask(sid), true],
    ['every agent rejects it to the end of the workflow', (twilio, sid) => twilio.rejectTaskToEnd(sid), true],
    ['someone cancels it', (twilio, sid) => twilio.cancelTask(sid, 'Canceled by a supervisor'), true],
    ['it is deleted', (twilio, sid) => twilio.deleteTask(sid), false],
  ];

  it.each(endings)('%s: the customer is told, the chat is closed through Flex, and the next message routes afresh', async (_what, end, viaInteraction) => {
    const harness = await started();
    harness.telegram.userSends(USER.id, 'Hello?');
    const task = await eventually(() => harness.twilio.tasks()[0], 'a task');
    await eventually(async () => (await harness.app.store.listMappings())[0]?.status === 'active', 'the chat open');

    end(harness.twilio, task.sid);

    await harness.telegram.waitForMessages(USER.id, 1);
    expect(texts(harness)).toEqual([NO_AGENT]);
    await eventually(() => harness.twilio.conversations()[0]?.state === 'closed', 'the conversation closed');
    expect(await harness.app.store.listMappings()).toEqual([expect.objectContaining({ status: 'ended' })]);
    expect(await chatsEnded(harness, 'no-agent')).toBe(1);
    // Closed through the interaction channel when the task still names it, else as a conversation; never by touching the task.
    const closes = harness.twilio.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v1/Interactions/'));
    const conversationCloses = harness.twilio.requests.filter((r) => r.method === 'POST' && r.path === `/v1/Conversations/${task.conversationSid}`);
    expect(closes.map((r) => r.params.Status)).toEqual(viaInteraction ? ['closed'] : []);
    expect(conversationCloses.map((r) => r.params.State)).toEqual(viaInteraction ? [] : ['closed']);
    expect(harness.twilio.requests.filter((r) => r.host === 'taskrouter.twilio.com' && r.method !== 'GET')).toEqual([]);

    harness.telegram.userSends(USER.id, 'Still need help');
    const next = await eventually(() => harness.twilio.tasks().find((t) => t.status === 'pending'), 'a new task');
    expect(next.conversationSid).not.toBe(task.conversationSid);
    expect(texts(harness)).toEqual([NO_AGENT]);
  });

  it('a task an agent accepted is left alone', async () => {
    const harness = await started();
    harness.telegram.userSends(USER.id, 'Hello?');
    const task = await eventually(() => harness.twilio.tasks()[0], 'a task');
    harness.twilio.acceptTask(task.sid);
    const polls = () => harness.twilio.requests.filter((r) => r.host === 'taskrouter.twilio.com').length;
    const before = polls();
    await eventually(() => polls() >= before + 3, 'three more task checks');

    expect(texts(harness)).toEqual([]);
    expect(harness.twilio.conversations()[0]?.state).toBe('active');
    expect((await harness.app.store.listMappings())[0]?.status).toBe('active');
  });
});

describe('an opening interrupted while routing (D5)', () => {
  it('waits for the lost Interaction to set up before deciding there is no task: one task, not two', async () => {
    const harness = await started({ TWILIO_TIMEOUT_MS: '300', ROUTING_CONFIRM_MS: '4000' });
    harness.twilio.setInteractionSetupDelay(1500);
    harness.twilio.hangNext({ host: 'flex-api.twilio.com', method: 'POST', path: '/v1/Interactions', apply: true });
    harness.telegram.userSends(USER.id, 'first words');

    await eventually(async () => (await harness.app.store.listMappings())[0]?.status === 'active', 'the chat open', 10_000);
    await eventually(async () => (await harness.app.store.outboxStats()).pending === 0, 'the message delivered');
    // A second Interaction, had one been made, would have its task by now.
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(harness.twilio.tasks()).toHaveLength(1);
    expect(interactionPosts(harness.twilio)).toHaveLength(1);
    expect(texts(harness)).toEqual([]);
  });
});
