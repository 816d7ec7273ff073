import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayEvent } from '@flex-bridge/emulators';
import { startHarnessWithDiscord, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';

const ALICE = { id: '1100000000000000301', username: 'alice' };
const BOB = { id: '1100000000000000302', username: 'bob' };

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('Discord gateway session lost while the bridge was down', () => {
  it('a DM sent meanwhile by a known customer is read back after the new session\'s READY and reaches Flex once', async () => {
    const started = await startHarnessWithDiscord();
    h = started.h;
    const { discord } = started;
    const harness = started.h;
    discord.addUser(ALICE);
    discord.addUser(BOB);
    const inFlex = (id: string) =>
      harness.twilio.conversations().flatMap((c) => harness.twilio.messages(c.sid).filter((m) => m.author === `discord_${id}`).map((m) => m.body));
    const arrived = (id: string, body: string) => eventually(() => inFlex(id).includes(body), `"${body}" in Flex`, 15_000);
    const gateway: GatewayEvent[] = [];
    discord.events.on('gateway', (event) => gateway.push(event));

    await eventually(() => discord.connectedSessions === 1, 'the gateway held');
    discord.userSendsDm(ALICE.id, 'before the outage');
    discord.userSendsDm(BOB.id, 'bob before the outage');
    await arrived(ALICE.id, 'before the outage');
    await arrived(BOB.id, 'bob before the outage');

    let restartedAt = 0;
    await harness.restart(async () => {
      await eventually(() => discord.connectedSessions === 0, 'the gateway let go');
      // Longer down than Discord's resume window: the kept session can no longer be resumed.
      expect(discord.expireSessions()).toBe(1);
      discord.userSendsDm(ALICE.id, 'while the bridge was down 1');
      discord.userSendsDm(ALICE.id, 'while the bridge was down 2');
      restartedAt = gateway.length;
    });
    await eventually(() => discord.connectedSessions === 1, 'the gateway held again', 15_000);
    discord.userSendsDm(BOB.id, 'bob after the restart');
    await arrived(ALICE.id, 'while the bridge was down 2');
    await arrived(BOB.id, 'bob after the restart');

    expect(inFlex(ALICE.id)).toEqual(['before the outage', 'while the bridge was down 1', 'while the bridge was down 2']);
    expect(inFlex(BOB.id)).toEqual(['bob before the outage', 'bob after the restart']);
    const afterRestart = gateway.slice(restartedAt).flatMap((e) => (e.kind === 'sent' && e.t ? [e.t] : []));
    expect(afterRestart).toContain('READY');
    expect(afterRestart).not.toContain('RESUMED');
    expect(discord.requestsTo('GET /channels/:channel_id/messages').map((r) => r.status)).toEqual([200, 200]);
  }, 30_000);
});
