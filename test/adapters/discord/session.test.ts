import { afterEach, describe, expect, it } from 'vitest';
import { dispatched, recordGateway } from '@flex-bridge/emulators';
import { eventually } from '../../support/wait.js';
import { AdapterRig, ALICE, SinkRecorder } from './harness.js';

const rig = new AdapterRig();
afterEach(() => rig.tearDown());

describe('DiscordAdapter gateway session in the database', () => {
  it('keeps the sequence behind every DM the sink has not stored yet, and moves it up once stored', async () => {
    const emulator = await rig.emulator();
    const gateway = recordGateway(emulator);
    const sink = new SinkRecorder();
    let release = () => {};
    const slowStore = new Promise<void>((resolve) => (release = resolve));
    const adapter = await rig.started(emulator, async (message) => {
      if (message.text === 'slow') await slowStore;
      await sink.sink(message);
    });
    const key = `discord:${emulator.bot.id}:0`;
    const sequences = () => dispatched(gateway, 'MESSAGE_CREATE').map((e) => (e.kind === 'sent' ? e.s : undefined));

    emulator.userSendsDm(ALICE.id, 'first');
    await sink.waitFor(1);
    emulator.userSendsDm(ALICE.id, 'slow');
    emulator.userSendsDm(ALICE.id, 'after it');
    await new Promise((resolve) => setTimeout(resolve, 1_300)); // past the checkpoint interval
    expect(sink.received).toHaveLength(1);
    expect(sequences()).toEqual([expect.any(Number), expect.any(Number), expect.any(Number)]);
    expect((await rig.sessions.gatewaySession(key))?.sequence).toBe(sequences()[0]);

    release();
    await sink.waitFor(3);
    await adapter.exclusiveIntake.stop();
    expect((await rig.sessions.gatewaySession(key))?.sequence).toBe(sequences()[2]);
  });

  it('keeps the sequence before a DM never stored, so the next holder of the gateway gets it again', async () => {
    const emulator = await rig.emulator();
    const first = await rig.started(emulator, async () => {
      throw new Error('database down');
    });
    emulator.userSendsDm(ALICE.id, 'not stored by the first holder');
    await eventually(() => first.health().ready, 'the first holder connected');
    await new Promise((resolve) => setTimeout(resolve, 300)); // a refusal or two
    await first.exclusiveIntake.stop();

    const sink = new SinkRecorder();
    await rig.started(emulator, sink.sink);
    expect((await sink.waitFor(1)).map((m) => m.text)).toEqual(['not stored by the first holder']);
  });

  it('starts a new session, at once, when the kept one can no longer be resumed (expired or unknown)', async () => {
    const emulator = await rig.emulator();
    const gateway = recordGateway(emulator);
    const sink = new SinkRecorder();
    const key = `discord:${emulator.bot.id}:0`;
    const stale = { sessionId: 'expired-long-ago', sequence: 42, resumeUrl: emulator.gatewayUrl, shardId: 0, shardCount: 1 };
    await rig.sessions.saveGatewaySession(key, stale);

    const startedAt = Date.now();
    const adapter = await rig.started(emulator, sink.sink);
    emulator.userSendsDm(ALICE.id, 'to the new session');

    expect((await sink.waitFor(1)).map((m) => m.text)).toEqual(['to the new session']);
    expect(Date.now() - startedAt).toBeLessThan(3_000); // no identify throttling wait
    expect(gateway.filter((e) => e.kind === 'sent' && e.op === 9)).toHaveLength(1);
    expect(dispatched(gateway, 'READY')).toHaveLength(1);
    expect(adapter.health()).toEqual({ ready: true, detail: 'gateway ready' });
    expect((await rig.sessions.gatewaySession(key))?.sessionId).not.toBe(stale.sessionId);
  });
});
