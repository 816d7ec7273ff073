import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TwilioEmulator } from '../../src/twilio/emulator.js';
import { localClient, rejectionOf, startEmulator, WebhookReceiver, type LocalRequestClient } from './helpers.js';

type Client = ReturnType<typeof twilio>;

const MESSAGES_PATH = /^\/v1\/Conversations\/CH[0-9a-f]{32}\/Messages$/;

describe('Twilio emulator: fault injection', () => {
  let emulator: TwilioEmulator;
  let baseUrl: string;
  let client: Client;
  let httpClient: LocalRequestClient;

  beforeEach(async () => {
    ({ emulator, baseUrl, client, httpClient } = await startEmulator());
  });
  afterEach(async () => {
    await emulator.stop();
  });

  const conversations = () => client.conversations.v1.conversations;

  it('fails the next matching request with 429 / 20429 and a Retry-After header, then lets requests through', async () => {
    const { sid } = await conversations().create({});
    emulator.failNext({ method: 'POST', path: MESSAGES_PATH, status: 429, retryAfter: 7 });

    const err = await rejectionOf(conversations()(sid).messages.create({ body: 'first try' }));

    expect(err).toBeInstanceOf(twilio.RestException);
    expect(err).toMatchObject({ status: 429, code: 20429, message: 'Too Many Requests' });
    expect(httpClient.lastResponse?.headers['retry-after']).toBe('7');
    expect(emulator.messages(sid)).toEqual([]);
    expect((await conversations()(sid).messages.create({ body: 'second try' })).index).toBe(0);
  });

  it('sends no Retry-After when none was asked for', async () => {
    emulator.failNext({ status: 429 });

    await rejectionOf(conversations().create({}));

    expect(httpClient.lastResponse?.statusCode).toBe(429);
    expect(httpClient.lastResponse?.headers).not.toHaveProperty('retry-after');
  });

  it('fails `times` matching requests, which twilio-node autoRetry gets through', async () => {
    const { client: retrying } = localClient(baseUrl, { autoRetry: true, maxRetries: 3, maxRetryDelay: 20 });
    emulator.failNext({ host: 'conversations.twilio.com', path: '/v1/Conversations', status: 429, times: 2 });

    const conversation = await retrying.conversations.v1.conversations.create({});

    expect(conversation.sid).toMatch(/^CH/);
    expect(emulator.requests.map((r) => r.fault)).toEqual(['fail', 'fail', null]);
  });

  it('fails with 503 / 20503 and a custom message, only for the matching host', async () => {
    emulator.failNext({ host: 'flex-api.twilio.com', status: 503, message: 'Flex is down for maintenance' });
    await conversations().create({});

    const err = await rejectionOf(
      client.flexApi.v1.interaction.create({ channel: { type: 'chat', initiated_by: 'customer' } }),
    );

    expect(err).toMatchObject({ status: 503, code: 20503, message: 'Flex is down for maintenance' });
  });

  it('fails a request after carrying it out: the client gets a 5xx although the message was created', async () => {
    const { sid } = await conversations().create({});
    emulator.failNext({ method: 'POST', path: MESSAGES_PATH, status: 502, apply: true });

    const err = await rejectionOf(conversations()(sid).messages.create({ body: 'applied?' }));

    expect(err).toMatchObject({ status: 502, code: 20502 });
    expect(emulator.messages(sid).map((m) => m.body)).toEqual(['applied?']);
    expect(emulator.requests.at(-1)?.fault).toBe('fail-after-apply');
  });

  it('hangs a request without carrying it out: the client times out and nothing was created', async () => {
    const { client: impatient } = localClient(baseUrl, { timeout: 200 });
    const { sid } = await conversations().create({});
    emulator.hangNext({ path: MESSAGES_PATH, apply: false });

    const err = await rejectionOf(impatient.conversations.v1.conversations(sid).messages.create({ body: 'lost?' }));

    expect(err).not.toBeInstanceOf(twilio.RestException);
    expect(err).toMatchObject({ code: 'ECONNABORTED' });
    expect(emulator.messages(sid)).toEqual([]);
    expect(emulator.requests.at(-1)?.fault).toBe('hang');
  });

  it('hangs a request after carrying it out: the client times out, yet the message exists and its webhook fired', async () => {
    const receiver = await new WebhookReceiver().start();
    try {
      const { client: impatient } = localClient(baseUrl, { timeout: 200 });
      const { sid } = await conversations().create({});
      await conversations()(sid).webhooks.create({
        target: 'webhook',
        'configuration.url': receiver.url(),
        'configuration.filters': ['onMessageAdded'],
      });
      emulator.hangNext({ method: 'POST', path: MESSAGES_PATH, apply: true });

      const err = await rejectionOf(
        impatient.conversations.v1
          .conversations(sid)
          .messages.create({ author: 'telegram_42', body: 'applied', xTwilioWebhookEnabled: 'true' }),
      );
      const [webhook] = await receiver.waitFor(1);

      expect(err).toMatchObject({ code: 'ECONNABORTED' });
      expect(emulator.messages(sid).map((m) => m.body)).toEqual(['applied']);
      expect(webhook?.params.Body).toBe('applied');
      expect(emulator.requests.at(-1)?.fault).toBe('hang-after-apply');
    } finally {
      await receiver.stop();
    }
  });

  it('stop() ends a hung request instead of waiting for it', async () => {
    emulator.hangNext({ apply: false });
    const pending = rejectionOf(conversations().create({}));
    await new Promise((resolve) => emulator.events.once('request', resolve));

    await emulator.stop();

    expect(await pending).toMatchObject({ code: 'ECONNRESET' });
  });

  it('clearFaults() disarms everything', async () => {
    emulator.failNext({ status: 500, times: 5 });
    emulator.hangNext({ apply: false });

    emulator.clearFaults();

    expect((await conversations().create({})).sid).toMatch(/^CH/);
  });
});
