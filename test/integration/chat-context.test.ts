import { afterEach, describe, expect, it } from 'vitest';
import { createTwilioClient } from '../../src/flex/twilio-client.js';
import { startHarness, startHarnessWithDiscord, WORKSPACE_SID, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const EXTRA = JSON.stringify({ brand: 'acme', language: 'en', conversations: { conversation_label_1: 'bots' } });
const DORA = { id: 5012345678, username: 'dora', first_name: 'Dora', last_name: 'Klein', language_code: 'de' };

const taskNumber = (harness: Harness, n: number) => eventually(() => harness.twilio.tasks()[n - 1], `Flex task ${n}`);

/** Tasks whose attributes match a TaskRouter expression, asked through TaskRouter's REST API as a workflow would select them. */
async function tasksMatching(harness: Harness, expression: string): Promise<string[]> {
  const client = createTwilioClient({
    accountSid: harness.config.TWILIO_ACCOUNT_SID,
    authToken: harness.config.TWILIO_AUTH_TOKEN,
    apiBaseUrl: harness.config.TWILIO_API_BASE_URL,
  });
  const tasks = await client.taskrouter.v1.workspaces(WORKSPACE_SID).tasks.list({ evaluateTaskAttributes: expression });
  return tasks.map((t) => t.sid);
}

describe('what Flex learns about a customer (Conversations)', () => {
  it('Telegram: name, language, the /start deep-link payload and the operator\'s attributes reach the task, the conversation and the participant', async () => {
    h = await startHarness({ FLEX_TASK_ATTRIBUTES: EXTRA });
    const harness = h;
    harness.telegram.addUser(DORA);
    harness.telegram.userSends(DORA.id, '/start order_42');
    await harness.telegram.waitForMessages(DORA.id, 1); // the greeting; the payload is kept for the chat
    harness.telegram.userSends(DORA.id, 'Where is my parcel?');
    const task = await taskNumber(harness, 1);

    expect(task.attributes).toMatchObject({
      from: 'telegram:dora',
      customerName: 'Dora Klein',
      network: 'telegram',
      language: 'de', // the customer's own language wins over the operator's constant
      startPayload: 'order_42',
      brand: 'acme',
      conversations: { communication_channel: 'Telegram', language: 'de', initiated_by: 'Customer', direction: 'Inbound', conversation_label_1: 'bots' },
      customers: { name: 'Dora Klein', external_id: 'telegram_5012345678' },
    });
    expect(task.attributes).not.toHaveProperty('earlierChats');
    expect(await tasksMatching(harness, 'startPayload == "order_42"')).toEqual([task.sid]);
    expect(await tasksMatching(harness, 'conversations.language == "de"')).toEqual([task.sid]);

    const conversation = harness.twilio.conversations().find((c) => c.sid === task.conversationSid)!;
    expect(JSON.parse(conversation.attributes)).toMatchObject({ network: 'telegram', customerName: 'Dora Klein', language: 'de', startPayload: 'order_42', brand: 'acme' });
    const customer = conversation.participants.find((p) => p.identity === 'telegram_5012345678')!;
    expect(JSON.parse(customer.attributes)).toEqual({ friendlyName: 'Dora Klein' });
  });

  it('Telegram: a returning customer\'s task names their earlier chat, the agent is told in the chat, and the payload went with the first chat only', async () => {
    h = await startHarness({ RETURNING_CUSTOMER_NOTICE: 'Returning customer (earlier chats: {count}), last: {previous}' });
    const harness = h;
    harness.telegram.addUser(DORA);
    harness.telegram.userSends(DORA.id, '/start order_42');
    await harness.telegram.waitForMessages(DORA.id, 1);
    harness.telegram.userSends(DORA.id, 'Where is my parcel?');
    const first = await taskNumber(harness, 1);
    expect(first.attributes).toMatchObject({ startPayload: 'order_42' });
    harness.twilio.endChat(first.conversationSid);
    await eventually(async () => (await harness.app.store.currentMapping({ network: 'telegram', externalUserId: String(DORA.id) })) === undefined, 'the first chat ended');

    harness.telegram.userSends(DORA.id, 'It still has not come');
    const second = await taskNumber(harness, 2);
    expect(second.attributes).toMatchObject({ earlierChats: 1, previousConversationSid: first.conversationSid, language: 'de' });
    expect(second.attributes).not.toHaveProperty('startPayload');
    expect(typeof second.attributes.previousChatEndedAt).toBe('string');

    const bodies = () => harness.twilio.messages(second.conversationSid).map((m) => `${m.author}: ${m.body}`);
    await eventually(() => bodies().length === 2, 'the notice in the new chat');
    expect(bodies()).toEqual([
      'telegram_5012345678: It still has not come',
      `flex-bridge: Returning customer (earlier chats: 1), last: ${first.conversationSid}`,
    ]);
    expect(harness.telegram.messagesTo(DORA.id).map((m) => m.text)).toHaveLength(1); // the greeting only: the notice is for the agent
  });

  it('Telegram: with AGENT_NAME_PREFIX the customer sees who answers', async () => {
    h = await startHarness({ AGENT_NAME_PREFIX: '{agent}: ' });
    const harness = h;
    harness.telegram.addUser(DORA);
    harness.telegram.userSends(DORA.id, 'Hello');
    const task = await taskNumber(harness, 1);
    harness.twilio.agentSend(task.conversationSid, 'Hi Dora, how can I help?'); // agent_alice, named Alice in Flex
    harness.twilio.agentSend(task.conversationSid, 'One moment please.');
    await harness.telegram.waitForMessages(DORA.id, 2);
    expect(harness.telegram.messagesTo(DORA.id).map((m) => m.text)).toEqual(['Alice: Hi Dora, how can I help?', 'Alice: One moment please.']);
  });

  it('Discord: the display name, and the operator\'s language for a network that names none', async () => {
    const started = await startHarnessWithDiscord({ FLEX_TASK_ATTRIBUTES: EXTRA });
    h = started.h;
    const harness = h;
    const { discord } = started;
    discord.addUser({ id: '110000000000000041', username: 'eve', global_name: 'Eve Adams' });
    discord.userSendsDm('110000000000000041', 'Hello from Discord');
    const task = await taskNumber(harness, 1);
    expect(task.attributes).toMatchObject({
      from: 'discord:eve',
      customerName: 'Eve Adams',
      network: 'discord',
      language: 'en',
      brand: 'acme',
      conversations: { communication_channel: 'Discord', conversation_label_1: 'bots' },
      customers: { name: 'Eve Adams', external_id: 'discord_110000000000000041' },
    });
    expect(task.attributes).not.toHaveProperty('startPayload');
    const conversation = harness.twilio.conversations().find((c) => c.sid === task.conversationSid)!;
    const customer = conversation.participants.find((p) => p.identity === 'discord_110000000000000041')!;
    expect(JSON.parse(customer.attributes)).toEqual({ friendlyName: 'Eve Adams' });
  });
});
