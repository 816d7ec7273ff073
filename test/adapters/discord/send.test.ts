import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryPostponed } from '../../../src/core/delivery-error.js';
import type { ExternalChatRef } from '../../../src/core/messages.js';
import type { DiscordEmulator } from '@flex-bridge/emulators';
import { AdapterRig, ALICE, BOB, failureOf, SinkRecorder } from './harness.js';

const rig = new AdapterRig();
afterEach(() => rig.tearDown());

const MESSAGES = 'POST /channels/:id/messages';

/** Alice DMs a started adapter, which then knows (has cached) her DM channel. */
async function aliceWrote(emulator: DiscordEmulator) {
  const sink = new SinkRecorder();
  const adapter = await rig.started(emulator, sink.sink);
  emulator.userSendsDm(ALICE.id, 'hello');
  const [message] = await sink.waitFor(1);
  const to: ExternalChatRef = { network: 'discord', externalUserId: ALICE.id, externalChatId: message?.externalChatId ?? '' };
  return { adapter, to };
}

describe('DiscordAdapter send', () => {
  it('answers a customer message (or its edit) as a native reply, and one deleted meanwhile with a plain message', async () => {
    const emulator = await rig.emulator();
    const { adapter, to } = await aliceWrote(emulator);
    const question = emulator.userSendsDm(ALICE.id, 'Can I pay by card?');
    const gone = emulator.userSendsDm(ALICE.id, 'oops');
    emulator.userDeletesDm(ALICE.id, gone.id);

    await adapter.send(to, { text: 'Yes', replyTo: question.id });
    await adapter.send(to, { text: 'As edited: yes', replyTo: `${question.id}:edit:2026-12-07T10:00:00.000Z` });
    await adapter.send(to, { text: 'Never mind', replyTo: gone.id });

    const sent = emulator.messagesInDm(ALICE.id).map((m) => m.message);
    expect(sent.map((m) => [m.content, m.referenced_message?.id])).toEqual([
      ['Yes', question.id],
      ['As edited: yes', question.id],
      ['Never mind', undefined],
    ]);
  });

  it('sends a message repeated with the same idempotency key once (Discord enforced nonce), every part of it', async () => {
    const emulator = await rig.emulator();
    const { adapter, to } = await aliceWrote(emulator);
    const long = 'word '.repeat(500);

    const first = await adapter.send(to, { text: long, idempotencyKey: 'fb42' });
    const retried = await adapter.send(to, { text: long, idempotencyKey: 'fb42' });
    await adapter.send(to, { text: 'another message', idempotencyKey: 'fb43' });

    expect(retried).toEqual(first);
    expect(emulator.messagesInDm(ALICE.id).map((m) => m.message.content).join('')).toBe(`${long}another message`);
    expect(emulator.requestsTo(MESSAGES).map((r) => (r.body as { nonce?: string }).nonce)).toEqual(['fb42-0', 'fb42-1', 'fb42-0', 'fb42-1', 'fb43-0']);
  });

  it('splits a 2500-character reply into two messages on a word boundary, complete, never pinging anyone', async () => {
    const emulator = await rig.emulator();
    const { adapter, to } = await aliceWrote(emulator);
    const text = `@everyone ${'lorem ipsum dolor sit amet '.repeat(100)}`.slice(0, 2500);

    const sent = await adapter.send(to, { text });

    const messages = emulator.messagesInDm(ALICE.id);
    expect(messages).toHaveLength(2);
    expect(messages.map((m) => m.message.content).join('')).toBe(text);
    expect(messages.every((m) => m.message.content.length <= 2000 && m.message.channel_id === to.externalChatId)).toBe(true);
    expect(messages[0]?.message.content.endsWith(' ')).toBe(true);
    expect(messages.map((m) => m.allowedMentions)).toEqual([{ parse: [] }, { parse: [] }]);
    expect(sent).toEqual(messages.map((m) => ({ externalMessageId: m.message.id })));
  });

  it('after a restart (nothing cached) opens the DM with POST /users/@me/channels, once', async () => {
    const emulator = await rig.emulator();
    const before = await aliceWrote(emulator);
    await before.adapter.stop();
    const fresh = await rig.started(emulator);

    await fresh.send(before.to, { text: 'answer after the restart' });
    await fresh.send(before.to, { text: 'and another' });

    const opened = emulator.requestsTo('POST /users/@me/channels');
    expect(opened.map((r) => r.body)).toEqual([{ recipient_id: ALICE.id }]);
    expect(emulator.messagesInDm(ALICE.id).map((m) => [m.message.channel_id, m.message.content])).toEqual([
      [before.to.externalChatId, 'answer after the restart'],
      [before.to.externalChatId, 'and another'],
    ]);
  });

  it('sends to the user’s own DM even when the stored chat id is another user’s channel', async () => {
    const emulator = await rig.emulator();
    const { adapter, to } = await aliceWrote(emulator);

    await adapter.send({ ...to, externalUserId: BOB.id }, { text: 'for bob' });

    expect(emulator.messagesInDm(ALICE.id)).toEqual([]);
    expect(emulator.messagesInDm(BOB.id).map((m) => m.message.content)).toEqual(['for bob']);
  });

  it.each([
    [50007, 'Cannot send messages to this user'],
    [50278, 'Cannot send messages to this user due to having no mutual guilds'],
  ])('turns %i into a permanent DeliveryError', async (code, text) => {
    const emulator = await rig.emulator();
    const { adapter, to } = await aliceWrote(emulator);
    emulator.failNext({ route: MESSAGES, status: 403, code });

    const err = await failureOf(adapter.send(to, { text: 'hello?' }));

    expect(err).toMatchObject({ kind: 'permanent', code, status: 403 });
    expect(err.message).toContain(text);
  });

  it('reports 50007 for a user who blocks DMs, without a DM channel cached', async () => {
    const emulator = await rig.emulator();
    emulator.setBlocksDms(BOB.id);
    const adapter = await rig.started(emulator);

    const err = await failureOf(adapter.send({ network: 'discord', externalUserId: BOB.id, externalChatId: '1300000000000000001' }, { text: 'hi' }));

    expect(err).toMatchObject({ kind: 'permanent', code: 50007 });
  });

  it('leaves a 429 to the delivery layer: postponed by the retry-after without using an attempt, nothing sent, then exactly one message', async () => {
    const emulator = await rig.emulator();
    const { adapter, to } = await aliceWrote(emulator);
    emulator.failNext({ route: MESSAGES, status: 429, retryAfter: 0.2 });

    const err = (await adapter.send(to, { text: 'rate limited once' }).catch((e: unknown) => e)) as DeliveryPostponed;

    expect(err).toBeInstanceOf(DeliveryPostponed);
    expect(err.retryAfterMs).toBeGreaterThanOrEqual(200);
    expect(err.retryAfterMs).toBeLessThan(1000);
    expect(emulator.requestsTo(MESSAGES).map((r) => r.status)).toEqual([429]);
    expect(emulator.messagesInDm(ALICE.id)).toEqual([]);

    // What the delivery layer does: wait the retry-after, then send again.
    await new Promise((resolve) => setTimeout(resolve, err.retryAfterMs));
    await adapter.send(to, { text: 'rate limited once' });
    expect(emulator.requestsTo(MESSAGES).map((r) => r.status)).toEqual([429, 200]);
    expect(emulator.messagesInDm(ALICE.id).map((m) => m.message.content)).toEqual(['rate limited once']);
  });

  it('does not let discord.js repeat a send after a 5xx: one request, a retryable error', async () => {
    const emulator = await rig.emulator();
    const { adapter, to } = await aliceWrote(emulator);
    emulator.failNext({ route: MESSAGES, status: 500 });

    const err = await failureOf(adapter.send(to, { text: 'maybe created' }));

    expect(err).toMatchObject({ kind: 'retryable', status: 500 });
    expect(emulator.requestsTo(MESSAGES)).toHaveLength(1);
  });

  it('marks a network failure retryable and ambiguous', async () => {
    const emulator = await rig.emulator();
    const { adapter, to } = await aliceWrote(emulator);
    await emulator.stop();

    const err = await failureOf(adapter.send(to, { text: 'nobody listens' }));

    expect(err).toMatchObject({ kind: 'retryable', ambiguous: true });
    expect(err.message).toMatch(/^discord request failed: /);
  });
});

