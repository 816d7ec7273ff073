import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { startHarness, WORKFLOW_SID, WORKSPACE_SID, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const ALICE = { id: 5012345678, username: 'alice', first_name: 'Alice', last_name: 'Liddell' };

async function firstTask(harness: Harness) {
  return eventually(() => harness.twilio.tasks()[0], 'a Flex task');
}

/** Starts the bridge (with `env`) and has Alice open a chat; resolves to its Flex task. */
async function aliceWritesFirst(env: Record<string, string> = {}) {
  h = await startHarness(env);
  h.telegram.addUser(ALICE);
  h.telegram.userSends(ALICE.id, 'Hello');
  return firstTask(h);
}

/** The agent accepts the task; resolves once Twilio has told the bridge (onParticipantAdded). */
async function agentJoins(taskSid: string) {
  h.twilio.acceptTask(taskSid);
  await eventually(() => h.twilio.webhookDeliveries.some((d) => d.eventType === 'onParticipantAdded' && d.statusCode === 200), 'the agent joined');
}

async function customerText(harness: Harness, conversationSid: string, count: number) {
  return eventually(() => {
    const bodies = harness.twilio.messages(conversationSid).filter((m) => m.author.startsWith('telegram_')).map((m) => m.body);
    return bodies.length >= count ? bodies : undefined;
  }, `${count} customer message(s) in Flex`);
}

describe('Telegram customer ↔ Flex Conversations agent', () => {
  it('opens exactly one conversation with the identity, handle and routing for a first message', async () => {
    h = await startHarness();
    h.telegram.addUser(ALICE);
    h.telegram.userSends(ALICE.id, 'Hello, my order is late');
    const task = await firstTask(h);

    const [conversation] = h.twilio.conversations();
    expect(h.twilio.conversations()).toHaveLength(1);
    expect(conversation!.friendlyName).toBe('telegram:alice');
    expect(conversation!.participants.map((p) => p.identity)).toEqual(['telegram_5012345678']);
    const [webhook] = conversation!.webhooks;
    expect(webhook).toMatchObject({ target: 'webhook', method: 'post', url: `${h.config.PUBLIC_BASE_URL}/flex/conversations/events` });
    expect(webhook!.filters.sort()).toEqual(['onConversationStateUpdated', 'onConversationUpdated', 'onMessageAdded', 'onParticipantAdded']);
    expect(h.twilio.messages(conversation!.sid).map((m) => [m.author, m.body])).toEqual([['telegram_5012345678', 'Hello, my order is late']]);
    expect(task).toMatchObject({ conversationSid: conversation!.sid, workspaceSid: WORKSPACE_SID, workflowSid: WORKFLOW_SID, taskChannel: 'chat' });
    expect(task.attributes).toMatchObject({ from: 'telegram:alice', customerName: 'Alice Liddell' });
    const interaction = h.twilio.requests.find((r) => r.path === '/v1/Interactions')!;
    expect(JSON.parse(String(interaction.params.Routing)).properties.attributes).toEqual({
      from: 'telegram:alice',
      customerName: 'Alice Liddell',
      channelType: 'telegram',
      network: 'telegram',
      handle: 'telegram:alice',
      conversations: { communication_channel: 'Telegram', initiated_by: 'Customer', direction: 'Inbound' },
      customers: { name: 'Alice Liddell', external_id: 'telegram_5012345678' },
    });
    expect(JSON.parse(String(interaction.params.Channel))).toEqual({
      type: 'chat',
      initiated_by: 'customer',
      properties: { media_channel_sid: conversation!.sid },
    });
  });

  it('uses the user id in the handle when the customer has no username', async () => {
    h = await startHarness();
    h.telegram.addUser({ id: 777, first_name: 'Nameless' });
    h.telegram.userSends(777, 'hi');
    const task = await firstTask(h);
    expect(task.attributes.from).toBe('telegram:777');
  });

  it('delivers an agent reply to Telegram once, and never echoes the customer', async () => {
    h = await startHarness();
    h.telegram.addUser(ALICE);
    h.telegram.userSends(ALICE.id, 'Hello');
    const task = await firstTask(h);
    h.twilio.acceptTask(task.sid);
    h.twilio.agentSend(task.conversationSid, 'Hi Alice, let me check.');
    const [reply] = await h.telegram.waitForMessages(ALICE.id, 1);
    expect(reply!.text).toBe('Hi Alice, let me check.');
    h.telegram.userSends(ALICE.id, 'Thanks');
    await customerText(h, task.conversationSid, 2);
    await h.app.worker.stop(2000); // let anything in flight land before counting
    expect(h.telegram.messagesTo(ALICE.id).map((m) => m.text)).toEqual(['Hi Alice, let me check.']);
  });

  it('drops its own messages when Flex echoes them (Studio mode enables webhooks on posts)', async () => {
    h = await startHarness({ FLEX_STUDIO_FLOW_SID: `FW${'4'.repeat(32)}`, FLEX_WORKSPACE_SID: '' });
    h.telegram.addUser(ALICE);
    h.telegram.userSends(ALICE.id, 'Hello via Studio');
    const conversationSid = await eventually(() => h.twilio.conversations()[0]?.sid, 'a conversation');
    await eventually(
      () => h.twilio.webhookDeliveries.some((d) => d.params.Author === 'telegram_5012345678' && d.statusCode === 200),
      'the echo webhook to be answered',
    );
    const studioHook = h.twilio.requests.find((r) => r.path.endsWith('/Webhooks') && r.params.Target === 'studio');
    expect(studioHook?.params['Configuration.FlowSid']).toBe(`FW${'4'.repeat(32)}`);
    expect(h.twilio.requests.some((r) => r.path === '/v1/Interactions')).toBe(false);
    h.twilio.agentSend(conversationSid, 'Agent here');
    await h.telegram.waitForMessages(ALICE.id, 1);
    expect(h.telegram.messagesTo(ALICE.id).map((m) => m.text)).toEqual(['Agent here']);
  });

  it('refuses webhooks with a bad or missing signature and forwards nothing', async () => {
    h = await startHarness();
    h.telegram.addUser(ALICE);
    h.telegram.userSends(ALICE.id, 'Hello');
    const task = await firstTask(h);
    const [forged] = await h.twilio.sendForgedWebhook(task.conversationSid, { body: 'send me your password' });
    expect(forged!.statusCode).toBe(403);
    const unsigned = await fetch(`${h.config.PUBLIC_BASE_URL}/flex/conversations/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ EventType: 'onMessageAdded', ConversationSid: task.conversationSid, MessageSid: 'IMx', Author: 'agent', Body: 'x' }),
    });
    expect(unsigned.status).toBe(403);
    h.twilio.agentSend(task.conversationSid, 'the real one');
    await h.telegram.waitForMessages(ALICE.id, 1);
    await h.app.worker.stop(2000);
    expect(h.telegram.messagesTo(ALICE.id).map((m) => m.text)).toEqual(['the real one']);
  });

  it('delivers a webhook that arrives twice (same MessageSid) only once', async () => {
    h = await startHarness();
    h.telegram.addUser(ALICE);
    h.telegram.userSends(ALICE.id, 'Hello');
    const task = await firstTask(h);
    const sent = h.twilio.agentSend(task.conversationSid, 'only once');
    await h.telegram.waitForMessages(ALICE.id, 1);
    const [again] = await h.twilio.redeliver(sent.sid);
    expect(again!.statusCode).toBe(200);
    await h.app.worker.stop(2000);
    expect(h.telegram.messagesTo(ALICE.id).map((m) => m.text)).toEqual(['only once']);
  });

  it("delivers agent messages in the agent's order when an earlier one's webhook comes late (Index)", async () => {
    const task = await aliceWritesFirst({ DELIVERY_REORDER_MS: '5000' });
    await agentJoins(task.sid); // the webhook lost next is then a message's, not onParticipantAdded
    h.twilio.loseNextWebhooks(1);
    const first = h.twilio.agentSend(task.conversationSid, 'first, its webhook lost');
    h.twilio.agentSend(task.conversationSid, 'second');
    await eventually(() => h.twilio.webhookDeliveries.find((d) => d.params.Body === 'second' && d.statusCode === 200), 'second webhook');
    await h.twilio.redeliver(first.sid);
    await h.telegram.waitForMessages(ALICE.id, 2);
    await h.app.worker.stop(2000);
    expect(h.telegram.messagesTo(ALICE.id).map((m) => m.text)).toEqual(['first, its webhook lost', 'second']);
  });

  it('reads back an agent message whose webhook never comes, and delivers it before the next one', async () => {
    const task = await aliceWritesFirst({ DELIVERY_REORDER_MS: '60000' });
    await agentJoins(task.sid); // the webhook lost next is then a message's, not onParticipantAdded
    h.twilio.loseNextWebhooks(1);
    const lost = h.twilio.agentSend(task.conversationSid, 'its webhook is lost for good');
    h.twilio.agentSend(task.conversationSid, 'the next one');

    // Long before the 60 s wait ends: the gap made the bridge read the chat back.
    await h.telegram.waitForMessages(ALICE.id, 2);
    expect(h.telegram.messagesTo(ALICE.id).map((m) => m.text)).toEqual(['its webhook is lost for good', 'the next one']);
    expect(h.twilio.webhookDeliveries.filter((d) => d.messageSid === lost.sid).map((d) => d.statusCode)).toEqual([null]);
    expect(h.twilio.requests.some((r) => r.method === 'GET' && r.path === `/v1/Conversations/${task.conversationSid}/Messages`)).toBe(true);
  });

  it("reads the chat back when the customer's next message shows that an agent message was missed", async () => {
    const task = await aliceWritesFirst();
    await agentJoins(task.sid); // the webhook lost next is then a message's, not onParticipantAdded
    h.twilio.loseNextWebhooks(1);
    h.twilio.agentSend(task.conversationSid, 'the last word, its webhook lost');
    await eventually(() => h.twilio.webhookDeliveries.find((d) => d.error !== null), 'the lost webhook');
    h.telegram.userSends(ALICE.id, 'Hello? Anyone there?');
    await h.telegram.waitForMessages(ALICE.id, 1);
    expect(h.telegram.messagesTo(ALICE.id).map((m) => m.text)).toEqual(['the last word, its webhook lost']);
  });

  it('reads open chats back on start: an agent message sent while the bridge was down is delivered once', async () => {
    const task = await aliceWritesFirst();
    h.twilio.agentSend(task.conversationSid, 'before the restart');
    await h.telegram.waitForMessages(ALICE.id, 1);

    await h.restart(async () => {
      const sent = h.twilio.agentSend(task.conversationSid, 'while the bridge was down');
      await eventually(() => h.twilio.webhookDeliveries.find((d) => d.messageSid === sent.sid && d.error !== null), 'a failed webhook');
    });
    await h.telegram.waitForMessages(ALICE.id, 2);
    h.twilio.agentSend(task.conversationSid, 'after the restart');
    await h.telegram.waitForMessages(ALICE.id, 3);
    await h.app.worker.stop(2000);
    expect(h.telegram.messagesTo(ALICE.id).map((m) => m.text)).toEqual([
      'before the restart',
      'while the bridge was down',
      'after the restart',
    ]);
  });

  it('opens a new conversation after the agent closes the chat, but not after inactive', async () => {
    h = await startHarness();
    h.telegram.addUser(ALICE);
    h.telegram.userSends(ALICE.id, 'first');
    const task = await firstTask(h);

    h.twilio.setInactive(task.conversationSid);
    await eventually(() => h.twilio.webhookDeliveries.some((d) => d.params.StateTo === 'inactive' && d.statusCode === 200), 'inactive webhook');
    h.telegram.userSends(ALICE.id, 'still there?');
    await customerText(h, task.conversationSid, 2);
    expect(h.twilio.conversations()).toHaveLength(1);

    h.twilio.endChat(task.conversationSid);
    await eventually(() => h.twilio.webhookDeliveries.some((d) => d.params.StateTo === 'closed' && d.statusCode === 200), 'closed webhook');
    h.telegram.userSends(ALICE.id, 'one more question');
    await eventually(() => h.twilio.tasks().length === 2, 'a second task');
    const second = h.twilio.conversations().find((c) => c.sid !== task.conversationSid)!;
    expect(await customerText(h, second.sid, 1)).toEqual(['one more question']);
    expect(h.twilio.messages(task.conversationSid)).toHaveLength(2);
  });

  it('opens one conversation for five messages sent at once by a new customer, in order', async () => {
    h = await startHarness();
    h.telegram.addUser(ALICE);
    for (let i = 1; i <= 5; i++) h.telegram.userSends(ALICE.id, `message ${i}`);
    await eventually(() => h.twilio.conversations()[0], 'a conversation');
    const sid = h.twilio.conversations()[0]!.sid;
    expect(await customerText(h, sid, 5)).toEqual(['message 1', 'message 2', 'message 3', 'message 4', 'message 5']);
    expect(h.twilio.conversations()).toHaveLength(1);
    expect(h.twilio.tasks()).toHaveLength(1);
  });

  it('keeps the mapping across a restart on the same database', async () => {
    h = await startHarness();
    h.telegram.addUser(ALICE);
    h.telegram.userSends(ALICE.id, 'before restart');
    const task = await firstTask(h);
    await h.restart();
    h.telegram.userSends(ALICE.id, 'after restart');
    expect(await customerText(h, task.conversationSid, 2)).toEqual(['before restart', 'after restart']);
    h.twilio.agentSend(task.conversationSid, 'still here');
    expect((await h.telegram.waitForMessages(ALICE.id, 1))[0]!.text).toBe('still here');
    expect(h.twilio.conversations()).toHaveLength(1);
  });

  it('splits a 5000-character reply into complete Telegram messages', async () => {
    h = await startHarness();
    h.telegram.addUser(ALICE);
    h.telegram.userSends(ALICE.id, 'Hello');
    const task = await firstTask(h);
    const long = Array.from({ length: 800 }, (_, i) => `word${i}`).join(' ').slice(0, 5000).padEnd(5000, '.');
    h.twilio.agentSend(task.conversationSid, long);
    const parts = await h.telegram.waitForMessages(ALICE.id, 2);
    expect(parts.every((p) => (p.text ?? '').length <= 4096)).toBe(true);
    expect(parts.map((p) => p.text).join('')).toBe(long);
  });

  it('retries a Telegram 429 after retry_after and delivers exactly once', async () => {
    h = await startHarness();
    h.telegram.addUser(ALICE);
    h.telegram.userSends(ALICE.id, 'Hello');
    const task = await firstTask(h);
    h.telegram.failNext({ method: 'sendMessage', error_code: 429, retry_after: 1 });
    const started = Date.now();
    h.twilio.agentSend(task.conversationSid, 'after the flood wait');
    await h.telegram.waitForMessages(ALICE.id, 1, 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    await h.app.worker.stop(2000);
    expect(h.telegram.messagesTo(ALICE.id).map((m) => m.text)).toEqual(['after the flood wait']);
  });

  it.each([
    { status: 429, code: 20429, retryAfter: 1 },
    { status: 429, code: 20429 },
    { status: 503, code: 20503 },
  ])('retries Twilio $status (Retry-After $retryAfter) and posts exactly once', async (fault) => {
    h = await startHarness();
    h.telegram.addUser(ALICE);
    h.telegram.userSends(ALICE.id, 'Hello');
    const task = await firstTask(h);
    h.twilio.failNext({ host: 'conversations.twilio.com', method: 'POST', path: `/v1/Conversations/${task.conversationSid}/Messages`, ...fault });
    h.telegram.userSends(ALICE.id, 'second');
    expect(await customerText(h, task.conversationSid, 2)).toEqual(['Hello', 'second']);
    const posts = h.twilio.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Messages'));
    expect(posts.map((r) => r.fault)).toEqual([null, 'fail', null]);
    await h.app.worker.stop(2000);
    expect(h.twilio.messages(task.conversationSid)).toHaveLength(2);
  });

  it('removes a half-made conversation when opening fails, then opens a clean one', async () => {
    h = await startHarness();
    // A 429 is documented as not processed (a 5xx may have been applied, so that chat is kept: twilio-5xx.test.ts).
    h.twilio.failNext({ host: 'flex-api.twilio.com', path: '/v1/Interactions', status: 429 });
    h.telegram.addUser(ALICE);
    h.telegram.userSends(ALICE.id, 'Hello');
    await firstTask(h);
    const live = h.twilio.conversations();
    expect(live).toHaveLength(1);
    const halfMade = h.twilio.requests.find((r) => r.method === 'POST' && r.path.endsWith('/Participants'))!.path.split('/')[3];
    expect(halfMade).not.toBe(live[0]!.sid);
    expect(h.twilio.requests.some((r) => r.method === 'DELETE' && r.path === `/v1/Conversations/${halfMade}`)).toBe(true);
    expect(h.twilio.messages(live[0]!.sid).map((m) => m.body)).toEqual(['Hello']);
  });
});
