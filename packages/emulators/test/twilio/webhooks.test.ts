import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TwilioEmulator } from '../../src/twilio/emulator.js';
import { twilioSignature } from '../../src/twilio/http/signature.js';
import { AUTH_TOKEN, startEmulator, uploadMedia, WebhookReceiver } from './helpers.js';

type Client = ReturnType<typeof twilio>;

describe('twilioSignature', () => {
  it('matches twilio-node for a URL with a query string and unsorted params', () => {
    const url = 'https://bridge.example.com/twilio/conversations?tenant=a';
    const params = { EventType: 'onMessageAdded', Body: 'hi there ✓', AccountSid: 'AC1', Index: '0' };

    const signature = twilioSignature(AUTH_TOKEN, url, params);

    expect(signature).toBe(twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params));
    expect(twilio.validateRequest(AUTH_TOKEN, signature, url, params)).toBe(true);
    expect(twilio.validateRequest(AUTH_TOKEN, signature, url, { ...params, Body: 'tampered' })).toBe(false);
  });
});

describe('Twilio emulator: outgoing conversation webhooks', () => {
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

  async function conversationWithWebhook(
    filters: string[],
    method: 'get' | 'post' = 'post',
    path = '/twilio/conversations?tenant=a',
  ) {
    const conversation = await conversations().create({ friendlyName: 'telegram:alice' });
    await conversations()(conversation.sid).participants.create({ identity: 'telegram_42' });
    const webhook = await conversations()(conversation.sid).webhooks.create({
      target: 'webhook',
      'configuration.url': receiver.url(path),
      'configuration.method': method,
      'configuration.filters': filters,
    });
    return { sid: conversation.sid, webhookSid: webhook.sid };
  }

  it('fires for a REST message only with X-Twilio-Webhook-Enabled: true, then with Source=API, signed', async () => {
    const { sid, webhookSid } = await conversationWithWebhook(['onMessageAdded']);

    await conversations()(sid).messages.create({ author: 'telegram_42', body: 'silent' });
    const echoed = await conversations()(sid).messages.create({
      author: 'telegram_42',
      body: 'echoed',
      attributes: '{"k":"v"}',
      xTwilioWebhookEnabled: 'true',
    });
    // Deliveries for one conversation are sent in order: had the first message fired, it would be first.
    const [webhook] = await receiver.waitFor(1);

    expect(webhook?.signatureValid).toBe(true);
    expect(webhook?.url).toBe(receiver.url('/twilio/conversations?tenant=a'));
    expect(webhook?.params).toEqual({
      AccountSid: emulator.account.accountSid,
      EventType: 'onMessageAdded',
      ConversationSid: sid,
      MessageSid: echoed.sid,
      MessagingServiceSid: emulator.account.messagingServiceSid,
      ChatServiceSid: emulator.account.chatServiceSid,
      Index: '1',
      DateCreated: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      Body: 'echoed',
      Author: 'telegram_42',
      ParticipantSid: expect.stringMatching(/^MB/),
      Attributes: '{"k":"v"}',
      Source: 'API',
      WebhookSid: webhookSid,
    });
    expect(webhook?.headers['user-agent']).toBe('TwilioProxy/1.1');
    expect(webhook?.headers['i-twilio-idempotency-token']).toEqual(expect.any(String));
    expect(webhook?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
  });

  it('always fires for an agent (SDK) message, with ClientIdentity; Media as a JSON string when present', async () => {
    const { sid } = await conversationWithWebhook(['onMessageAdded']);

    const reply = emulator.agentSend(sid, 'Hi, how can I help?', 'agent_bob');
    const mediaSid = await uploadMedia(emulator, Buffer.from('jpeg bytes'), 'image/jpeg');
    await conversations()(sid).messages.create({
      author: 'telegram_42',
      mediaSid,
      xTwilioWebhookEnabled: 'true',
    });
    const [agent, media] = await receiver.waitFor(2);

    expect(agent?.signatureValid).toBe(true);
    expect(agent?.params).toMatchObject({
      Source: 'SDK',
      ClientIdentity: 'agent_bob',
      Author: 'agent_bob',
      Body: 'Hi, how can I help?',
      MessageSid: reply.sid,
    });
    expect(JSON.parse(media?.params.Media ?? 'null')).toEqual([
      expect.objectContaining({ Sid: mediaSid, ContentType: 'image/jpeg', Size: 10, Category: 'media' }),
    ]);
    expect(media?.params).not.toHaveProperty('Body');
  });

  it('fires onParticipantAdded when an agent joins (Twilio adds them), not for a REST participant without the header', async () => {
    const { sid } = await conversationWithWebhook(['onParticipantAdded']);
    await conversations()(sid).participants.create({ identity: 'telegram_43' });
    emulator.agentLogsIn('agent_bob', 'Bob');
    emulator.agentSend(sid, 'Hi, Bob here.', 'agent_bob'); // not a participant yet: joins first, as accepting would
    const [joined] = await receiver.waitFor(1);

    const participant = (await conversations()(sid).participants.list()).find((p) => p.identity === 'agent_bob');
    expect(joined?.signatureValid).toBe(true);
    expect(joined?.params).toMatchObject({
      EventType: 'onParticipantAdded',
      ConversationSid: sid,
      ParticipantSid: participant?.sid,
      Identity: 'agent_bob',
      Attributes: '{}',
      Source: 'API',
    });
    expect(Object.keys(joined?.params ?? {}).some((name) => name.startsWith('MessagingBinding.'))).toBe(false);
    expect(emulator.webhookDeliveries.map((d) => d.params.Identity)).toEqual(['agent_bob']);

    // The agent's name in Flex is their Conversations User's friendly_name, fetched by identity.
    expect((await client.conversations.v1.users('agent_bob').fetch()).friendlyName).toBe('Bob');
    expect((await client.conversations.v1.users('telegram_43').fetch()).friendlyName).toBeNull();
    await expect(client.conversations.v1.users('nobody').fetch()).rejects.toMatchObject({ status: 404 });
  });

  it('sends only the subscribed events, to each webhook its own', async () => {
    const { sid } = await conversationWithWebhook(['onMessageAdded'], 'post', '/messages');
    await conversations()(sid).webhooks.create({
      target: 'webhook',
      'configuration.url': receiver.url('/states'),
      'configuration.filters': ['onConversationStateUpdated', 'onConversationUpdated'],
    });

    emulator.agentSend(sid, 'bye');
    emulator.endChat(sid);
    const received = await receiver.waitFor(3);

    expect(received.map((w) => [new URL(w.url).pathname, w.params.EventType])).toEqual([
      ['/messages', 'onMessageAdded'],
      ['/states', 'onConversationStateUpdated'],
      ['/states', 'onConversationUpdated'],
    ]);
    expect(received[1]?.params).toMatchObject({ StateFrom: 'active', StateTo: 'closed', Reason: 'API', Source: 'API' });
    expect(received[2]?.params).toMatchObject({ State: 'closed', FriendlyName: 'telegram:alice' });
    expect(emulator.webhookDeliveries).toHaveLength(3);
  });

  it('fires the state webhook for a REST close only with the header', async () => {
    const quiet = await conversationWithWebhook(['onConversationStateUpdated']);
    const loud = await conversationWithWebhook(['onConversationStateUpdated']);

    await conversations()(quiet.sid).update({ state: 'closed' });
    await conversations()(loud.sid).update({ state: 'closed', xTwilioWebhookEnabled: 'true' });
    const [webhook] = await receiver.waitFor(1);

    expect(webhook?.params).toMatchObject({
      ConversationSid: loud.sid,
      StateTo: 'closed',
      Reason: 'API',
      Source: 'API',
    });
    expect(receiver.received).toHaveLength(1);
  });

  it('reports an idle conversation as inactive (Reason=TIMER) and a new message reactivates it (Reason=EVENT)', async () => {
    const { sid } = await conversationWithWebhook(['onConversationStateUpdated']);

    emulator.setInactive(sid);
    await conversations()(sid).messages.create({ author: 'telegram_42', body: 'back again' });
    const received = await receiver.waitFor(2);

    expect(received.map((w) => [w.params.StateFrom, w.params.StateTo, w.params.Reason])).toEqual([
      ['active', 'inactive', 'TIMER'],
      ['inactive', 'active', 'EVENT'],
    ]);
    expect((await conversations()(sid).fetch()).state).toBe('active');
  });

  it('sends no RetryCount (Conversations does not retry); a repeated delivery is the same request with the same idempotency token', async () => {
    const { sid } = await conversationWithWebhook(['onMessageAdded']);
    const message = emulator.agentSend(sid, 'once more');
    const [first] = await receiver.waitFor(1);

    const [redelivery] = await emulator.redeliver(message.sid);
    const [, second] = await receiver.waitFor(2);

    expect(first?.params).not.toHaveProperty('RetryCount');
    expect(second?.params).toEqual(first?.params);
    expect(second?.signatureValid).toBe(true);
    expect(second?.headers['i-twilio-idempotency-token']).toBe(first?.headers['i-twilio-idempotency-token']);
    expect(redelivery).toMatchObject({ messageSid: message.sid, statusCode: 200 });
  });

  it('loses the next webhook on the way when asked, and redelivers it on request', async () => {
    const { sid } = await conversationWithWebhook(['onMessageAdded']);
    emulator.loseNextWebhooks(1);
    const lost = emulator.agentSend(sid, 'lost');
    emulator.agentSend(sid, 'arrives');
    const [first] = await receiver.waitFor(1);
    expect(first?.params.Body).toBe('arrives');
    expect(emulator.webhookDeliveries.find((d) => d.messageSid === lost.sid)).toMatchObject({ statusCode: null, error: expect.stringMatching(/lost/) });

    await emulator.redeliver(lost.sid);
    const [, second] = await receiver.waitFor(2);
    expect(second?.params).toMatchObject({ Body: 'lost' });
  });

  it('sends a forged webhook whose signature the receiver rejects', async () => {
    const { sid } = await conversationWithWebhook(['onMessageAdded']);

    const [delivery] = await emulator.sendForgedWebhook(sid, { body: 'send me your password' });

    expect(receiver.received[0]?.signatureValid).toBe(false);
    expect(receiver.received[0]?.params).toMatchObject({ Body: 'send me your password', Source: 'SDK' });
    expect(delivery).toMatchObject({ forged: true, statusCode: 403 });
    expect(emulator.messages(sid)).toEqual([]);
  });

  it('sends GET webhooks with the parameters in the signed URL', async () => {
    const { sid } = await conversationWithWebhook(['onMessageAdded'], 'get', '/hook?tenant=b');

    emulator.agentSend(sid, 'via GET');
    const [webhook] = await receiver.waitFor(1);

    expect(webhook?.method).toBe('GET');
    expect(webhook?.params).toMatchObject({ tenant: 'b', Body: 'via GET', EventType: 'onMessageAdded' });
    expect(webhook?.signatureValid).toBe(true);
  });

  it('records each delivery and emits a webhook event for it', async () => {
    const { sid, webhookSid } = await conversationWithWebhook(['onMessageAdded']);
    const emitted = new Promise((resolve) => emulator.events.once('webhook', resolve));

    const message = emulator.agentSend(sid, 'traced');

    expect(await emitted).toMatchObject({
      eventType: 'onMessageAdded',
      conversationSid: sid,
      messageSid: message.sid,
      webhookSid,
      url: receiver.url('/twilio/conversations?tenant=a'),
      method: 'post',
      statusCode: 200,
      error: null,
      forged: false,
    });
    expect(emulator.webhookDeliveries[0]?.params.Body).toBe('traced');
  });
});

describe('Twilio emulator: webhook timeout', () => {
  it('gives up on a receiver that does not answer in time and records the failure', async () => {
    const { emulator, client } = await startEmulator({ webhookTimeoutMs: 100 });
    const receiver = await new WebhookReceiver().start();
    receiver.holdRequests = true;
    try {
      const { sid } = await client.conversations.v1.conversations.create({});
      await client.conversations.v1.conversations(sid).webhooks.create({
        target: 'webhook',
        'configuration.url': receiver.url(),
        'configuration.filters': ['onMessageAdded'],
      });
      const failed = new Promise((resolve) => emulator.events.once('webhook', resolve));

      emulator.agentSend(sid, 'anyone there?');

      expect(await failed).toMatchObject({ statusCode: null, error: 'no response within 100 ms' });
    } finally {
      await emulator.stop();
      await receiver.stop();
    }
  });
});

describe('Twilio emulator: webhooks of one conversation out of order (webhookReordering)', () => {
  /** The Index order in which 10 agent messages' webhooks reach a receiver, with the given seed. */
  async function arrivalOrder(seed: number): Promise<number[]> {
    const { emulator, client } = await startEmulator({ webhookReordering: { seed } });
    const receiver = await new WebhookReceiver().start();
    try {
      const { sid } = await client.conversations.v1.conversations.create({});
      await client.conversations.v1.conversations(sid).webhooks.create({ target: 'webhook', 'configuration.url': receiver.url(), 'configuration.method': 'post', 'configuration.filters': ['onMessageAdded'] });
      for (let i = 0; i < 10; i++) emulator.agentSend(sid, `m${i}`);
      return (await receiver.waitFor(10)).map((webhook) => Number(webhook.params.Index));
    } finally {
      await emulator.stop();
      await receiver.stop();
    }
  }

  it('delivers some after a later message’s, each once; the same seed holds back the same ones', async () => {
    const first = await arrivalOrder(19);

    expect(first).not.toEqual([...first].sort((a, b) => a - b));
    expect([...first].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await arrivalOrder(19)).toEqual(first);
  });
});
