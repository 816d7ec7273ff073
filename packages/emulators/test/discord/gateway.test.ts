import { ChannelType, Events, GatewayDispatchEvents, GatewayIntentBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Intents } from '../../src/discord/intents.js';
import { dispatched, nextGatewayEvent, recordGateway } from '../../src/discord/gateway-observers.js';
import { ALICE, nextEvent, Rig, TOKEN } from './helpers.js';

const rig = new Rig();
afterEach(() => rig.tearDown());

describe('Discord emulator gateway, driven by discord.js 14.28.1', () => {
  it('logs a client in: GET /gateway/bot is the only REST call and READY carries the bot and its application', async () => {
    const emulator = await rig.emulator({ botUser: { id: '1200000000000000001', username: 'support-bot' } });
    const client = await rig.loggedIn(emulator);

    expect(client.user?.id).toBe('1200000000000000001');
    expect(client.user?.username).toBe('support-bot');
    expect(client.application?.id).toBe('1200000000000000001');
    expect(emulator.requests.map((r) => r.route)).toEqual(['GET /gateway/bot']);
    expect(emulator.connectedSessions).toBe(1);
  });

  it('delivers a DM to a channel discord.js has never seen (channel_type 1, no guild_id)', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const client = await rig.loggedIn(emulator);

    const received = nextEvent(client, Events.MessageCreate);
    const sent = emulator.userSendsDm(ALICE.id, 'hello support');
    const [message] = await received;

    expect(message.id).toBe(sent.id);
    expect(message.channelId).toBe(sent.channel_id);
    expect(message.channel.type).toBe(ChannelType.DM);
    expect(message.inGuild()).toBe(false);
    expect(message.author).toMatchObject({ id: ALICE.id, username: 'alice', globalName: 'Alice', bot: false });
    expect(message.content).toBe('hello support');
    expect(message.createdAt.toISOString()).toBe(sent.timestamp);
  });

  it('gives the DM channel the same id each time and echoes the bot’s own messages on the gateway', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const client = await rig.loggedIn(emulator);
    const inbound = emulator.userSendsDm(ALICE.id, 'hi');

    const echoed = nextEvent(client, Events.MessageCreate, (m) => m.author.id === client.user?.id);
    const dm = await client.users.createDM(ALICE.id, { force: true });
    await dm.send('hello from the bot');
    const [echo] = await echoed;

    expect(dm.id).toBe(inbound.channel_id);
    expect(echo.author.bot).toBe(true);
    expect(echo.content).toBe('hello from the bot');
  });

  it("dispatches a user's deletion of a DM as MESSAGE_DELETE with the message's id and channel only, and a reply with the message it answers", async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const client = await rig.loggedIn(emulator);
    const question = emulator.userSendsDm(ALICE.id, 'first');

    const replied = nextEvent(client, Events.MessageCreate, (m) => m.content === 'second');
    emulator.userSendsDm(ALICE.id, { content: 'second', replyTo: question.id });
    const [reply] = await replied;
    expect(reply.reference).toMatchObject({ messageId: question.id, channelId: question.channel_id, type: 0 });
    expect(reply.type).toBe(19);

    const deleted = new Promise<unknown>((resolve) => {
      client.on(Events.Raw, (packet: { t?: string; d?: unknown }) => {
        if (packet.t === GatewayDispatchEvents.MessageDelete) resolve(packet.d);
      });
    });
    emulator.userDeletesDm(ALICE.id, question.id);
    expect(await deleted).toEqual({ id: question.id, channel_id: question.channel_id });
  });

  it('dispatches DMs only to sessions with the DirectMessages intent', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    await rig.loggedIn(emulator, [GatewayIntentBits.Guilds]);
    const gateway = recordGateway(emulator);

    emulator.userSendsDm(ALICE.id, 'nobody hears this');

    expect(dispatched(gateway, 'MESSAGE_CREATE')).toEqual([]);
  });

  it('dispatches guild messages to GuildMessages sessions, with content only when MessageContent is allowed', async () => {
    const without = await rig.emulator();
    const withContent = await rig.emulator({ privilegedIntents: Intents.MessageContent });
    const contentOf = async (emulator: typeof without, intents: number[]) => {
      emulator.addUser(ALICE);
      const client = await rig.loggedIn(emulator, intents);
      const raw = new Promise<unknown>((resolve) => client.ws.on(GatewayDispatchEvents.MessageCreate, resolve));
      emulator.userSendsInGuild(ALICE.id, 'in #general');
      return raw;
    };

    const guildIntents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages];
    expect(await contentOf(without, guildIntents)).toMatchObject({ content: '', channel_type: 0, guild_id: expect.any(String) });
    expect(await contentOf(withContent, [...guildIntents, GatewayIntentBits.MessageContent])).toMatchObject({ content: 'in #general' });
  });

  it('acknowledges heartbeats', async () => {
    const emulator = await rig.emulator({ heartbeatIntervalMs: 100 });
    const acked = nextGatewayEvent(emulator, (e) => e.kind === 'sent' && e.op === 11);
    const client = await rig.loggedIn(emulator);

    await acked;
    await nextEvent(client, Events.Debug, (line) => line.includes('Heartbeat acknowledged'));
  });

  it('lets a client resume after a dropped socket and replays the DMs sent meanwhile', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const client = await rig.loggedIn(emulator);
    const gateway = recordGateway(emulator);
    const resumed = nextEvent(client, Events.ShardResume);
    const received = nextEvent(client, Events.MessageCreate);

    expect(emulator.dropConnection()).toBe(1);
    emulator.userSendsDm(ALICE.id, 'sent while the bot was away');
    expect(dispatched(gateway, 'MESSAGE_CREATE')).toEqual([]);

    await resumed;
    const [message] = await received;
    expect(message.content).toBe('sent while the bot was away');
    const onNewSocket = gateway.flatMap((e) => (e.kind === 'sent' && e.connectionId === 2 ? [e.t ?? `op ${e.op}`] : []));
    expect(onNewSocket.slice(0, 3)).toEqual(['op 10', 'MESSAGE_CREATE', 'RESUMED']);
  });

  it('makes a client resume on RECONNECT (op 7)', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const client = await rig.loggedIn(emulator);
    const gateway = recordGateway(emulator);
    const resumed = nextEvent(client, Events.ShardResume);

    emulator.requestReconnect();
    await resumed;
    const received = nextEvent(client, Events.MessageCreate);
    emulator.userSendsDm(ALICE.id, 'after the reconnect');

    expect((await received)[0].content).toBe('after the reconnect');
    expect(gateway).toContainEqual(expect.objectContaining({ kind: 'closed', code: 4200, byServer: false }));
    expect(gateway).toContainEqual(expect.objectContaining({ kind: 'received', op: 6 }));
  });

  it('makes a client identify again on a non-resumable INVALID_SESSION (op 9)', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const client = await rig.loggedIn(emulator);
    const secondReady = nextGatewayEvent(emulator, (e) => e.kind === 'sent' && e.t === 'READY');

    emulator.invalidateSession(false);
    await secondReady;
    const received = nextEvent(client, Events.MessageCreate);
    emulator.userSendsDm(ALICE.id, 'after a new session');

    expect((await received)[0].content).toBe('after a new session');
  });

  it('rejects a login whose REST token is wrong (401 on GET /gateway/bot)', async () => {
    const emulator = await rig.emulator();
    const client = rig.client(emulator);

    await expect(client.login('not-the-token')).rejects.toThrow('An invalid token was provided.');
    expect(emulator.requests.map((r) => [r.route, r.status])).toEqual([['GET /gateway/bot', 401]]);
  });

  it('closes an IDENTIFY with a wrong token with 4004', async () => {
    const emulator = await rig.emulator();
    const socket = new WebSocket(`${emulator.gatewayUrl}?v=10&encoding=json`);
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { op: number };
      if (frame.op === 10) socket.send(JSON.stringify({ op: 2, d: { token: 'wrong', intents: Intents.DirectMessages, properties: {} } }));
    });

    expect(await closed).toBe(4004);
  });

  it('fails the login with "Authentication failed" when the gateway closes with 4004', async () => {
    const emulator = await rig.emulator();
    emulator.failNextIdentify(4004);

    await expect(rig.client(emulator).login(TOKEN)).rejects.toThrow('Authentication failed');
  });

  it('closes with 4014 when a privileged intent is not enabled, and login rejects', async () => {
    const emulator = await rig.emulator();
    const client = rig.client(emulator, [GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent]);
    const closed = nextGatewayEvent(emulator, (e) => e.kind === 'closed');

    await expect(client.login(TOKEN)).rejects.toThrow('Used disallowed intents');
    expect(await closed).toMatchObject({ code: 4014, byServer: true });
  });

  it('ends the session when the client closes normally', async () => {
    const emulator = await rig.emulator();
    const client = await rig.loggedIn(emulator);
    const closed = nextGatewayEvent(emulator, (e) => e.kind === 'closed');

    await client.destroy();

    expect(await closed).toMatchObject({ code: 1000, byServer: false });
    expect(emulator.connectedSessions).toBe(0);
  });
});