describe('DiscordAdapter upload timeout', () => {
  // Scaled down: 500 ms for any call, 8 KiB/s assumed at worst (a 3.5 s timeout here); the emulator's link does 16 KiB/s.
  const restTimeouts = { baseMs: 500, uploadBytesPerSecond: 8 * 1024, maxMs: 10_000 };

  it('gives an upload the time its size needs on a slow link, beyond the time any call gets', async () => {
    const emulator = await rig.emulator({ uplinkBytesPerSecond: 16 * 1024 });
    const sink = new SinkRecorder();
    const adapter = await rig.started(emulator, sink.sink, undefined, { restTimeouts });
    emulator.userSendsDm(ALICE.id, 'hello');
    const [hello] = await sink.waitFor(1);
    const to: ExternalChatRef = { network: 'discord', externalUserId: ALICE.id, externalChatId: hello!.externalChatId };
    const data = Buffer.alloc(24 * 1024, 7); // 1.5 s up: three times what any call gets

    await adapter.send(to, { text: 'the label', file: { stream: Readable.from([data]), contentType: 'application/pdf', fileName: 'label.pdf' }, idempotencyKey: 'fb9' });

    const [sent] = emulator.messagesInDm(ALICE.id);
    expect(emulator.attachmentContents(sent!.message.attachments[0]!.url)?.equals(data)).toBe(true);
  });
});
