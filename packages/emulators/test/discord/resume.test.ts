import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { DiscordEmulator } from '../../src/discord/emulator.js';
import { Intents } from '../../src/discord/intents.js';
import { nextGatewayEvent } from '../../src/discord/gateway-observers.js';
import { ALICE, Rig, TOKEN } from './helpers.js';

interface Frame {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

/** A bare gateway connection, as a process that takes over another's session opens one. */
class RawGateway {
  readonly frames: Frame[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as Frame));
  }

  static async open(url: string): Promise<RawGateway> {
    const gateway = new RawGateway(new WebSocket(`${url}?v=10&encoding=json`));
    await gateway.next((f) => f.op === 10);
    return gateway;
  }

  send(op: number, d: unknown): void {
    this.socket.send(JSON.stringify({ op, d }));
  }

  /** The first frame (received already or later) that passes `accept`. */
  async next(accept: (frame: Frame) => boolean, timeoutMs = 3000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(accept);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no such frame; got ${JSON.stringify(this.frames.map((f) => f.t ?? f.op))}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  dispatches(): { t: string | null; s: number | null }[] {
    return this.frames.filter((f) => f.op === 0).map(({ t, s }) => ({ t, s }));
  }
}

const gateways: RawGateway[] = [];
const rig = new Rig();
afterEach(async () => {
  for (const gateway of gateways.splice(0)) gateway.socket.terminate();
  await rig.tearDown();
});

async function open(url: string): Promise<RawGateway> {
  const gateway = await RawGateway.open(url);
  gateways.push(gateway);
  return gateway;
}

/** Identifies on a new connection; resolves with it and its READY. */
async function identified(emulator: DiscordEmulator): Promise<{ gateway: RawGateway; sessionId: string; resumeUrl: string }> {
  const gateway = await open(emulator.gatewayUrl);
  gateway.send(2, { token: TOKEN, intents: Intents.DirectMessages, properties: {} });
  const ready = (await gateway.next((f) => f.t === 'READY')).d as { session_id: string; resume_gateway_url: string };
  return { gateway, sessionId: ready.session_id, resumeUrl: ready.resume_gateway_url };
}

/** Cuts the connection without a close frame, as a killed process's does; resolves once the emulator saw it. */
async function kill(emulator: DiscordEmulator, gateway: RawGateway): Promise<void> {
  const closed = nextGatewayEvent(emulator, (e) => e.kind === 'closed');
  gateway.socket.terminate();
  expect(await closed).toMatchObject({ code: 1006, byServer: false });
}

const invalidSession = (f: Frame) => f.op === 9;

describe('Discord emulator gateway: RESUME from another connection, as after a failover', () => {
  it('READY names the session and where to resume it', async () => {
    const emulator = await rig.emulator();
    const { sessionId, resumeUrl } = await identified(emulator);

    expect(sessionId).toMatch(/^[0-9a-f]{32}$/);
    expect(resumeUrl).toBe(emulator.gatewayUrl);
  });

  it('keeps dispatching to a session whose client died, and replays to a new connection every event after its sequence, then RESUMED', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const first = await identified(emulator);
    emulator.userSendsDm(ALICE.id, 'handled by the first');
    await first.gateway.next((f) => f.t === 'MESSAGE_CREATE');
    await kill(emulator, first.gateway);

    emulator.userSendsDm(ALICE.id, 'while nobody is connected 1');
    emulator.userSendsDm(ALICE.id, 'while nobody is connected 2');
    const second = await open(first.resumeUrl);
    second.send(6, { token: TOKEN, session_id: first.sessionId, seq: 1 }); // as if the first's last checkpoint was READY
    await second.next((f) => f.t === 'RESUMED');
    emulator.userSendsDm(ALICE.id, 'after the resume');
    await second.next((f) => f.t === 'MESSAGE_CREATE' && (f.d as { content: string }).content === 'after the resume');

    expect(second.dispatches()).toEqual([
      { t: 'MESSAGE_CREATE', s: 2 },
      { t: 'MESSAGE_CREATE', s: 3 },
      { t: 'MESSAGE_CREATE', s: 4 },
      { t: 'RESUMED', s: 5 },
      { t: 'MESSAGE_CREATE', s: 6 },
    ]);
    const contents = second.frames.filter((f) => f.t === 'MESSAGE_CREATE').map((f) => (f.d as { content: string }).content);
    expect(contents).toEqual(['handled by the first', 'while nobody is connected 1', 'while nobody is connected 2', 'after the resume']);
    expect(emulator.connectedSessions).toBe(1);
  });

  it('lets a session closed with a code other than 1000/1001 be resumed, but not one closed with 1000', async () => {
    const emulator = await rig.emulator();
    const handedOver = await identified(emulator);
    const ended = await identified(emulator);
    handedOver.gateway.socket.close(4200);
    ended.gateway.socket.close(1000);
    await nextGatewayEvent(emulator, (e) => e.kind === 'closed' && e.code === 1000);

    const resumer = await open(emulator.gatewayUrl);
    resumer.send(6, { token: TOKEN, session_id: handedOver.sessionId, seq: 1 });
    await resumer.next((f) => f.t === 'RESUMED');
    const refused = await open(emulator.gatewayUrl);
    refused.send(6, { token: TOKEN, session_id: ended.sessionId, seq: 1 });

    expect(await refused.next(invalidSession)).toMatchObject({ op: 9, d: false });
  });

  it('answers INVALID_SESSION (not resumable) for an unknown session and for a sequence older than it keeps', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const first = await identified(emulator);
    await kill(emulator, first.gateway);
    for (let i = 0; i < 1001; i++) emulator.userSendsDm(ALICE.id, `dm ${i}`); // more than the 1000 events a session keeps

    const unknown = await open(emulator.gatewayUrl);
    unknown.send(6, { token: TOKEN, session_id: 'no-such-session', seq: 1 });
    const behind = await open(emulator.gatewayUrl);
    behind.send(6, { token: TOKEN, session_id: first.sessionId, seq: 1 });

    expect(await unknown.next(invalidSession)).toMatchObject({ op: 9, d: false });
    expect(await behind.next(invalidSession)).toMatchObject({ op: 9, d: false });
    expect(behind.dispatches()).toEqual([]);
  });

  it('ends a session left without a socket for longer than the resume window', async () => {
    const emulator = await rig.emulator({ resumeWindowMs: 100 });
    const first = await identified(emulator);
    await kill(emulator, first.gateway);
    await new Promise((resolve) => setTimeout(resolve, 150));

    const late = await open(emulator.gatewayUrl);
    late.send(6, { token: TOKEN, session_id: first.sessionId, seq: 1 });

    expect(await late.next(invalidSession)).toMatchObject({ op: 9, d: false });
  });

  it('ends, on demand, the sessions no socket holds, as the resume window running out would, and leaves a held one be', async () => {
    const emulator = await rig.emulator();
    const left = await identified(emulator);
    const held = await identified(emulator);
    await kill(emulator, left.gateway);

    expect(emulator.expireSessions()).toBe(1);
    const late = await open(emulator.gatewayUrl);
    late.send(6, { token: TOKEN, session_id: left.sessionId, seq: 1 });
    expect(await late.next(invalidSession)).toMatchObject({ op: 9, d: false });
    expect(emulator.connectedSessions).toBe(1);
    expect(held.gateway.socket.readyState).toBe(WebSocket.OPEN);
  });
});
