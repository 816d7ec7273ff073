import { REST } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiscordEmulator } from '@flex-bridge/emulators';
import { readBackMissedDms } from '../../../adapters/discord/missed-dms.js';
import type { InboundMessage } from '../../../src/core/messages.js';
import { ALICE, AdapterRig, BOB, TOKEN } from './harness.js';

const rig = new AdapterRig();
afterEach(() => rig.tearDown());

function readBack(emulator: DiscordEmulator, channelIds: string[], since: number) {
  const delivered: InboundMessage[] = [];
  const rest = new REST({ api: emulator.restBaseUrl }).setToken(TOKEN);
  const done = readBackMissedDms({
    rest,
    channelIds,
    since,
    deliver: async (message) => {
      delivered.push(message);
    },
    log: pino({ level: 'silent' }),
    signal: new AbortController().signal,
  });
  return done.then((count) => ({ count, delivered }));
}

describe('reading missed DMs back', () => {
  it('delivers the customers\' messages since the time, oldest first, page after page, without the bot\'s own', async () => {
    const emulator = await rig.emulator();
    const earlier = emulator.userSendsDm(ALICE.id, 'stored before');
    await new Promise((resolve) => setTimeout(resolve, 5)); // a later millisecond: the next ids are after `since`
    const since = Date.now();
    const texts = Array.from({ length: 230 }, (_, i) => `missed ${i + 1}`);
    for (const text of texts) emulator.userSendsDm(ALICE.id, text);
    await new REST({ api: emulator.restBaseUrl }).setToken(TOKEN).post(Routes.channelMessages(earlier.channel_id), { body: { content: 'a reply' } });

    const { count, delivered } = await readBack(emulator, [earlier.channel_id], since);

    expect(delivered.map((m) => m.text)).toEqual(texts);
    expect(count).toBe(230);
    expect(delivered[0]).toMatchObject({ network: 'discord', externalUserId: ALICE.id, externalChatId: earlier.channel_id });
    expect(emulator.requestsTo('GET /channels/:channel_id/messages')).toHaveLength(3);
  });

  it('skips a channel it cannot read and goes on with the others', async () => {
    const emulator = await rig.emulator();
    const since = Date.now() - 1_000;
    const bobs = emulator.userSendsDm(BOB.id, 'from bob');

    const { delivered } = await readBack(emulator, ['1234567890123456789', bobs.channel_id], since);

    expect(delivered.map((m) => m.text)).toEqual(['from bob']);
  });
});
