import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TwilioEmulator } from '../../src/twilio/emulator.js';
import { rejectionOf, settledChannel, startEmulator, WebhookReceiver, WORKSPACE_SID } from './helpers.js';

type Client = ReturnType<typeof twilio>;

describe('Twilio emulator: /_sandbox control routes', () => {
  let emulator: TwilioEmulator;
  let baseUrl: string;
  let client: Client;
  let receiver: WebhookReceiver;

  beforeEach(async () => {
    ({ emulator, baseUrl, client } = await startEmulator());
    receiver = await new WebhookReceiver().start();
  });
  afterEach(async () => {
    await emulator.stop();
    await receiver.stop();
  });

  async function control(method: string, path: string, body?: unknown) {
    const response = await fetch(`${baseUrl}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
  }

  async function routedConversation() {
    const { sid } = await client.conversations.v1.conversations.create({ friendlyName: 'telegram:alice' });
    await client.conversations.v1.conversations(sid).participants.create({ identity: 'telegram_42' });
    await client.conversations.v1.conversations(sid).webhooks.create({
      target: 'webhook',
      'configuration.url': receiver.url(),
      'configuration.filters': ['onMessageAdded', 'onConversationStateUpdated'],
    });
    await client.flexApi.v1.interaction.create({
      channel: { type: 'chat', initiated_by: 'customer', properties: { media_channel_sid: sid } },
      routing: { properties: { workspace_sid: WORKSPACE_SID } },
    });
    await settledChannel(emulator, sid);
    return sid;
  }

  it('drives an agent through a chat without credentials', async () => {
    const sid = await routedConversation();

    const tasks = await control('GET', '/tasks');
    const taskSid: string = tasks.json[0].sid;
    const accepted = await control('POST', `/tasks/${taskSid}/accept`, { agentIdentity: 'agent_bob' });
    const sent = await control('POST', `/conversations/${sid}/agent-messages`, { body: 'Hi from Flex' });
    const ended = await control('POST', `/conversations/${sid}/end`);
    const completed = await control('POST', `/tasks/${taskSid}/complete`);
    const [reply, closed] = await receiver.waitFor(2);

    expect(tasks.json).toEqual([expect.objectContaining({ conversationSid: sid, status: 'pending' })]);
    expect(accepted.json).toMatchObject({ status: 'accepted', agentIdentity: 'agent_bob' });
    expect(sent).toMatchObject({ status: 201, json: { author: 'agent_bob', body: 'Hi from Flex', index: 0 } });
    expect(ended.json).toMatchObject({ sid, state: 'closed' });
    expect(completed.json).toMatchObject({ status: 'completed' });
    expect(reply?.params).toMatchObject({ Author: 'agent_bob', ClientIdentity: 'agent_bob' });
    expect(closed?.params).toMatchObject({ StateTo: 'closed' });
  });

  it('lists conversations, messages, requests and webhook deliveries', async () => {
    const sid = await routedConversation();
    await control('POST', `/conversations/${sid}/agent-messages`, { body: 'listed' });
    await receiver.waitFor(1);

    const listedConversations = await control('GET', '/conversations');
    const messages = await control('GET', `/conversations/${sid}/messages`);
    const requests = await control('GET', '/requests');
    const deliveries = await control('GET', '/webhook-deliveries');

    expect(listedConversations.json).toEqual([
      expect.objectContaining({ sid, messageCount: 1, participants: expect.any(Array), webhooks: expect.any(Array) }),
    ]);
    expect(messages.json).toEqual([expect.objectContaining({ body: 'listed', author: 'agent_alice' })]);
    expect(requests.json.map((r: { host: string }) => r.host)).toEqual([
      'conversations.twilio.com',
      'conversations.twilio.com',
      'conversations.twilio.com',
      'flex-api.twilio.com',
    ]);
    expect(deliveries.json).toEqual([expect.objectContaining({ eventType: 'onMessageAdded', url: receiver.url() })]);
  });

  it('sets the conversation inactive, redelivers a message and forges a webhook', async () => {
    const sid = await routedConversation();
    const sent = await control('POST', `/conversations/${sid}/agent-messages`, { body: 'again' });
    await receiver.waitFor(1);

    const inactive = await control('POST', `/conversations/${sid}/inactive`);
    const redelivered = await control('POST', `/messages/${sent.json.sid}/redeliver`);
    const forged = await control('POST', `/conversations/${sid}/forged-webhook`, {});

    expect(inactive.json).toMatchObject({ state: 'inactive' });
    expect(redelivered.json).toEqual([expect.objectContaining({ statusCode: 200 })]);
    expect(redelivered.json[0].params).toMatchObject({ MessageSid: sent.json.sid, Body: 'again' });
    expect(redelivered.json[0].params).not.toHaveProperty('RetryCount');
    expect(forged.json).toEqual([expect.objectContaining({ forged: true, statusCode: 403 })]);
  });

  it('arms faults with a path pattern and disarms them', async () => {
    const armed = await control('POST', '/faults', {
      kind: 'fail',
      method: 'POST',
      pathPattern: '^/v1/Conversations$',
      status: 429,
      retryAfter: 2,
      times: 2,
    });
    const first = await rejectionOf(client.conversations.v1.conversations.create({}));
    const cleared = await control('DELETE', '/faults');

    expect(armed.status).toBe(204);
    expect(first).toMatchObject({ status: 429, code: 20429 });
    expect(cleared.status).toBe(204);
    expect((await client.conversations.v1.conversations.create({})).sid).toMatch(/^CH/);
  });

  it('ends tasks without an agent, fails routing, slows setup and moves the clock', async () => {
    const timedOut = await routedConversation();
    const rejected = await routedConversation();
    const canceled = await routedConversation();
    const deleted = await routedConversation();
    const taskOf = (sid: string) => emulator.tasks().find((t) => t.conversationSid === sid)?.sid as string;
    const deletedTask = taskOf(deleted);

    const results = [
      await control('POST', `/tasks/${taskOf(timedOut)}/timeout`),
      await control('POST', `/tasks/${taskOf(rejected)}/reject-all`),
      await control('POST', `/tasks/${taskOf(canceled)}/cancel`, { reason: 'supervisor' }),
    ];
    const removed = await control('DELETE', `/tasks/${deletedTask}`);
    const failing = await control('POST', '/routing/fail-next', { code: 45000, message: 'down' });
    const slowed = await control('POST', '/routing/setup-delay', { ms: 0 });
    const failed = await routedConversation();
    const channel = await control('GET', `/conversations/${failed}/interaction-channel`);
    const { sid: timed } = await client.conversations.v1.conversations.create({ state: 'active', 'timers.closed': 'PT10M' });
    const advanced = await control('POST', '/clock/advance', { ms: 600_000 });

    expect(results.map((r) => [r.json.status, r.json.reason])).toEqual([
      ['canceled', expect.stringContaining('Workflow timeout')],
      ['canceled', expect.stringContaining('Rejected by every agent')],
      ['canceled', 'supervisor'],
    ]);
    expect([removed.status, failing.status, slowed.status, advanced.status]).toEqual([204, 204, 204, 204]);
    expect(emulator.tasks().map((t) => t.sid)).not.toContain(deletedTask);
    expect(channel.json).toMatchObject({ status: 'failed', errorCode: 45000, errorMessage: 'down' });
    expect((await client.conversations.v1.conversations(timed).fetch()).state).toBe('closed');
  });

  it('answers errors in Twilio shape: 400 for a bad body, 404 for an unknown task or message', async () => {
    const badBody = await control('POST', '/faults', { kind: 'fail', status: 200 });
    const unknownTask = await control('POST', '/tasks/WT00000000000000000000000000000000/accept');
    const nothingToRedeliver = await control('POST', '/messages/IM00000000000000000000000000000000/redeliver');

    expect(badBody).toMatchObject({ status: 400, json: { code: 20001, status: 400 } });
    expect(unknownTask).toMatchObject({ status: 404, json: { code: 20404 } });
    expect(nothingToRedeliver).toMatchObject({ status: 404, json: { code: 20404 } });
  });
});
