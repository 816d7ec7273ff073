import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskRecord, TwilioEmulator } from '../../src/twilio/emulator.js';
import { rejectionOf, startEmulator, WebhookReceiver } from './helpers.js';

type Client = ReturnType<typeof twilio>;

const WORKSPACE = 'WS0123456789abcdef0123456789abcdef';
const WORKFLOW = 'WW0123456789abcdef0123456789abcdef';

describe('Twilio emulator: Flex Interactions and agents', () => {
  let emulator: TwilioEmulator;
  let client: Client;
  let receiver: WebhookReceiver;

  beforeEach(async () => {
    ({ emulator, client } = await startEmulator());
    receiver = await new WebhookReceiver().start();
  });
  afterEach(async () => {
    await emulator.stop();
    await receiver.stop();
  });

  const conversations = () => client.conversations.v1.conversations;

  /**
   * A customer's conversation as a bridge opens it before creating the Interaction, which needs the customer
   * already in the conversation (https://www.twilio.com/docs/flex/developer/conversations/interactions-api/interactions).
   */
  async function customerConversation(identity = 'telegram_42') {
    const { sid } = await conversations().create({ friendlyName: 'telegram:alice' });
    await conversations()(sid).participants.create({ identity });
    await conversations()(sid).webhooks.create({
      target: 'webhook',
      'configuration.url': receiver.url(),
      'configuration.method': 'post',
      'configuration.filters': ['onMessageAdded', 'onConversationStateUpdated'],
    });
    await conversations()(sid).messages.create({ author: identity, body: 'hello' });
    return sid;
  }

  function createInteraction(conversationSid: string) {
    return client.flexApi.v1.interaction.create({
      channel: { type: 'chat', initiated_by: 'customer', properties: { media_channel_sid: conversationSid } },
      routing: {
        properties: {
          workspace_sid: WORKSPACE,
          workflow_sid: WORKFLOW,
          task_channel_unique_name: 'chat',
          attributes: { from: 'telegram:alice', customerName: 'Alice' },
        },
      },
    });
  }

  it('creates an interaction (200, KD…) with an active channel and a pending task carrying Flex attributes', async () => {
    const conversationSid = await customerConversation();
    const createdTask = new Promise<TaskRecord>((resolve) => emulator.events.once('task', resolve));

    const interaction = await createInteraction(conversationSid);

    expect(interaction.sid).toMatch(/^KD[0-9a-f]{32}$/);
    expect(emulator.requests.at(-1)?.params.Channel).toBe(
      JSON.stringify({ type: 'chat', initiated_by: 'customer', properties: { media_channel_sid: conversationSid } }),
    );
    const [channel] = await client.flexApi.v1.interaction(interaction.sid).channels.list();
    expect(channel?.sid).toMatch(/^UO[0-9a-f]{32}$/);
    expect(channel).toMatchObject({ interactionSid: interaction.sid, type: 'chat', status: 'active' });
    expect((await client.flexApi.v1.interaction(interaction.sid).channels(channel?.sid ?? '').fetch()).status).toBe(
      'active',
    );

    const [task] = emulator.tasks();
    expect(task?.sid).toMatch(/^WT[0-9a-f]{32}$/);
    expect(task).toMatchObject({
      conversationSid,
      status: 'pending',
      workspaceSid: WORKSPACE,
      workflowSid: WORKFLOW,
      taskChannel: 'chat',
      attributes: {
        from: 'telegram:alice',
        customerName: 'Alice',
        conversationSid,
        channelType: 'chat',
        flexInteractionSid: interaction.sid,
        flexInteractionChannelSid: channel?.sid,
        direction: 'inbound',
      },
    });
    expect(await createdTask).toEqual(task);
  });

  it('refuses a customer interaction whose conversation has no participant, or does not exist', async () => {
    const { sid: empty } = await conversations().create({});

    const noParticipant = await rejectionOf(createInteraction(empty));
    const unknown = await rejectionOf(createInteraction('CH00000000000000000000000000000000'));

    expect(noParticipant).toMatchObject({ status: 400 });
    expect(unknown).toMatchObject({ status: 400 });
    expect(emulator.tasks()).toEqual([]);
  });

  it('closing the interaction channel over REST closes the conversation, fires the state webhook and wraps the task', async () => {
    const conversationSid = await customerConversation();
    const interaction = await createInteraction(conversationSid);
    const [channel] = await client.flexApi.v1.interaction(interaction.sid).channels.list();

    const closed = await client.flexApi.v1
      .interaction(interaction.sid)
      .channels(channel?.sid ?? '')
      .update({ status: 'closed' });
    const [stateUpdate] = await receiver.waitFor(1);

    expect(closed.status).toBe('closed');
    expect(stateUpdate?.params).toMatchObject({ EventType: 'onConversationStateUpdated', StateTo: 'closed' });
    expect((await conversations()(conversationSid).fetch()).state).toBe('closed');
    expect(emulator.tasks()[0]?.status).toBe('wrapping');
  });

  it('completes the tasks when the channel is closed with Routing status closed', async () => {
    const conversationSid = await customerConversation();
    const interaction = await createInteraction(conversationSid);
    const [channel] = await client.flexApi.v1.interaction(interaction.sid).channels.list();

    await client.flexApi.v1
      .interaction(interaction.sid)
      .channels(channel?.sid ?? '')
      .update({ status: 'closed', routing: { status: 'closed' } });

    expect(emulator.tasks()[0]?.status).toBe('completed');
  });

  it('lets an agent accept, reply, end the chat and finish wrap-up', async () => {
    const conversationSid = await customerConversation();
    await createInteraction(conversationSid);
    const taskSid = emulator.tasks()[0]?.sid ?? '';

    const accepted = emulator.acceptTask(taskSid);
    const participants = await conversations()(conversationSid).participants.list();
    emulator.agentSend(conversationSid, 'Hello Alice, how can I help?');
    emulator.endChat(conversationSid);
    const [reply, ended] = await receiver.waitFor(2);

    expect(accepted).toMatchObject({ status: 'accepted', agentIdentity: 'agent_alice' });
    expect(participants.map((p) => p.identity)).toEqual(['telegram_42', 'agent_alice']);
    expect(reply?.params).toMatchObject({ Author: 'agent_alice', Source: 'SDK', ClientIdentity: 'agent_alice' });
    expect(ended?.params).toMatchObject({ StateFrom: 'active', StateTo: 'closed', Reason: 'API' });
    expect(emulator.tasks()[0]?.status).toBe('wrapping');
    expect(emulator.completeTask(taskSid).status).toBe('completed');
    const late = await rejectionOf(conversations()(conversationSid).messages.create({ body: 'late' }));
    expect(late).toMatchObject({ status: 409, code: 50377 });
  });

  it('refuses to accept a task twice', async () => {
    const conversationSid = await customerConversation();
    await createInteraction(conversationSid);
    const taskSid = emulator.tasks()[0]?.sid ?? '';
    emulator.acceptTask(taskSid);

    expect(() => emulator.acceptTask(taskSid, 'agent_bob')).toThrow(/is accepted, not pending/);
  });

  it('runs Send to Flex for a studio webhook when a message fires it, then removes the webhook', async () => {
    const { sid } = await conversations().create({ friendlyName: 'discord:bob' });
    await conversations()(sid).participants.create({ identity: 'discord_7' });
    await conversations()(sid).webhooks.create({
      target: 'studio',
      'configuration.flowSid': 'FW0123456789abcdef0123456789abcdef',
      'configuration.filters': ['onMessageAdded'],
    });

    await conversations()(sid).messages.create({ author: 'discord_7', body: 'no header: Studio does not see it' });
    expect(emulator.tasks()).toEqual([]);
    await conversations()(sid).messages.create({ author: 'discord_7', body: 'hi', xTwilioWebhookEnabled: 'true' });

    expect(emulator.tasks()).toEqual([
      expect.objectContaining({
        conversationSid: sid,
        status: 'pending',
        workspaceSid: emulator.account.workspaceSid,
        attributes: expect.objectContaining({ from: 'discord_7', conversationSid: sid }),
      }),
    ]);
    expect(await conversations()(sid).webhooks.list()).toEqual([]);
  });

  it('emits request, message, task and state events', async () => {
    const seen: string[] = [];
    for (const name of ['request', 'message', 'task', 'state'] as const) {
      emulator.events.on(name, () => seen.push(name));
    }

    const conversationSid = await customerConversation();
    await createInteraction(conversationSid);
    emulator.endChat(conversationSid);

    expect(seen.filter((name) => name === 'request')).toHaveLength(5);
    expect(seen.filter((name) => name !== 'request')).toEqual(['message', 'task', 'task', 'state']);
  });
});
