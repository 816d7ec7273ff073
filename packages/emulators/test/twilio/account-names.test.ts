import { afterEach, describe, expect, it } from 'vitest';
import type { TwilioEmulator } from '../../src/twilio/emulator.js';
import { rejectionOf, startEmulator } from './helpers.js';

/** Unique names are the account's, whoever made the conversation and whenever (https://www.twilio.com/docs/api/errors/50353). */
describe('Twilio emulator: unique names across the account', () => {
  let emulator: TwilioEmulator;
  afterEach(async () => {
    await emulator.stop();
  });

  it('keeps the names of conversations seeded as another deployment left them, closed ones included', async () => {
    const started = await startEmulator({
      conversations: [
        { uniqueName: 'flex-bridge-1', attributes: '{"owner":"staging"}', closed: true },
        { uniqueName: 'flex-bridge-2', friendlyName: 'telegram:someone' },
      ],
    });
    emulator = started.emulator;
    const conversations = started.client.conversations.v1.conversations;

    const taken = await rejectionOf(conversations.create({ uniqueName: 'flex-bridge-1' }));
    expect(taken).toMatchObject({ status: 409, code: 50353 });
    const closed = await conversations('flex-bridge-1').fetch();
    expect(closed).toMatchObject({ state: 'closed', attributes: '{"owner":"staging"}' });
    expect((await conversations('flex-bridge-2').fetch()).state).toBe('active');
    expect(emulator.webhookDeliveries).toEqual([]);
  });

  it('seeds one later too, and its name is then taken', async () => {
    const started = await startEmulator();
    emulator = started.emulator;
    const seeded = emulator.seedConversation({ uniqueName: 'flex-bridge-7' });

    const taken = await rejectionOf(started.client.conversations.v1.conversations.create({ uniqueName: 'flex-bridge-7' }));
    expect(taken).toMatchObject({ status: 409, code: 50353 });
    expect(seeded).toMatchObject({ uniqueName: 'flex-bridge-7', state: 'active' });
  });
});
