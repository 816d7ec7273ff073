import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskRecord, TwilioEmulator } from '../../src/twilio/emulator.js';
import { rejectionOf, settledChannel, startEmulator, WebhookReceiver, WORKFLOW_SID, WORKSPACE_SID } from './helpers.js';

type Client = ReturnType<typeof twilio>;

const WORKSPACE = WORKSPACE_SID;
const WORKFLOW = WORKFLOW_SID;

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

  function createInteraction(conversationSid: string, routing: { workflow?: string; taskChannel?: string } = {}) {
    return client.flexApi.v1.interaction.create({
      channel: { type: 'chat', initiated_by: 'customer', properties: { media_channel_sid: conversationSid } },
      routing: {
        properties: {
          workspace_sid: WORKSPACE,
          workflow_sid: routing.workflow ?? WORKFLOW,
          task_channel_unique_name: routing.taskChannel ?? 'chat',
          attributes: { from: 'telegram:alice', customerName: 'Alice' },
        },
      },
    });
  }

  /** An interaction as a bridge creates it, once Flex has set it up. */
  async function routed(conversationSid: string) {
    const interaction = await createInteraction(conversationSid);
    await settledChannel(emulator, conversationSid);
    return interaction;
  }

  const taskrouterTask = (sid: string) => client.taskrouter.v1.workspaces(WORKSPACE).tasks(sid).fetch();

  it('accepts an interaction (200, KD…) in setup, then sets up an active channel and a pending task carrying Flex attributes', async () => {
    const conversationSid = await customerConversation();
    const createdTask = new Promise<TaskRecord>((resolve) => emulator.events.once('task', resolve));
    emulator.setInteractionSetupDelay(300);

    const interaction = await createInteraction(conversationSid);
    const [during] = await client.flexApi.v1.interaction(interaction.sid).channels.list();
    const tasksDuring = emulator.tasks();
    await settledChannel(emulator, conversationSid);

    expect(during).toMatchObject({ status: 'setup', errorCode: null, errorMessage: null });
    expect(tasksDuring).toEqual([]);
    expect(interaction.sid).toMatch(/^KD[0-9a-f]{32}$/);
    expect(emulator.requests.find((r) => r.path === '/v1/Interactions')?.params.Channel).toBe(
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

  it('accepts, then fails the setup of, an interaction whose conversation has no participant or does not exist', async () => {
    const { sid: empty } = await conversations().create({});
    const unknown = 'CH00000000000000000000000000000000';

    const accepted = [await createInteraction(empty), await createInteraction(unknown)];
    const channels = [await settledChannel(emulator, empty), await settledChannel(emulator, unknown)];
    const [read] = await client.flexApi.v1.interaction(accepted[0]?.sid ?? '').channels.list();

    expect(accepted.map((i) => i.sid)).toEqual([expect.stringMatching(/^KD/), expect.stringMatching(/^KD/)]);
    expect(channels.map((c) => c.status)).toEqual(['failed', 'failed']);
    expect(read).toMatchObject({ status: 'failed', errorCode: 20001, errorMessage: expect.stringContaining('no participant') });
    expect(emulator.tasks()).toEqual([]);
  });

  it('fails the setup when the workflow or the task channel does not exist, or a failure is injected', async () => {
    const wrongWorkflow = await customerConversation('telegram_1');
    const wrongChannel = await customerConversation('telegram_2');
    const injected = await customerConversation('telegram_3');
    const fine = await customerConversation('telegram_4');

    await createInteraction(wrongWorkflow, { workflow: 'WW99999999999999999999999999999999' });
    await createInteraction(wrongChannel, { taskChannel: 'chatt' });
    emulator.failNextRouting({ code: 45000, message: 'Flex is down' });
    await createInteraction(injected);
    await createInteraction(fine);
    const settled = await Promise.all([wrongWorkflow, wrongChannel, injected, fine].map((sid) => settledChannel(emulator, sid)));

    expect(settled.map((c) => [c.status, c.errorCode])).toEqual([
      ['failed', 20404],
      ['failed', 20404],
      ['failed', 45000],
      ['active', null],
    ]);
    expect(settled[1]?.errorMessage).toContain('task channel chatt');
    expect(emulator.tasks().map((t) => t.conversationSid)).toEqual([fine]);
  });

  it('ends tasks without an agent as TaskRouter does: timed out, rejected to the end, canceled (with a reason) or deleted, leaving the chat open', async () => {
    const sids = [];
    for (const identity of ['telegram_1', 'telegram_2', 'telegram_3', 'telegram_4']) {
      const sid = await customerConversation(identity);
      await routed(sid);
      sids.push(sid);
    }
    const taskOf = (sid: string) => emulator.tasks().find((t) => t.conversationSid === sid)?.sid ?? '';
    const [timedOut, rejected, canceled, deleted] = sids.map(taskOf) as [string, string, string, string];

    emulator.timeOutTask(timedOut);
    emulator.rejectTaskToEnd(rejected);
    emulator.cancelTask(canceled, 'Canceled by a supervisor');
    emulator.deleteTask(deleted);

    expect(await taskrouterTask(timedOut)).toMatchObject({ assignmentStatus: 'canceled', reason: expect.stringContaining('Workflow timeout') });
    expect(await taskrouterTask(rejected)).toMatchObject({ assignmentStatus: 'canceled', reason: expect.stringContaining('Rejected by every agent') });
    expect(await taskrouterTask(canceled)).toMatchObject({ assignmentStatus: 'canceled', reason: 'Canceled by a supervisor' });
    expect(await rejectionOf(taskrouterTask(deleted))).toMatchObject({ status: 404 });
    const listed = await client.taskrouter.v1.workspaces(WORKSPACE).tasks.list({ evaluateTaskAttributes: `conversationSid == "${sids[3]}"` });
    expect(listed).toEqual([]);
    for (const sid of sids) expect((await conversations()(sid).fetch()).state).toBe('active');
    expect(emulator.interactionChannelOf(sids[0] as string)?.status).toBe('active');
    expect(() => emulator.acceptTask(timedOut)).toThrow(/is canceled, not pending/);
  });

  it('selects tasks by a nested attribute, as TaskRouter expressions reach into objects', async () => {
    const conversationSid = await customerConversation();
    await client.flexApi.v1.interaction.create({
      channel: { type: 'chat', initiated_by: 'customer', properties: { media_channel_sid: conversationSid } },
      routing: {
        properties: {
          workspace_sid: WORKSPACE,
          workflow_sid: WORKFLOW,
          task_channel_unique_name: 'chat',
          attributes: { from: 'telegram:alice', conversations: { language: 'de' } },
        },
      },
    });
    await settledChannel(emulator, conversationSid);
    const matching = async (expression: string) =>
      (await client.taskrouter.v1.workspaces(WORKSPACE).tasks.list({ evaluateTaskAttributes: expression })).map((t) => t.sid);
    const task = emulator.tasks().find((t) => t.conversationSid === conversationSid)!;
    expect(await matching('conversations.language == "de"')).toEqual([task.sid]);
    expect(await matching('conversations.language == "fr"')).toEqual([]);
    expect(await matching('from.language == "de"')).toEqual([]);
  });

  it('closing the interaction channel over REST closes the conversation, fires the state webhook and wraps the task', async () => {
    const conversationSid = await customerConversation();
    const interaction = await routed(conversationSid);
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
    const interaction = await routed(conversationSid);
    const [channel] = await client.flexApi.v1.interaction(interaction.sid).channels.list();

    await client.flexApi.v1
      .interaction(interaction.sid)
      .channels(channel?.sid ?? '')
      .update({ status: 'closed', routing: { status: 'closed' } });

    expect(emulator.tasks()[0]?.status).toBe('completed');
  });

  it('lets an agent accept, reply, end the chat and finish wrap-up', async () => {
    const conversationSid = await customerConversation();
    await routed(conversationSid);
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
    await routed(conversationSid);
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
    await settledChannel(emulator, sid);

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
    await routed(conversationSid);
    emulator.endChat(conversationSid);

    expect(seen.filter((name) => name === 'request')).toHaveLength(5);
    expect(seen.filter((name) => name !== 'request')).toEqual(['message', 'task', 'task', 'state']);
  });
});
