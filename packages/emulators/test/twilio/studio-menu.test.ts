import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TwilioEmulator } from '../../src/twilio/emulator.js';
import { startEmulator, WebhookReceiver } from './helpers.js';

type Client = ReturnType<typeof twilio>;

const MENU = { prompt: 'Press 1 for sales, 2 for support', choices: { '1': 'Connecting you to sales…', '2': 'Connecting you to support…' } };

describe('Twilio emulator: a Studio menu before Send to Flex', () => {
  let emulator: TwilioEmulator;
  let client: Client;
  let receiver: WebhookReceiver;

  beforeEach(async () => {
    ({ emulator, client } = await startEmulator());
    receiver = await new WebhookReceiver().start();
    emulator.playStudioMenu(MENU);
  });
  afterEach(async () => {
    await emulator.stop();
    await receiver.stop();
  });

  const conversations = () => client.conversations.v1.conversations;

  async function until<T>(check: () => T | undefined, what: string): Promise<T> {
    for (let i = 0; i < 300; i++) {
      const value = check();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  const bodies = (sid: string) => emulator.messages(sid).map((m) => [m.author, m.body]);

  it('asks, asks again after a reply it does not know, and sends the choice to Flex; no scoped webhook fires for its messages', async () => {
    const { sid } = await conversations().create({ friendlyName: 'telegram:alice' });
    await conversations()(sid).participants.create({ identity: 'telegram_42' });
    await conversations()(sid).webhooks.create({
      target: 'webhook',
      'configuration.url': receiver.url(),
      'configuration.method': 'post',
      'configuration.filters': ['onMessageAdded'],
    });
    await conversations()(sid).webhooks.create({
      target: 'studio',
      'configuration.flowSid': 'FW0123456789abcdef0123456789abcdef',
      'configuration.filters': ['onMessageAdded'],
    });
    const customer = (body: string) => conversations()(sid).messages.create({ author: 'telegram_42', body, xTwilioWebhookEnabled: 'true' });

    await customer('hello');
    await until(() => (emulator.messages(sid).length === 2 ? true : undefined), 'the prompt');
    await customer('3');
    await until(() => (emulator.messages(sid).length === 4 ? true : undefined), 'the prompt again');
    expect(emulator.tasks()).toEqual([]);
    await customer(' 2 ');
    const task = await until(() => emulator.tasks()[0], 'a task');

    expect(bodies(sid)).toEqual([
      ['telegram_42', 'hello'],
      ['system', MENU.prompt],
      ['telegram_42', '3'],
      ['system', MENU.prompt],
      ['telegram_42', ' 2 '],
      ['system', 'Connecting you to support…'],
    ]);
    expect(task.attributes).toMatchObject({ from: 'telegram_42', menuChoice: '2', conversationSid: sid });
    expect(await conversations()(sid).webhooks.list()).toHaveLength(1);
    await receiver.waitFor(3);
    expect(receiver.received.map((r) => r.params.Body)).toEqual(['hello', '3', ' 2 ']);
  });
});
