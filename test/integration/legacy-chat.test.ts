import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import type { InboundMessage } from '../../src/core/messages.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLegacyFlexFlow } from '../../src/flex/legacy-chat-flow.js';
import { createTwilioClient } from '../../src/flex/twilio-client.js';
import { createLogger } from '../../src/log.js';
import { startSandbox, type Sandbox } from '@flex-bridge/emulators';
import type { RequestRecord } from '@flex-bridge/emulators';
import { twilioSignature } from '@flex-bridge/emulators';
import { failOnTwilioContractViolations, tempDatabaseUrl, WITHOUT_CHAT_NOTICES, WORKSPACE_SID } from '../support/harness.js';
import { freePort } from '@flex-bridge/emulators';
import { eventually } from '../support/wait.js';

const STUDIO_FLOW = `FW${'5'.repeat(32)}`;
const ALICE = { id: 5012345678, username: 'alice', first_name: 'Alice', last_name: 'Liddell' };
const BOB = { id: 5012345679, username: 'bob', first_name: 'Bob' };
const MESSAGES_PATH = '/flex/legacy-chat/messages';
const CHANNEL_UPDATES_PATH = '/flex/legacy-chat/channel-updates';

interface LegacyRig {
  readonly box: Sandbox;
  readonly config: Config;
  readonly app: RunningApp;
  readonly flowSid: string;
  /** The bridge's log lines (pino JSON). */
  readonly logs: string[];
}

let rig: LegacyRig | undefined;
afterEach(async () => {
  await rig?.app.stop(1000);
  await rig?.box.stop();
  const twilio = rig?.box.twilio;
  rig = undefined;
  if (twilio) failOnTwilioContractViolations(twilio);
});

/**
 * The emulators, a Flex Flow made the way `flex-bridge setup` makes it, and a bridge in legacy-chat
 * mode on it. (The shared harness takes its settings before the emulator exists to create the flow.)
 */
async function startLegacyBridge(env: Record<string, string> = {}, clock?: () => number): Promise<LegacyRig> {
  const [box, port] = await Promise.all([startSandbox(), freePort()]);
  const client = createTwilioClient({
    accountSid: box.env.TWILIO_ACCOUNT_SID!,
    authToken: box.env.TWILIO_AUTH_TOKEN!,
    apiBaseUrl: box.env.TWILIO_API_BASE_URL,
  });
  const chatServiceSid = box.twilio.account.chatServiceSid;
  const flowSid = await createLegacyFlexFlow(client, {
    friendlyName: 'flex-bridge test',
    chatServiceSid,
    studioFlowSid: STUDIO_FLOW,
    contactIdentity: 'flex-bridge',
  });
  const config = loadConfig({
    ...box.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: tempDatabaseUrl(),
    FLEX_MODE: 'legacy-chat',
    FLEX_FLOW_SID: flowSid,
    FLEX_CHAT_SERVICE_SID: chatServiceSid,
    FLEX_WORKSPACE_SID: '',
    ...WITHOUT_CHAT_NOTICES,
    ...env,
  });
  const logs: string[] = [];
  const log = createLogger({ level: 'info', secrets: [config.TWILIO_AUTH_TOKEN], destination: { write: (line) => void logs.push(line) } });
  rig = { box, config, app: await startApp(config, log, { clock }), flowSid, logs };
  return rig;
}

/** What the bridge asked of Flex and Chat after setup, as `METHOD host path`. */
function bridgeRequests(r: LegacyRig): RequestRecord[] {
  return r.box.twilio.requests.filter((q) => q.path !== '/v1/FlexFlows');
}

/** Someone else using the account's REST API (a Flex plugin, a script). */
function restClient(r: LegacyRig) {
  return createTwilioClient({
    accountSid: r.config.TWILIO_ACCOUNT_SID,
    authToken: r.config.TWILIO_AUTH_TOKEN,
    apiBaseUrl: r.config.TWILIO_API_BASE_URL,
  });
}

const chatChannel = (r: LegacyRig, sid: string) => restClient(r).chat.v2.services(r.config.FLEX_CHAT_SERVICE_SID!).channels(sid);

const describeRequest = (q: RequestRecord) => `${q.method} ${q.host}${q.path}`;

