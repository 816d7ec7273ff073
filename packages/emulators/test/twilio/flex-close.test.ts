import twilio from 'twilio';
import { afterEach, describe, expect, it } from 'vitest';
import type { TwilioEmulator } from '../../src/twilio/emulator.js';
import { rejectionOf, settledChannel, startEmulator, WebhookReceiver, WORKFLOW_SID, WORKSPACE_SID } from './helpers.js';

type Client = ReturnType<typeof twilio>;

/**
 * How Flex's own close of a chat shows itself. Twilio documents neither whether it fires the
 * conversation's scoped webhooks nor which error a message post into the closed conversation answers,
 * so the emulator offers both: announced (webhooks, 409/50377) and `silentFlexClose` (none, a plain 400).
 */
describe('Twilio emulator: Flex closing a chat', () => {
  let emulator: TwilioEmulator;
  let client: Client;
  let receiver: WebhookReceiver;

  afterEach(async () => {
    await emulator.stop();
    await receiver.stop();
  });

  async function start(silentFlexClose: boolean) {
    ({ emulator, client } = await startEmulator({ silentFlexClose }));
    receiver = await new WebhookReceiver().start();
  }

  /** A routed customer chat whose scoped webhook listens to every event a bridge would want. */
  async function routedChat() {
    const conversations = client.conversations.v1.conversations;
    const { sid } = await conversations.create({ friendlyName: 'telegram:alice' });
    await conversations(sid).participants.create({ identity: 'telegram_42' });
    await conversations(sid).webhooks.create({
      target: 'webhook',
      'configuration.url': receiver.url(),
      'configuration.method': 'post',
      'configuration.filters': ['onConversationStateUpdated', 'onConversationUpdated'],
    });
    await conversations(sid).messages.create({ author: 'telegram_42', body: 'hello' });
    await client.flexApi.v1.interaction.create({
      channel: { type: 'chat', initiated_by: 'customer', properties: { media_channel_sid: sid } },
      routing: { properties: { workspace_sid: WORKSPACE_SID, workflow_sid: WORKFLOW_SID, task_channel_unique_name: 'chat' } },
    });
    await settledChannel(emulator, sid);
    emulator.acceptTask(emulator.tasks()[0]!.sid);
    return sid;
  }

  it('announced: End chat fires onConversationStateUpdated and onConversationUpdated, and a later post answers 409 / 50377', async () => {
    await start(false);
    const sid = await routedChat();

    emulator.endChat(sid);
    const [stateUpdated, updated] = await receiver.waitFor(2);

    expect(stateUpdated?.params).toMatchObject({ EventType: 'onConversationStateUpdated', StateTo: 'closed' });
    expect(updated?.params).toMatchObject({ EventType: 'onConversationUpdated', ConversationSid: sid, State: 'closed' });
    const late = await rejectionOf(client.conversations.v1.conversations(sid).messages.create({ author: 'telegram_42', body: 'late' }));
    expect(late).toMatchObject({ status: 409, code: 50377 });
  });

  it('silent: End chat fires no scoped webhook, a later post answers 400, and the conversation reads closed', async () => {
    await start(true);
    const sid = await routedChat();

    emulator.endChat(sid);
    const late = await rejectionOf(client.conversations.v1.conversations(sid).messages.create({ author: 'telegram_42', body: 'late' }));

    expect(late).toMatchObject({ status: 400, code: 400 });
    expect((await client.conversations.v1.conversations(sid).fetch()).state).toBe('closed');
    expect(emulator.tasks()[0]?.status).toBe('wrapping');
    expect(emulator.messages(sid).map((m) => m.body)).toEqual(['hello']);
    // Nothing came, and nothing is on its way: the sender has no delivery for this conversation at all.
    expect(receiver.received).toEqual([]);
    expect(emulator.webhookDeliveries).toEqual([]);
  });

  it('silent: a close through the REST API with webhooks asked for still fires them (only Flex is silent)', async () => {
    await start(true);
    const sid = await routedChat();

    await client.conversations.v1.conversations(sid).update({ state: 'closed', xTwilioWebhookEnabled: 'true' });
    const [stateUpdated] = await receiver.waitFor(1);

    expect(stateUpdated?.params).toMatchObject({ EventType: 'onConversationStateUpdated', StateTo: 'closed' });
  });
});
