import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TwilioEmulator } from '../../src/twilio/emulator.js';
import { rejectionOf, settledWebhookCalls, startEmulator, WebhookReceiver } from './helpers.js';

type Client = ReturnType<typeof twilio>;

const STUDIO_FLOW = 'FW0123456789abcdef0123456789abcdef';
const TIMESTAMP = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

describe('Twilio emulator: Programmable Chat v2 channels of legacy Flex', () => {
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

  const chatChannel = (sid: string) => client.chat.v2.services(emulator.account.chatServiceSid).channels(sid);

  /**
   * A customer's Flex channel (https://www.twilio.com/docs/flex/developer/messaging/chat-channel) with the two channel
   * webhooks a bridge adds (https://www.twilio.com/docs/chat/rest/channel-webhook-resource).
   */
  async function customerChannel(target = 'telegram:alice', retryCount?: number) {
    const flow = await client.flexApi.v1.flexFlow.create({
      friendlyName: 'custom',
      chatServiceSid: emulator.account.chatServiceSid,
      channelType: 'custom',
      integrationType: 'studio',
      'integration.flowSid': STUDIO_FLOW,
      enabled: true,
    });
    const { sid } = await client.flexApi.v1.channel.create({
      flexFlowSid: flow.sid,
      identity: 'telegram_42',
      chatUserFriendlyName: 'Alice',
      chatFriendlyName: target,
      target,
    });
    for (const [filter, path] of [
      ['onMessageSent', `/legacy/messages?channel=${sid}`],
      ['onChannelUpdated', '/legacy/channel-updates'],
    ] as const) {
      await chatChannel(sid).webhooks.create({
        type: 'webhook',
        'configuration.url': receiver.url(path),
        'configuration.method': 'POST',
        'configuration.filters': [filter],
        ...(retryCount === undefined ? {} : { 'configuration.retryCount': retryCount }),
      });
    }
    return sid;
  }

  it('fires onMessageSent for a REST message only with X-Twilio-Webhook-Enabled: true, as Source=API, signed', async () => {
    const sid = await customerChannel();

    await chatChannel(sid).messages.create({ from: 'telegram_42', body: 'silent' });
    const echoed = await chatChannel(sid).messages.create({
      from: 'telegram_42',
      body: 'echoed',
      attributes: '{"flexBridgeId":"telegram:1"}',
      xTwilioWebhookEnabled: 'true',
    });
    // Deliveries for one channel go out in order: had the first message fired, it would be first.
    const [webhook] = await receiver.waitFor(1);

    expect(webhook?.signatureValid).toBe(true);
    expect(webhook?.url).toBe(receiver.url(`/legacy/messages?channel=${sid}`));
    expect(webhook?.params).toEqual({
      AccountSid: emulator.account.accountSid,
      InstanceSid: emulator.account.chatServiceSid,
      EventType: 'onMessageSent',
      ChannelSid: sid,
      MessageSid: echoed.sid,
      Index: '1',
      Body: 'echoed',
      Attributes: '{"flexBridgeId":"telegram:1"}',
      From: 'telegram_42',
      DateCreated: TIMESTAMP,
      Source: 'API',
      RetryCount: '0',
      WebhookType: 'webhook',
      WebhookSid: expect.stringMatching(/^WH/),
    });
    expect(echoed).toMatchObject({ channelSid: sid, to: sid, from: 'telegram_42', index: 1, type: 'text', wasEdited: false });
  });

  it('runs Send to Flex on the first message with the header: one task, then the Studio webhook is gone', async () => {
    const sid = await customerChannel();
    await chatChannel(sid).messages.create({ from: 'telegram_42', body: 'no header, no Studio' });
    expect(emulator.legacyChat.tasks()).toEqual([]);

    await chatChannel(sid).messages.create({ from: 'telegram_42', body: 'hello', xTwilioWebhookEnabled: 'true' });
    await chatChannel(sid).messages.create({ from: 'telegram_42', body: 'again', xTwilioWebhookEnabled: 'true' });

    expect(emulator.legacyChat.tasks()).toEqual([
      expect.objectContaining({
        channelSid: sid,
        studioFlowSid: STUDIO_FLOW,
        workspaceSid: emulator.account.workspaceSid,
        taskChannel: 'chat',
        status: 'pending',
        attributes: { channelSid: sid, name: 'telegram:alice', channelType: 'custom' },
      }),
    ]);
    const types = (await chatChannel(sid).webhooks.list()).map((w) => w.type);
    expect(types).toEqual(['webhook', 'webhook']);
  });

  it('sends what an agent types as Source=SDK with ClientIdentity, the agent joining the channel', async () => {
    const sid = await customerChannel();
    const sent = emulator.legacyChat.agentSend(sid, 'Hi, how can I help?', 'agent_bob');
    const [webhook] = await receiver.waitFor(1);

    expect(webhook?.params).toMatchObject({
      EventType: 'onMessageSent',
      MessageSid: sent.sid,
      From: 'agent_bob',
      Body: 'Hi, how can I help?',
      Source: 'SDK',
      ClientIdentity: 'agent_bob',
    });
    expect(emulator.legacyChat.channels()[0]?.members).toEqual(['telegram_42', 'agent_bob']);
  });

  it('fires onMemberAdded once when an agent accepting a task joins the channel, and serves the agent’s chat user by identity', async () => {
    const sid = await customerChannel();
    await chatChannel(sid).webhooks.create({
      type: 'webhook',
      'configuration.url': receiver.url('/legacy/members'),
      'configuration.method': 'POST',
      'configuration.filters': ['onMemberAdded'],
    });
    await chatChannel(sid).messages.create({ from: 'telegram_42', body: 'hello', xTwilioWebhookEnabled: 'true' });
    const [task] = emulator.legacyChat.tasks();
    emulator.legacyChat.acceptTask(task!.sid);
    emulator.legacyChat.agentSend(sid, 'Hi'); // already a member: no second event
    const calls = await receiver.waitFor(2);
    const joined = calls.filter((c) => c.params.EventType === 'onMemberAdded');
    expect(joined.map((c) => c.params)).toEqual([
      expect.objectContaining({
        ChannelSid: sid,
        Identity: 'agent_alice',
        MemberSid: expect.stringMatching(/^MB[0-9a-f]{32}$/),
        Reason: 'ADDED',
        DateCreated: TIMESTAMP,
        Source: 'API',
      }),
    ]);

    const users = client.chat.v2.services(emulator.account.chatServiceSid).users;
    expect(await users('agent_alice').fetch()).toMatchObject({ identity: 'agent_alice', friendlyName: 'Alice' });
    expect(await users('telegram_42').fetch()).toMatchObject({ identity: 'telegram_42', friendlyName: 'Alice' });
    expect(await rejectionOf(users('agent_nobody').fetch())).toMatchObject({ status: 404, code: 20404 });
  });

  it('sends an agent file through the chat service’s MCS: onMessageSent carries its Media* fields, the message is type media', async () => {
    const sid = await customerChannel();
    const data = Buffer.from('%PDF-1.7 terms');
    const sent = emulator.legacyChat.agentSendFile(sid, { data, contentType: 'application/pdf', filename: 'terms.pdf' }, 'our terms', 'agent_bob');
    const [webhook] = await receiver.waitFor(1);

    expect(sent.media).toEqual({ sid: expect.stringMatching(/^ME/), contentType: 'application/pdf', filename: 'terms.pdf', size: data.length });
    expect(emulator.mediaContent(sent.media!.sid)?.equals(data)).toBe(true);
    expect(webhook?.params).toMatchObject({
      EventType: 'onMessageSent',
      MessageSid: sent.sid,
      Body: 'our terms',
      Source: 'SDK',
      MediaSid: sent.media!.sid,
      MediaContentType: 'application/pdf',
      MediaFilename: 'terms.pdf',
      MediaSize: String(data.length),
    });
    const [listed] = await chatChannel(sid).messages.list();
    expect(listed).toMatchObject({ type: 'media', media: { sid: sent.media!.sid, size: data.length, content_type: 'application/pdf', filename: 'terms.pdf' } });
    expect(await rejectionOf(chatChannel(sid).messages.create({ from: 'telegram_42', mediaSid: `ME${'0'.repeat(32)}` }))).toMatchObject({ status: 400 });
  });

  it('takes an agent file over the control routes', async () => {
    const sid = await customerChannel();
    const response = await fetch(`${baseUrl}/_sandbox/chat-channels/${sid}/agent-files`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ dataBase64: Buffer.from('gif').toString('base64'), contentType: 'image/gif', filename: 'a.gif', body: 'look' }),
    });

    expect(response.status).toBe(201);
    const sent = (await response.json()) as { from: string; body: string; media: { sid: string } };
    expect(sent).toMatchObject({ from: 'agent_alice', body: 'look', media: { contentType: 'image/gif', filename: 'a.gif', size: 3 } });
    expect(emulator.mediaContent(sent.media.sid)?.toString()).toBe('gif');
  });

  it('ends a chat: attributes status INACTIVE (other keys kept) fire onChannelUpdated, tasks go to wrapping', async () => {
    const sid = await customerChannel();
    await chatChannel(sid).messages.create({ from: 'telegram_42', body: 'hello', xTwilioWebhookEnabled: 'true' });
    emulator.legacyChat.endChat(sid);
    const [update] = await receiver.waitFor(2).then((all) => all.filter((w) => w.params.EventType === 'onChannelUpdated'));

    expect(update?.signatureValid).toBe(true);
    expect(update?.url).toBe(receiver.url('/legacy/channel-updates'));
    expect(update?.params).toEqual({
      AccountSid: emulator.account.accountSid,
      InstanceSid: emulator.account.chatServiceSid,
      EventType: 'onChannelUpdated',
      ChannelSid: sid,
      ChannelType: 'private',
      Attributes: JSON.stringify({ from: 'telegram:alice', channel_type: 'custom', status: 'INACTIVE', long_lived: false }),
      FriendlyName: 'telegram:alice',
      CreatedBy: 'system',
      DateCreated: TIMESTAMP,
      DateUpdated: TIMESTAMP,
      Source: 'API',
      RetryCount: '0',
      WebhookType: 'webhook',
      WebhookSid: expect.stringMatching(/^WH/),
    });
    expect(emulator.legacyChat.tasks().map((t) => t.status)).toEqual(['wrapping']);
  });

  it('accepts a task (the agent joins the channel) and completes it after the chat ended; a task moves only forward', async () => {
    const sid = await customerChannel();
    await chatChannel(sid).messages.create({ from: 'telegram_42', body: 'hello', xTwilioWebhookEnabled: 'true' });
    const [task] = emulator.legacyChat.tasks();

    expect(emulator.legacyChat.acceptTask(task!.sid, 'agent_bob')).toMatchObject({ status: 'accepted' });
    expect(emulator.legacyChat.channels()[0]?.members).toEqual(['telegram_42', 'agent_bob']);
    expect(() => emulator.legacyChat.acceptTask(task!.sid)).toThrow(/is accepted, not pending/);
    emulator.legacyChat.endChat(sid);
    expect(emulator.legacyChat.completeTask(task!.sid)).toMatchObject({ status: 'completed' });
    expect(() => emulator.legacyChat.completeTask(task!.sid)).toThrow(/is completed, not accepted or wrapping/);
    expect(() => emulator.legacyChat.acceptTask('WT0123456789abcdef0123456789abcdef')).toThrow(/was not found/);
  });

  it('reports messages, task changes and channel updates as events, the message before the task it starts', async () => {
    const seen: string[] = [];
    emulator.events.on('chatMessage', (m) => seen.push(`message ${m.from}: ${m.body}`));
    emulator.events.on('chatTask', (t) => seen.push(`task ${String(t.attributes.name)} ${t.status}`));
    emulator.events.on('chatChannel', (c) => seen.push(`channel ${JSON.parse(c.attributes).status}`));
    const sid = await customerChannel();

    await chatChannel(sid).messages.create({ from: 'telegram_42', body: 'hello', xTwilioWebhookEnabled: 'true' });
    const [task] = emulator.legacyChat.tasks();
    emulator.legacyChat.acceptTask(task!.sid, 'agent_bob');
    emulator.legacyChat.agentSend(sid, 'hi', 'agent_bob');
    emulator.legacyChat.endChat(sid);
    emulator.legacyChat.completeTask(task!.sid);

    expect(seen).toEqual([
      'message telegram_42: hello',
      'task telegram:alice pending',
      'task telegram:alice accepted',
      'message agent_bob: hi',
      'channel INACTIVE',
      'task telegram:alice wrapping',
      'task telegram:alice completed',
    ]);
  });

  it('sends a forged onMessageSent whose signature the receiver rejects, and 409s a channel without the webhook', async () => {
    const sid = await customerChannel();

    const [delivery] = await emulator.legacyChat.sendForgedWebhook(sid, { body: 'send me your password' });

    expect(receiver.received[0]?.signatureValid).toBe(false);
    expect(receiver.received[0]?.params).toMatchObject({ EventType: 'onMessageSent', Body: 'send me your password', Source: 'SDK' });
    expect(delivery).toMatchObject({ forged: true, statusCode: 403, conversationSid: sid });
    expect(emulator.legacyChat.messages(sid)).toEqual([]);
    const onlyStudio = await client.flexApi.v1.channel.create({
      flexFlowSid: emulator.legacyChat.flexFlows()[0]!.sid,
      identity: 'telegram_43',
      chatUserFriendlyName: 'Bob',
      chatFriendlyName: 'telegram:bob',
      target: 'telegram:bob',
    });
    expect(await rejectionOf(emulator.legacyChat.sendForgedWebhook(onlyStudio.sid))).toMatchObject({ status: 409 });
  });

  it('updates channel attributes over REST, firing onChannelUpdated only with the header', async () => {
    const sid = await customerChannel();
    await chatChannel(sid).update({ attributes: '{"note":"quiet"}' });
    const updated = await chatChannel(sid).update({ attributes: '{"note":"loud"}', xTwilioWebhookEnabled: 'true' });
    const [webhook] = await receiver.waitFor(1);

    expect(updated.attributes).toBe('{"note":"loud"}');
    expect(webhook?.params).toMatchObject({ EventType: 'onChannelUpdated', Attributes: '{"note":"loud"}', Source: 'API' });
    expect(emulator.requests.at(-1)?.params).toEqual({ Attributes: '{"note":"loud"}' });
    const bad = await rejectionOf(chatChannel(sid).update({ attributes: '{not json' }));
    expect(bad).toMatchObject({ status: 400, message: expect.stringContaining('Attributes') });
  });

  it('keeps at most 5 webhooks per channel and pages their list 5 at a time at most', async () => {
    const sid = await customerChannel(); // Studio + 2
    for (const n of [1, 2]) {
      await chatChannel(sid).webhooks.create({ type: 'webhook', 'configuration.url': receiver.url(`/extra/${n}`), 'configuration.filters': ['onMemberAdded'] });
    }
    const sixth = await rejectionOf(
      chatChannel(sid).webhooks.create({ type: 'webhook', 'configuration.url': receiver.url('/sixth') }),
    );
    expect(sixth).toMatchObject({ status: 400 });

    expect(await chatChannel(sid).webhooks.list({ pageSize: 2 })).toHaveLength(5);
    const unpaged = await chatChannel(sid).webhooks.page();
    expect(unpaged.instances).toHaveLength(5);
    expect(emulator.requests.at(-1)?.query).toEqual({});
    const tooBig = await rejectionOf(chatChannel(sid).webhooks.page({ pageSize: 6 }));
    expect(tooBig).toMatchObject({ status: 400, message: expect.stringContaining('PageSize') });
    expect(emulator.contractViolations.splice(0).flatMap((v) => v.problems)).toEqual([
      { kind: 'invalid parameter', parameter: 'PageSize', in: 'query', message: 'must be <= 5' },
    ]);
  });

  it('lists messages in either order and 404s an unknown service or channel', async () => {
    const sid = await customerChannel();
    for (const body of ['one', 'two', 'three']) await chatChannel(sid).messages.create({ from: 'telegram_42', body });

    expect((await chatChannel(sid).messages.list({ order: 'desc', limit: 2 })).map((m) => m.body)).toEqual(['three', 'two']);
    expect((await chatChannel(sid).messages.list()).map((m) => m.index)).toEqual([0, 1, 2]);
    const otherService = client.chat.v2.services('IS0123456789abcdef0123456789abcdef').channels(sid);
    expect(await rejectionOf(otherService.fetch())).toMatchObject({ status: 404, code: 20404 });
    expect(await rejectionOf(chatChannel('CH0123456789abcdef0123456789abcdef').fetch())).toMatchObject({ status: 404 });
  });

  it('drives an agent through a legacy chat with the control routes', async () => {
    const sid = await customerChannel();
    await chatChannel(sid).messages.create({ from: 'telegram_42', body: 'hello', xTwilioWebhookEnabled: 'true' });
    const control = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${baseUrl}/_sandbox${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as unknown };
    };

    const sent = await control('POST', `/chat-channels/${sid}/agent-messages`, { body: 'Hi from Flex' });
    const ended = await control('POST', `/chat-channels/${sid}/end`);
    const [, reply, update] = await receiver.waitFor(3);

    expect(sent).toMatchObject({ status: 201, json: { from: 'agent_alice', body: 'Hi from Flex' } });
    expect(ended.json).toMatchObject({ sid, messageCount: 2 });
    expect(reply?.params).toMatchObject({ Source: 'SDK', From: 'agent_alice' });
    expect(JSON.parse(update?.params.Attributes ?? '{}')).toMatchObject({ status: 'INACTIVE' });
    expect((await control('GET', `/chat-channels/${sid}/messages`)).json).toHaveLength(2);
    expect((await control('GET', '/chat-tasks')).json).toEqual([expect.objectContaining({ channelSid: sid, status: 'wrapping' })]);
    expect((await control('GET', '/flex-flows')).json).toEqual([expect.objectContaining({ channelType: 'custom' })]);
    expect((await control('GET', '/chat-channels')).json).toEqual([expect.objectContaining({ sid })]);
    expect((await control('POST', '/chat-channels/CH0123456789abcdef0123456789abcdef/end')).status).toBe(404);
    // What `flex-bridge setup` needs by hand: the account's Flex Chat Service; never the auth token.
    const { json: account } = await control('GET', '/account');
    expect(account).toMatchObject({ accountSid: emulator.account.accountSid, chatServiceSid: emulator.account.chatServiceSid });
    expect(account).not.toHaveProperty('authToken');
  });
  describe('retries (Configuration.RetryCount)', () => {
    const agentMessage = (sid: string, body: string) => emulator.legacyChat.agentSend(sid, body, 'agent_ann');

    it('sends a failed call again, RetryCount counting up and the idempotency token the same', async () => {
      const sid = await customerChannel('telegram:alice', 3);
      emulator.loseNextWebhooks(2);
      const message = agentMessage(sid, 'second try lucky');

      const [received] = await receiver.waitFor(1);
      const calls = await settledWebhookCalls(emulator, 3);
      expect(calls.map((c) => [c.params.RetryCount, c.statusCode])).toEqual([
        ['0', null],
        ['1', null],
        ['2', 200],
      ]);
      expect(new Set(calls.map((c) => c.idempotencyToken)).size).toBe(1);
      expect(received!.params).toMatchObject({ MessageSid: message.sid, RetryCount: '2', Body: 'second try lucky' });
      expect(received!.headers['i-twilio-idempotency-token']).toBe(calls[0]!.idempotencyToken);
    });

    it('does not retry a webhook created without a RetryCount (the default is 0)', async () => {
      const sid = await customerChannel();
      emulator.loseNextWebhooks(1);
      agentMessage(sid, 'lost');
      agentMessage(sid, 'arrives');

      const [received] = await receiver.waitFor(1);
      await settledWebhookCalls(emulator, 2);
      expect(received!.params.Body).toBe('arrives');
      expect(emulator.webhookDeliveries.map((d) => d.params.Body)).toEqual(['lost', 'arrives']);
    });

    it('refuses a RetryCount above 3', async () => {
      await expect(customerChannel('telegram:alice', 4)).rejects.toMatchObject({ status: 400 });
    });

    it('loses a whole event when asked, every retry included; the next event arrives', async () => {
      const sid = await customerChannel('telegram:alice', 3);
      emulator.legacyChat.loseNextWebhookEvents(1);
      agentMessage(sid, 'gone for good');
      agentMessage(sid, 'the next one');

      const [received] = await receiver.waitFor(1);
      const calls = await settledWebhookCalls(emulator, 5);
      expect(received!.params.Body).toBe('the next one');
      const lost = calls.filter((c) => c.params.Body === 'gone for good');
      expect(lost.map((c) => [c.params.RetryCount, c.error])).toEqual([0, 1, 2, 3].map((n) => [String(n), 'lost on the way (fault injection)']));
      expect(receiver.received.map((r) => r.params.Body)).toEqual(['the next one']);
    });
  });
});