async function chatTask(r: LegacyRig, channelSid?: string) {
  return eventually(
    () => r.box.twilio.legacyChat.tasks().find((t) => channelSid === undefined || t.channelSid === channelSid),
    'a Flex task for a chat channel',
  );
}

async function channelBodies(r: LegacyRig, channelSid: string, count: number) {
  return eventually(() => {
    const bodies = r.box.twilio.legacyChat.messages(channelSid).map((m) => m.body);
    return bodies.length >= count ? bodies : undefined;
  }, `${count} message(s) in channel ${channelSid}`);
}

/**
 * Alice's chat, open with its task accepted, once every webhook call so far has been answered or has failed,
 * so a webhook fault armed now hits the next event.
 */
async function aliceChatsQuietly() {
  const r = await startLegacyBridge();
  r.box.telegram.addUser(ALICE);
  r.box.telegram.userSends(ALICE.id, 'Hello');
  const { sid, channelSid } = await chatTask(r);
  // The agent joins now (onMemberAdded), not with their first message.
  r.box.twilio.legacyChat.acceptTask(sid);
  await eventually(() => r.box.twilio.webhookDeliveries.every((d) => d.durationMs !== null), 'webhook calls in flight to finish');
  return { r, channelSid };
}

/** A webhook as Twilio would send it, signed with `token` over `signedUrl` (defaults: the auth token, `url`). */
function postWebhook(url: string, params: Record<string, string>, opts: { token?: string; signedUrl?: string } = {}) {
  const token = opts.token ?? rig!.config.TWILIO_AUTH_TOKEN;
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(token, opts.signedUrl ?? url, params),
    },
    body: new URLSearchParams(params),
  });
}

