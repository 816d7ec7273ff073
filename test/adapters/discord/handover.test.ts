import { afterEach, describe, expect, it } from 'vitest';
import { nextGatewayEvent } from '../../sandbox/discord/helpers.js';
import { AdapterRig, ALICE, SinkRecorder } from './harness.js';

const rig = new AdapterRig();
afterEach(() => rig.tearDown());

const to = { network: 'discord', externalUserId: ALICE.id, externalChatId: 'not trusted' } as const;

describe('DiscordAdapter with several processes: one holds the gateway, all send', () => {
  it('sends over REST without ever opening a gateway session', async () => {
    const emulator = await rig.emulator();
    const follower = rig.adapter(emulator);
    await follower.start(async () => {});

    await follower.send(to, { text: 'from a process that does not hold the gateway' });

    expect(emulator.messagesInDm(ALICE.id).map((m) => m.message.content)).toEqual(['from a process that does not hold the gateway']);
    expect(emulator.requestsTo('GET /gateway/bot')).toEqual([]);
    expect(emulator.connectedSessions).toBe(0);
    expect(follower.health()).toEqual({ ready: true, detail: 'standby: another process holds the gateway' });
  });

  it('hands the gateway over: the old holder stops receiving but still sends, the new one receives, and it can take it back', async () => {
    const emulator = await rig.emulator();
    const [sinkA, sinkB] = [new SinkRecorder(), new SinkRecorder()];
    const a = await rig.started(emulator, sinkA.sink);
    const b = rig.adapter(emulator);
    await b.start(sinkB.sink);
    emulator.userSendsDm(ALICE.id, 'to the first holder');
    await sinkA.waitFor(1);

    const closed = nextGatewayEvent(emulator, (e) => e.kind === 'closed');
    await a.exclusiveIntake.stop();
    expect(await closed).toMatchObject({ code: 1000, byServer: false });
    expect(emulator.connectedSessions).toBe(0);
    await b.exclusiveIntake.start();
    emulator.userSendsDm(ALICE.id, 'to the second holder');
    await sinkB.waitFor(1);
    await a.send(to, { text: 'the first still sends' });

    await b.exclusiveIntake.stop();
    await a.exclusiveIntake.start();
    emulator.userSendsDm(ALICE.id, 'back to the first');
    await sinkA.waitFor(2);

    expect(sinkA.received.map((m) => m.text)).toEqual(['to the first holder', 'back to the first']);
    expect(sinkB.received.map((m) => m.text)).toEqual(['to the second holder']);
    expect(emulator.messagesInDm(ALICE.id).map((m) => m.message.content)).toEqual(['the first still sends']);
    expect(emulator.connectedSessions).toBe(1);
  });
});
