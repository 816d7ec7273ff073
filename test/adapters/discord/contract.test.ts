import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExternalChatRef } from '../../../src/core/messages.js';
import { AdapterRig, ALICE, BOB, SinkRecorder } from './harness.js';

const rig = new AdapterRig();
afterEach(() => rig.tearDown());

describe('DiscordAdapter and Discord’s OpenAPI definition', () => {
  it('sends only requests the spec allows: login, DM channels, text parts with the longest nonces, a file with its caption', async () => {
    const emulator = await rig.emulator();
    const sink = new SinkRecorder();
    const adapter = await rig.started(emulator, sink.sink);
    emulator.userSendsDm(ALICE.id, 'hello');
    const [inbound] = await sink.waitFor(1);
    const alice: ExternalChatRef = { network: 'discord', externalUserId: ALICE.id, externalChatId: inbound?.externalChatId ?? '' };
    const bob: ExternalChatRef = { network: 'discord', externalUserId: BOB.id, externalChatId: '' };
    const longestKey = 'fb'.padEnd(20, '9'); // idempotency keys are at most 20 characters (src/core/messages.ts)

    await adapter.send(alice, { text: 'word '.repeat(500), idempotencyKey: longestKey });
    await adapter.send(alice, {
      text: 'the terms',
      file: { stream: Readable.from([Buffer.from('%PDF-1.7')]), contentType: 'application/pdf', fileName: 'terms.pdf' },
      idempotencyKey: longestKey,
    });
    await adapter.send(bob, { text: 'hello Bob' });

    expect(new Set(emulator.requests.map((request) => request.route))).toEqual(
      new Set(['GET /gateway/bot', 'GET /users/@me', 'POST /users/@me/channels', 'POST /channels/:id/messages']),
    );
    expect(emulator.requestsTo('POST /channels/:id/messages').map((request) => request.status)).toEqual([200, 200, 200, 200]);
    expect(emulator.contractViolations).toEqual([]);
  });
});