describe('legacy-chat mode: Telegram customer ↔ Flex Channel + Programmable Chat agent', () => {
  it('opens a chat with exactly the requests of the custom-chat flow, and Studio makes the task', async () => {
    const r = await startLegacyBridge();
    r.box.telegram.addUser(ALICE);
    r.box.telegram.userSends(ALICE.id, 'Hello, my order is late');
    const task = await chatTask(r);
    const sid = task.channelSid;
    const base = r.config.PUBLIC_BASE_URL;
    const chat = `chat.twilio.com/v2/Services/${r.config.FLEX_CHAT_SERVICE_SID}/Channels/${sid}`;

    const requests = bridgeRequests(r);
    expect(requests.map(describeRequest)).toEqual([
      'POST flex-api.twilio.com/v1/Channels',
      `GET ${chat}/Webhooks`,
      `POST ${chat}/Webhooks`,
      `POST ${chat}/Webhooks`,
      `POST ${chat}/Webhooks`,
      `POST ${chat}/Messages`,
    ]);
    const [open, , onMessageSent, onChannelUpdated, onMemberAdded, message] = requests;
    expect(open!.params).toEqual({
      FlexFlowSid: r.flowSid,
      Identity: 'telegram_5012345678',
      ChatUserFriendlyName: 'Alice Liddell',
      ChatFriendlyName: 'telegram:alice',
      Target: 'telegram:alice',
      PreEngagementData: JSON.stringify({ network: 'telegram', handle: 'telegram:alice', customerName: 'Alice Liddell' }),
    });
    expect(onMessageSent!.params).toEqual({
      Type: 'webhook',
      'Configuration.Url': `${base}${MESSAGES_PATH}?channel=${sid}`,
      'Configuration.Method': 'POST',
      'Configuration.Filters': 'onMessageSent',
      'Configuration.RetryCount': '3',
    });
    expect(onChannelUpdated!.params).toEqual({
      Type: 'webhook',
      'Configuration.Url': `${base}${CHANNEL_UPDATES_PATH}`,
      'Configuration.Method': 'POST',
      'Configuration.Filters': 'onChannelUpdated',
      'Configuration.RetryCount': '3',
    });
    expect(onMemberAdded!.params).toEqual({
      Type: 'webhook',
      'Configuration.Url': `${base}${CHANNEL_UPDATES_PATH}`,
      'Configuration.Method': 'POST',
      'Configuration.Filters': 'onMemberAdded',
      'Configuration.RetryCount': '3',
    });
    expect(message!.params).toEqual({
      From: 'telegram_5012345678',
      Body: 'Hello, my order is late',
      Attributes: expect.stringMatching(/^\{"flexBridgeId":"telegram:[\d:]+"\}$/),
    });
    expect(message!.headers['x-twilio-webhook-enabled']).toBe('true');
    expect(task).toMatchObject({ studioFlowSid: STUDIO_FLOW, attributes: { channelSid: sid, name: 'telegram:alice', channelType: 'custom' } });

    r.box.telegram.userSends(ALICE.id, 'Order 1234');
    expect(await channelBodies(r, sid, 2)).toEqual(['Hello, my order is late', 'Order 1234']);
    const later = await eventually(() => {
      const since = bridgeRequests(r).slice(requests.length);
      return since.length >= 2 ? since : undefined;
    }, 'the post and the read of the channel');
    // The channel is read after the post: its attributes say whether the chat had ended unseen.
    expect(later.map(describeRequest)).toEqual([`POST ${chat}/Messages`, `GET ${chat}`]);
    expect(later[0]!.params).toMatchObject({ From: 'telegram_5012345678', Body: 'Order 1234' });
    expect(later[0]!.headers['x-twilio-webhook-enabled']).toBe('true');
    expect(r.box.twilio.legacyChat.tasks()).toHaveLength(1);
  });

  it("gives Flex the customer's language, /start payload, earlier chats and the operator's attributes as the channel's pre-engagement data", async () => {
    const r = await startLegacyBridge({ FLEX_TASK_ATTRIBUTES: '{"brand":"acme"}' });
    r.box.telegram.addUser({ ...ALICE, language_code: 'fr' });
    r.box.telegram.userSends(ALICE.id, '/start order_42');
    await r.box.telegram.waitForMessages(ALICE.id, 1);
    r.box.telegram.userSends(ALICE.id, 'Bonjour');
    const first = await chatTask(r);
    const preEngagement = (sid: string) => JSON.parse(r.box.twilio.legacyChat.channels().find((c) => c.sid === sid)!.attributes).pre_engagement_data;
    expect(preEngagement(first.channelSid)).toEqual({
      brand: 'acme',
      network: 'telegram',
      handle: 'telegram:alice',
      customerName: 'Alice Liddell',
      language: 'fr',
      startPayload: 'order_42',
    });

    r.box.twilio.legacyChat.endChat(first.channelSid);
    await eventually(async () => (await r.app.store.currentMapping({ network: 'telegram', externalUserId: String(ALICE.id) })) === undefined, 'the chat ended');
    r.box.telegram.userSends(ALICE.id, 'Encore moi');
    const second = await eventually(() => r.box.twilio.legacyChat.tasks().find((t) => t.channelSid !== first.channelSid), 'a second task');
    expect(preEngagement(second.channelSid)).toMatchObject({ language: 'fr', earlierChats: 1, previousConversationSid: first.channelSid });
    expect(preEngagement(second.channelSid)).not.toHaveProperty('startPayload');
  });

  it("names the agent before each answer with AGENT_NAME_PREFIX, from the agent's chat user", async () => {
    const r = await startLegacyBridge({ AGENT_NAME_PREFIX: '{agent}: ' });
    r.box.telegram.addUser(ALICE);
    r.box.telegram.userSends(ALICE.id, 'Hello');
    const { channelSid } = await chatTask(r);
    r.box.twilio.legacyChat.agentSend(channelSid, 'Hi Alice, let me check.'); // agent_alice, named Alice in Flex
    await r.box.telegram.waitForMessages(ALICE.id, 1);
    expect(r.box.telegram.messagesTo(ALICE.id).map((m) => m.text)).toEqual(['Alice: Hi Alice, let me check.']);
  });

  it('sends an agent message that starts with a Markdown quote of a customer message as a native reply, without the quote', async () => {
    const r = await startLegacyBridge();
    r.box.telegram.addUser(ALICE);
    const question = r.box.telegram.userSends(ALICE.id, 'Can I pay by card?');
    const { channelSid } = await chatTask(r);
    await eventually(() => r.app.store.messageLinkByExternalId('telegram', `${ALICE.id}:${question.message_id}`), 'the message linked');
    r.box.twilio.legacyChat.agentSend(channelSid, '> Can I pay by card?\nYes, every major card.');
    const [answer] = await r.box.telegram.waitForMessages(ALICE.id, 1);
    expect(answer).toMatchObject({ text: 'Yes, every major card.', reply_to_message: { message_id: question.message_id } });
  });

  it('forwards what the agent types (Source=SDK) and what a bot posts (Source=API), never the bridge’s own posts', async () => {
    const r = await startLegacyBridge();
    r.box.telegram.addUser(ALICE);
    r.box.telegram.userSends(ALICE.id, 'Hello');
    const { channelSid } = await chatTask(r);
    r.box.twilio.legacyChat.agentSend(channelSid, 'Hi Alice, let me check.');
    const [reply] = await r.box.telegram.waitForMessages(ALICE.id, 1);
    expect(reply!.text).toBe('Hi Alice, let me check.');

    r.box.telegram.userSends(ALICE.id, 'Thanks');
    const echo = await eventually(
      () => r.box.twilio.webhookDeliveries.find((d) => d.params.Body === 'Thanks' && d.statusCode !== null),
      'the echo of the customer post to be answered',
    );
    expect(echo.params).toMatchObject({ EventType: 'onMessageSent', Source: 'API', From: 'telegram_5012345678' });
    expect(echo.statusCode).toBe(200);
    // Studio's widgets and bots post over REST (Source=API) too: told apart from our own posts by From.
    await chatChannel(r, channelSid).messages.create({ from: 'studio_bot', body: 'posted over REST', xTwilioWebhookEnabled: 'true' });
    await r.box.telegram.waitForMessages(ALICE.id, 2);
    await chatChannel(r, channelSid).messages.create({ from: r.config.FLEX_BRIDGE_IDENTITY, body: 'a bridge notice', xTwilioWebhookEnabled: 'true' });
    await eventually(
      () => r.box.twilio.webhookDeliveries.some((d) => d.params.Body === 'a bridge notice' && d.statusCode === 200),
      'the notice echo to be answered',
    );
    await r.app.worker.stop(2000);
    expect(r.box.telegram.messagesTo(ALICE.id).map((m) => m.text)).toEqual(['Hi Alice, let me check.', 'posted over REST']);
  });

  it('ends only the channel that went INACTIVE; that customer’s next message opens a new channel', async () => {
    const r = await startLegacyBridge();
    r.box.telegram.addUser(ALICE);
    r.box.telegram.addUser(BOB);
    r.box.telegram.userSends(ALICE.id, 'Alice here');
    r.box.telegram.userSends(BOB.id, 'Bob here');
    await eventually(() => r.box.twilio.legacyChat.tasks().length === 2, 'two tasks');
    const channelOf = (target: string) => r.box.twilio.legacyChat.channels().find((c) => JSON.parse(c.attributes).from === target)!.sid;
    const aliceFirst = channelOf('telegram:alice');
    const bobs = channelOf('telegram:bob');

    r.box.twilio.legacyChat.endChat(aliceFirst);
    await eventually(
      () => r.box.twilio.webhookDeliveries.some((d) => d.params.EventType === 'onChannelUpdated' && d.statusCode === 200),
      'the channel update to be answered',
    );
    const conversations = await r.app.store.listMappings();
    expect(conversations.map((c) => [c.handle, c.status]).sort()).toEqual([
      ['telegram:alice', 'ended'],
      ['telegram:bob', 'active'],
    ]);

    r.box.telegram.userSends(ALICE.id, 'one more question');
    r.box.telegram.userSends(BOB.id, 'still here');
    const aliceSecond = await eventually(
      () => r.box.twilio.legacyChat.channels().find((c) => c.sid !== aliceFirst && c.sid !== bobs)?.sid,
      'a new channel for Alice',
    );
    expect(await channelBodies(r, aliceSecond, 1)).toEqual(['one more question']);
    expect(await channelBodies(r, bobs, 2)).toEqual(['Bob here', 'still here']);
    expect(r.box.twilio.legacyChat.messages(aliceFirst).map((m) => m.body)).toEqual(['Alice here']);

    r.box.twilio.legacyChat.agentSend(bobs, 'Bob, still with you');
    expect((await r.box.telegram.waitForMessages(BOB.id, 1))[0]!.text).toBe('Bob, still with you');
  });

  it('gets an agent message whose first webhook calls failed: Chat retries them (RetryCount 3)', async () => {
    const { r, channelSid } = await aliceChatsQuietly();
    r.box.twilio.loseNextWebhooks(2);
    const sent = r.box.twilio.legacyChat.agentSend(channelSid, 'Third call lucky');

    expect((await r.box.telegram.waitForMessages(ALICE.id, 1))[0]!.text).toBe('Third call lucky');
    const calls = r.box.twilio.webhookDeliveries.filter((d) => d.messageSid === sent.sid);
    expect(calls.map((d) => [d.params.RetryCount, d.statusCode])).toEqual([
      ['0', null],
      ['1', null],
      ['2', 200],
    ]);
  });

  it('reads the channel back when the customer writes next, and finds an agent message whose webhook was lost for good', async () => {
    const { r, channelSid } = await aliceChatsQuietly();
    r.box.twilio.legacyChat.loseNextWebhookEvents(1);
    r.box.twilio.legacyChat.agentSend(channelSid, 'Your refund is on its way');
    await eventually(() => r.box.twilio.webhookDeliveries.filter((d) => d.params.Body === 'Your refund is on its way' && d.durationMs !== null).length === 4, 'all four calls lost');

    r.box.telegram.userSends(ALICE.id, 'Anyone there?');
    expect((await r.box.telegram.waitForMessages(ALICE.id, 1))[0]!.text).toBe('Your refund is on its way');
    await r.app.worker.stop(2000);
    expect(r.box.telegram.messagesTo(ALICE.id)).toHaveLength(1);
  });

  it('opens a new chat for a message posted into a channel that went INACTIVE while its onChannelUpdated was lost', async () => {
    const { r, channelSid: first } = await aliceChatsQuietly();
    r.box.twilio.legacyChat.loseNextWebhookEvents(1);
    r.box.twilio.legacyChat.endChat(first);
    await eventually(() => r.box.twilio.webhookDeliveries.filter((d) => d.eventType === 'onChannelUpdated' && d.durationMs !== null).length === 4, 'all four calls lost');
    expect((await r.app.store.mappingByFlexSid(first))?.status).toBe('active');

    r.box.telegram.userSends(ALICE.id, 'One more question');
    const second = await eventually(() => r.box.twilio.legacyChat.channels().find((c) => c.sid !== first)?.sid, 'a new channel');
    expect(await channelBodies(r, second, 1)).toEqual(['One more question']);
    expect((await chatTask(r, second)).channelSid).toBe(second);
    expect((await r.app.store.mappingByFlexSid(first))?.status).toBe('ended');
    r.box.twilio.legacyChat.agentSend(second, 'Hi again');
    expect((await r.box.telegram.waitForMessages(ALICE.id, 1))[0]!.text).toBe('Hi again');
  });

  it('tells the customer that the chat was received and, once the channel goes INACTIVE, that it ended', async () => {
    const r = await startLegacyBridge({ CHAT_OPENED_NOTICE: 'Thanks, we got your message.', CHAT_ENDED_NOTICE: 'This chat has ended.' });
    r.box.telegram.addUser(ALICE);
    r.box.telegram.userSends(ALICE.id, 'Hello');
    const { channelSid } = await chatTask(r);
    r.box.twilio.legacyChat.agentSend(channelSid, 'Hi Alice');
    await r.box.telegram.waitForMessages(ALICE.id, 2);
    r.box.twilio.legacyChat.endChat(channelSid);
    await r.box.telegram.waitForMessages(ALICE.id, 3);
    expect(r.box.telegram.messagesTo(ALICE.id).map((m) => m.text)).toEqual(['Thanks, we got your message.', 'Hi Alice', 'This chat has ended.']);
  });

  it('tells the customer by name when an agent accepts the task and joins the channel (onMemberAdded), once', async () => {
    const r = await startLegacyBridge({ AGENT_JOINED_NOTICE: '{agent} has joined the chat.' });
    r.box.telegram.addUser(ALICE);
    r.box.telegram.userSends(ALICE.id, 'Hello');
    const task = await chatTask(r);
    r.box.twilio.legacyChat.acceptTask(task.sid); // agent_alice, whose chat user Flex named Alice
    await r.box.telegram.waitForMessages(ALICE.id, 1);
    r.box.twilio.legacyChat.agentSend(task.channelSid, 'Hi, Alice from support here.');
    await r.box.telegram.waitForMessages(ALICE.id, 2);
    expect(r.box.telegram.messagesTo(ALICE.id).map((m) => m.text)).toEqual(['Alice has joined the chat.', 'Hi, Alice from support here.']);
    const joined = r.box.twilio.webhookDeliveries.filter((d) => d.eventType === 'onMemberAdded');
    expect(joined.map((d) => [d.params.Identity, d.statusCode])).toEqual([['agent_alice', 200]]);
  });

  it('/end marks the channel INACTIVE (keeping its other attributes), tells the agent in it and the customer; /transcript reads it back', async () => {
    const r = await startLegacyBridge({ CHAT_ENDED_NOTICE: 'The agent ended this chat.', CHAT_ENDED_BY_CUSTOMER_NOTICE: 'You ended the chat.' });
    r.box.telegram.addUser(ALICE);
    r.box.telegram.userSends(ALICE.id, 'Hello');
    const task = await chatTask(r);
    r.box.twilio.legacyChat.acceptTask(task.sid);
    r.box.twilio.legacyChat.agentSend(task.channelSid, 'How can I help?');
    await r.box.telegram.waitForMessages(ALICE.id, 1);
    r.box.telegram.userSends(ALICE.id, '/end');
    await r.box.telegram.waitForMessages(ALICE.id, 2);
    const channel = await eventually(
      () => r.box.twilio.legacyChat.channels().find((c) => c.sid === task.channelSid && JSON.parse(c.attributes).status === 'INACTIVE'),
      'the channel INACTIVE',
    );
    expect(JSON.parse(channel.attributes)).toEqual({
      from: 'telegram:alice',
      channel_type: 'custom',
      status: 'INACTIVE',
      long_lived: false,
      pre_engagement_data: { network: 'telegram', handle: 'telegram:alice', customerName: 'Alice Liddell' },
    });
    expect(r.box.twilio.legacyChat.messages(task.channelSid).map((m) => [m.from, m.body])).toEqual([
      ['telegram_5012345678', 'Hello'],
      ['agent_alice', 'How can I help?'],
      ['flex-bridge', 'ℹ️ The customer ended the chat.'],
    ]);
    await eventually(async () => (await r.app.store.outboxStats()).pending === 0, 'the outbox drained');
    expect(r.box.telegram.messagesTo(ALICE.id).map((m) => m.text)).toEqual(['How can I help?', 'You ended the chat.']);

    // The chat's transcript, read from the ended channel; the agent named by their chat user.
    r.box.telegram.userSends(ALICE.id, '/transcript');
    const [, , transcript] = await r.box.telegram.waitForMessages(ALICE.id, 3);
    expect(transcript!.text!.replace(/\[[^\]]+\] /g, '')).toBe(
      'Transcript of your chat with us (times in UTC):\n\nAlice Liddell: Hello\nAlice: How can I help?',
    );

    r.box.telegram.userSends(ALICE.id, 'A new question');
    await eventually(() => r.box.twilio.legacyChat.channels().length === 2, 'a new channel');
  });

  it('reuses the customer’s active channel and adds only the webhook it lacks', async () => {
    const r = await startLegacyBridge();
    const existing = await restClient(r).flexApi.v1.channel.create({
      flexFlowSid: r.flowSid,
      identity: 'telegram_5012345678',
      chatUserFriendlyName: 'Alice',
      chatFriendlyName: 'telegram:alice',
      target: 'telegram:alice',
    });
    const channel = chatChannel(r, existing.sid);
    await channel.webhooks.create({
      type: 'webhook',
      'configuration.url': `${r.config.PUBLIC_BASE_URL}${MESSAGES_PATH}?channel=${existing.sid}`,
      'configuration.method': 'POST',
      'configuration.filters': ['onMessageSent'],
    });
    const before = r.box.twilio.requests.length;

    r.box.telegram.addUser(ALICE);
    r.box.telegram.userSends(ALICE.id, 'Hello again');
    expect(await channelBodies(r, existing.sid, 1)).toEqual(['Hello again']);

    const added = r.box.twilio.requests.slice(before).filter((q) => q.method === 'POST' && q.path.endsWith('/Webhooks'));
    expect(added.map((q) => q.params['Configuration.Filters'])).toEqual(['onChannelUpdated', 'onMemberAdded']);
    const webhooks = (await channel.webhooks.list()).filter((w) => w.type === 'webhook');
    expect(webhooks.map((w) => w.configuration.filters).sort()).toEqual([['onChannelUpdated'], ['onMemberAdded'], ['onMessageSent']]);
    expect(r.box.twilio.legacyChat.channels()).toHaveLength(1);
  });

  it('keeps a half-opened channel and finishes it on the retry, posting the first message once', async () => {
    const r = await startLegacyBridge({ TWILIO_TIMEOUT_MS: '300' });
    r.box.twilio.hangNext({ host: 'chat.twilio.com', method: 'POST', path: /\/Messages$/, apply: true });
    r.box.telegram.addUser(ALICE);
    r.box.telegram.userSends(ALICE.id, 'Hello');
    const { channelSid } = await chatTask(r);
    await eventually(async () => (await r.app.store.currentMapping({ network: 'telegram', externalUserId: String(ALICE.id) }))?.status === 'active', 'the chat to open', 10_000);
    await r.app.worker.stop(2000);

    const requests = bridgeRequests(r);
    expect(requests.filter((q) => q.path === '/v1/Channels')).toHaveLength(2);
    expect(requests.some((q) => q.method === 'DELETE')).toBe(false);
    expect(requests.some((q) => q.method === 'GET' && q.path.endsWith('/Messages'))).toBe(true);
    expect(r.box.twilio.legacyChat.messages(channelSid).map((m) => m.body)).toEqual(['Hello']);
    expect(r.box.twilio.legacyChat.channels()).toEqual([expect.objectContaining({ sid: channelSid })]);
    expect(r.box.twilio.legacyChat.channels()[0]!.webhooks.filter((w) => w.type === 'webhook')).toHaveLength(3);
  });

  it('gives a Telegram and a Discord user with the same username different targets and channels', async () => {
    const r = await startLegacyBridge();
    r.box.telegram.addUser(ALICE);
    r.box.telegram.userSends(ALICE.id, 'hi from Telegram');
    const fromDiscord: InboundMessage = {
      network: 'discord',
      externalUserId: '80351110224678912',
      externalChatId: '1110000000000000001',
      username: 'alice',
      displayName: 'Alice (Discord)',
      externalMessageId: '1110000000000000002',
      text: 'hi from Discord',
      attachments: [],
      sentAt: new Date().toISOString(),
    };
    expect(await r.app.bridge.acceptCustomerMessage(fromDiscord)).toBe('accepted');
    await eventually(() => r.box.twilio.legacyChat.tasks().length === 2, 'two tasks');

    const opens = bridgeRequests(r).filter((q) => q.path === '/v1/Channels');
    expect(opens.map((q) => [q.params.Target, q.params.Identity]).sort()).toEqual([
      ['discord:alice', 'discord_80351110224678912'],
      ['telegram:alice', 'telegram_5012345678'],
    ]);
    const channels = r.box.twilio.legacyChat.channels();
    expect(channels).toHaveLength(2);
    expect(channels.map((c) => JSON.parse(c.attributes).from).sort()).toEqual(['discord:alice', 'telegram:alice']);
  });

  it('answers 400 with a log line to an onChannelUpdated whose Attributes is not JSON, and keeps the chat', async () => {
    const r = await startLegacyBridge();
    r.box.telegram.addUser(ALICE);
    r.box.telegram.userSends(ALICE.id, 'Hello');
    const { channelSid } = await chatTask(r);
    const url = `${r.config.PUBLIC_BASE_URL}${CHANNEL_UPDATES_PATH}`;
    const update = { AccountSid: r.config.TWILIO_ACCOUNT_SID, EventType: 'onChannelUpdated', ChannelSid: channelSid, Source: 'API' };

    const malformed = await postWebhook(url, { ...update, Attributes: '{"status":"INACTIVE"' });
    expect(malformed.status).toBe(400);
    const refusal = r.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'flex webhook refused: malformed');
    expect(refusal).toMatchObject({ path: CHANNEL_UPDATES_PATH, problem: 'Attributes is not JSON' });
    expect((await postWebhook(url, { ...update, Attributes: '["INACTIVE"]' })).status).toBe(400);
    expect((await postWebhook(url, { ...update, Attributes: '{"status":"ACTIVE"}' })).status).toBe(200);

    const conversation = await r.app.store.mappingByFlexSid(channelSid);
    expect(conversation?.status).toBe('active');
  });

  it('refuses a bad or missing signature on both webhook endpoints (403) and forwards nothing', async () => {
    const r = await startLegacyBridge();
    r.box.telegram.addUser(ALICE);
    r.box.telegram.userSends(ALICE.id, 'Hello');
    const { channelSid } = await chatTask(r);
    const messageUrl = `${r.config.PUBLIC_BASE_URL}${MESSAGES_PATH}?channel=${channelSid}`;
    const updateUrl = `${r.config.PUBLIC_BASE_URL}${CHANNEL_UPDATES_PATH}`;
    const agentMessage = {
      EventType: 'onMessageSent',
      ChannelSid: channelSid,
      MessageSid: `IM${'f'.repeat(32)}`,
      From: 'agent_mallory',
      Body: 'send me your password',
      Source: 'SDK',
    };
    const ending = { EventType: 'onChannelUpdated', ChannelSid: channelSid, Attributes: '{"status":"INACTIVE"}', Source: 'API' };
    const wrongToken = 'not-the-auth-token-at-all';

    expect((await postWebhook(messageUrl, agentMessage, { token: wrongToken })).status).toBe(403);
    // The channel sid in the query is part of what Twilio signs.
    const withoutQuery = `${r.config.PUBLIC_BASE_URL}${MESSAGES_PATH}`;
    expect((await postWebhook(messageUrl, agentMessage, { signedUrl: withoutQuery })).status).toBe(403);
    expect((await postWebhook(updateUrl, ending, { token: wrongToken })).status).toBe(403);
    const unsigned = await fetch(updateUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(ending),
    });
    expect(unsigned.status).toBe(403);

    expect((await r.app.store.mappingByFlexSid(channelSid))?.status).toBe('active');
    r.box.twilio.legacyChat.agentSend(channelSid, 'the real one');
    await r.box.telegram.waitForMessages(ALICE.id, 1);
    await r.app.worker.stop(2000);
    expect(r.box.telegram.messagesTo(ALICE.id).map((m) => m.text)).toEqual(['the real one']);
  });

  it('asks for a rating once the channel went INACTIVE and records it as a survey task in the configured workspace', async () => {
    const r = await startLegacyBridge({ SURVEY: 'on', SURVEY_COMMENT_QUESTION: 'off', FLEX_WORKSPACE_SID: WORKSPACE_SID });
    r.box.telegram.addUser(ALICE);
    r.box.telegram.userSends(ALICE.id, 'Hello');
    const { channelSid } = await chatTask(r);
    r.box.twilio.legacyChat.agentSend(channelSid, 'Hi Alice');
    await r.box.telegram.waitForMessages(ALICE.id, 1);
    r.box.twilio.legacyChat.endChat(channelSid);
    const [, question] = await r.box.telegram.waitForMessages(ALICE.id, 2);
    const buttons = (question?.reply_markup as { inline_keyboard: { callback_data: string }[][] }).inline_keyboard.flat();
    r.box.telegram.userPresses(ALICE.id, question?.message_id as number, (buttons[3] as { callback_data: string }).callback_data);
    const survey = await eventually(() => r.box.twilio.apiTasks().find((t) => t.status === 'canceled'), 'the survey task');
    expect(survey.attributes).toMatchObject({ type: 'survey', surveyOf: channelSid, rating: 4, from: 'telegram:alice' });
  });
});

describe('legacy chat after business hours', () => {
  it('holds a new chat until the opening, telling the customer once', async () => {
    let now = Date.parse('2026-12-14T07:59:59Z'); // Monday 08:59:59 in Berlin
    const r = await startLegacyBridge(
      { BUSINESS_HOURS: 'mon-fri 09:00-17:00', BUSINESS_TIMEZONE: 'Europe/Berlin', AFTER_HOURS_NOTICE: 'Closed until {opens}.' },
      () => now,
    );
    r.box.telegram.addUser(ALICE);
    r.box.telegram.userSends(ALICE.id, 'Hello');
    await r.box.telegram.waitForMessages(ALICE.id, 1);
    expect(r.box.twilio.legacyChat.channels()).toEqual([]);
    now = Date.parse('2026-12-14T08:00:00Z');
    const task = await chatTask(r);
    expect(await channelBodies(r, task.channelSid, 1)).toEqual(['Hello']);
    expect(r.box.telegram.messagesTo(ALICE.id).map((m) => m.text)).toEqual(['Closed until Monday 14 December at 09:00 CET.']);
  });
});
