import { afterEach, describe, expect, it } from 'vitest';
import { dispatched, nextGatewayEvent, recordGateway } from '@flex-bridge/emulators';
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

  it('hands the gateway session over: the next holder resumes it, and DMs sent while nobody held it arrive there once', async () => {
    const emulator = await rig.emulator();
    const gateway = recordGateway(emulator);
    const [sinkA, sinkB] = [new SinkRecorder(), new SinkRecorder()];
    const a = await rig.started(emulator, sinkA.sink);
    const b = rig.adapter(emulator);
    await b.start(sinkB.sink);
    emulator.userSendsDm(ALICE.id, 'to the first holder');
    await sinkA.waitFor(1);

    const closed = nextGatewayEvent(emulator, (e) => e.kind === 'closed');
    await a.exclusiveIntake.stop();
    expect(await closed).toMatchObject({ code: 4200, byServer: false });
    expect(emulator.connectedSessions).toBe(0);
    emulator.userSendsDm(ALICE.id, 'while nobody holds the gateway');
    await b.exclusiveIntake.start();
    emulator.userSendsDm(ALICE.id, 'to the second holder');
    await sinkB.waitFor(2);
    await a.send(to, { text: 'the first still sends' });

    await b.exclusiveIntake.stop();
    emulator.userSendsDm(ALICE.id, 'while nobody holds it again');
    await a.exclusiveIntake.start();
    emulator.userSendsDm(ALICE.id, 'back to the first');
    await sinkA.waitFor(3);
    await a.exclusiveIntake.stop(); // everything handed to a sink was handled: no straggler comes later

    expect(sinkA.received.map((m) => m.text)).toEqual(['to the first holder', 'while nobody holds it again', 'back to the first']);
    expect(sinkB.received.map((m) => m.text)).toEqual(['while nobody holds the gateway', 'to the second holder']);
    expect(emulator.messagesInDm(ALICE.id).map((m) => m.message.content)).toEqual(['the first still sends']);
    // One session throughout: identified once, resumed by each next holder.
    expect(dispatched(gateway, 'READY')).toHaveLength(1);
    expect(dispatched(gateway, 'RESUMED')).toHaveLength(2);
  });
});
