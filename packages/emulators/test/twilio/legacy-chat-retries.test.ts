import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TwilioEmulator } from '../../src/twilio/emulator.js';
import { startEmulator, WebhookReceiver } from './helpers.js';

type Client = ReturnType<typeof twilio>;

describe('Twilio emulator: Chat channel webhooks retry as Configuration.RetryCount says', () => {
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

  const chatChannel = (sid: string) => client.chat.v2.services(emulator.account.chatServiceSid).channels(sid);

  /** A customer's Flex channel, as a legacy custom chat opens it. */
  async function flexChannel() {
    const flow = await client.flexApi.v1.flexFlow.create({
      friendlyName: 'custom',
      chatServiceSid: emulator.account.chatServiceSid,
      channelType: 'custom',
      integrationType: 'studio',
      'integration.flowSid': 'FW0123456789abcdef0123456789abcdef',
    });
    const channel = await client.flexApi.v1.channel.create({
      flexFlowSid: flow.sid,
      identity: 'telegram_42',
      chatUserFriendlyName: 'Alice',
      chatFriendlyName: 'telegram:alice',
      target: 'telegram:alice',
    });
    return channel.sid;
  }

  /** A channel with an onMessageSent webhook, retried `retryCount` times when given. */
  async function channelWithWebhook(retryCount?: number) {
    const sid = await flexChannel();
    await chatChannel(sid).webhooks.create({
      type: 'webhook',
      'configuration.url': receiver.url('/legacy/messages'),
      'configuration.method': 'POST',
      'configuration.filters': ['onMessageSent'],
      ...(retryCount === undefined ? {} : { 'configuration.retryCount': retryCount }),
    });
    return sid;
  }

  const agentMessage = (sid: string, body: string) => emulator.legacyChat.agentSend(sid, body, 'agent_ann');

  async function settledDeliveries(count: number) {
    for (let i = 0; i < 200; i++) {
      const done = emulator.webhookDeliveries.filter((d) => d.durationMs !== null);
      if (done.length >= count) return done;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`fewer than ${count} webhook calls finished`);
  }

  it('sends a failed call again, RetryCount counting up and the idempotency token the same', async () => {
    const sid = await channelWithWebhook(3);
    emulator.loseNextWebhooks(2);
    const message = agentMessage(sid, 'second try lucky');

    const [received] = await receiver.waitFor(1);
    const calls = await settledDeliveries(3);
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
    const sid = await channelWithWebhook();
    emulator.loseNextWebhooks(1);
    agentMessage(sid, 'lost');
    agentMessage(sid, 'arrives');

    const [received] = await receiver.waitFor(1);
    await settledDeliveries(2);
    expect(received!.params.Body).toBe('arrives');
    expect(emulator.webhookDeliveries.map((d) => d.params.Body)).toEqual(['lost', 'arrives']);
  });

  it('refuses a RetryCount above 3', async () => {
    const sid = await flexChannel();
    await expect(
      chatChannel(sid).webhooks.create({
        type: 'webhook',
        'configuration.url': receiver.url('/legacy/messages'),
        'configuration.filters': ['onMessageSent'],
        'configuration.retryCount': 4,
      }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('loses a whole event when asked, every retry included; the next event arrives', async () => {
    const sid = await channelWithWebhook(3);
    emulator.legacyChat.loseNextWebhookEvents(1);
    agentMessage(sid, 'gone for good');
    agentMessage(sid, 'the next one');

    const [received] = await receiver.waitFor(1);
    const calls = await settledDeliveries(5);
    expect(received!.params.Body).toBe('the next one');
    const lost = calls.filter((c) => c.params.Body === 'gone for good');
    expect(lost.map((c) => [c.params.RetryCount, c.error])).toEqual([0, 1, 2, 3].map((n) => [String(n), 'lost on the way (fault injection)']));
    expect(receiver.received.map((r) => r.params.Body)).toEqual(['the next one']);
  });
});
