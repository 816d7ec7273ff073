import { afterEach, describe, expect, it } from 'vitest';
import { nextGatewayEvent } from '@flex-bridge/emulators';
import { AdapterRig, ALICE, LogCapture, SinkRecorder, TOKEN } from './harness.js';

const rig = new AdapterRig();
afterEach(() => rig.tearDown());

describe('DiscordAdapter gateway life', () => {
  it('is ready once started, asks for no privileged intent, and on stop closes its socket but keeps its session', async () => {
    const emulator = await rig.emulator(); // no privileged intents enabled, like a new app
    const adapter = rig.adapter(emulator);
    expect(adapter.health()).toEqual({ ready: false, detail: 'not started' });

    await adapter.start(async () => {});
    expect(adapter.health()).toEqual({ ready: true, detail: 'standby: another process holds the gateway' });
    expect(emulator.connectedSessions).toBe(0);
    await adapter.exclusiveIntake.start();
    expect(adapter.health()).toEqual({ ready: true, detail: 'gateway ready' });
    expect(emulator.connectedSessions).toBe(1);

    const closed = nextGatewayEvent(emulator, (e) => e.kind === 'closed');
    await adapter.stop();
    // 4200, not 1000: Discord ends a session closed with 1000, and the next holder could not resume it.
    expect(await closed).toMatchObject({ code: 4200, byServer: false });
    expect(emulator.connectedSessions).toBe(0);
    expect(await rig.sessions.gatewaySession(`discord:${emulator.bot.id}:0`)).toMatchObject({ sessionId: expect.any(String), sequence: 1 });
  });

  it('resumes after a dropped socket (@discordjs/ws does it): DMs sent meanwhile and later still arrive', async () => {
    const emulator = await rig.emulator();
    const capture = new LogCapture();
    const sink = new SinkRecorder();
    const adapter = await rig.started(emulator, sink.sink, capture.log);

    const resumeSent = nextGatewayEvent(emulator, (e) => e.kind === 'received' && e.op === 6);
    emulator.dropConnection();
    emulator.userSendsDm(ALICE.id, 'while the socket was down');
    await capture.waitFor('discord gateway disconnected; reconnecting');
    expect(adapter.health()).toEqual({ ready: false, detail: 'gateway reconnecting' });
    await resumeSent;
    await capture.waitFor('discord gateway resumed');
    emulator.userSendsDm(ALICE.id, 'after the resume');

    expect((await sink.waitFor(2)).map((m) => m.text)).toEqual(['while the socket was down', 'after the resume']);
    expect(adapter.health()).toEqual({ ready: true, detail: 'gateway ready' });
  });

  it('rejects start with a clear message when the token is wrong, never showing it', async () => {
    const emulator = await rig.emulator();
    const capture = new LogCapture();
    const wrongToken = 'wrong-token-abcdefghijklmnopqrstuvwxyz';
    const adapter = rig.adapter(emulator, capture.log, wrongToken);

    const err = await adapter.start(async () => {}).then(() => undefined, (e: unknown) => e as Error);

    expect(err?.message).toBe('Discord adapter could not start. Discord rejected the bot token (401 on GET /users/@me): check DISCORD_BOT_TOKEN');
    expect(adapter.health().ready).toBe(false);
    expect(capture.text()).not.toContain(wrongToken);
    expect(capture.text()).not.toContain(TOKEN);
  });

  it('rejects connecting the gateway when the gateway refuses the token (4004)', async () => {
    const emulator = await rig.emulator();
    emulator.failNextIdentify(4004);
    const adapter = rig.adapter(emulator);
    await adapter.start(async () => {});

    await expect(adapter.exclusiveIntake.start()).rejects.toThrow(
      'Discord adapter could not start. Discord rejected the bot token (gateway close 4004): check DISCORD_BOT_TOKEN',
    );
  });

  it('rejects connecting the gateway when Discord refuses the intents (4014)', async () => {
    const emulator = await rig.emulator();
    emulator.failNextIdentify(4014);
    const adapter = rig.adapter(emulator);
    await adapter.start(async () => {});

    await expect(adapter.exclusiveIntake.start()).rejects.toThrow(/Discord refused the gateway intents \(close 4014\)/);
    expect(adapter.health()).toMatchObject({ ready: false, detail: 'gateway closed with 4014 and will not reconnect' });
  });

  it('reports an unrecoverable close while running (a token reset: 4004) as unhealthy', async () => {
    const emulator = await rig.emulator();
    const capture = new LogCapture();
    const adapter = await rig.started(emulator, async () => {}, capture.log);

    emulator.closeConnections(4004);
    const fatal = await capture.waitFor('discord gateway closed with 4004 and will not reconnect');

    expect(fatal).toMatchObject({ level: 60, code: 4004 });
    expect(adapter.health()).toEqual({ ready: false, detail: 'gateway closed with 4004 and will not reconnect' });
  });
});
