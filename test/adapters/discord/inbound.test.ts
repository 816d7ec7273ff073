import { afterEach, describe, expect, it } from 'vitest';
import { handleOf, identityOf, userKeyOf, type InboundMessage } from '../../../src/core/messages.js';
import { dispatched, recordGateway } from '@flex-bridge/emulators';
import { AdapterRig, ALICE, BOB, LogCapture, SinkRecorder } from './harness.js';

const rig = new AdapterRig();
afterEach(() => rig.tearDown());

describe('DiscordAdapter inbound', () => {
  it('hands a first DM after a cold start to the sink with the user key, handle, identity and DM channel', async () => {
    const emulator = await rig.emulator();
    const sink = new SinkRecorder();
    await rig.started(emulator, sink.sink);

    const dm = emulator.userSendsDm(ALICE.id, 'my order never arrived');
    const [message] = await sink.waitFor(1);

    expect(message).toEqual({
      network: 'discord',
      externalUserId: ALICE.id,
      externalChatId: dm.channel_id,
      username: 'alice',
      displayName: 'Alice Liddell',
      externalMessageId: dm.id,
      text: 'my order never arrived',
      attachments: [],
      sentAt: dm.timestamp,
    } satisfies InboundMessage);
    expect(handleOf(message as InboundMessage)).toBe('discord:alice');
    expect(identityOf(userKeyOf(message as InboundMessage))).toBe(`discord_${ALICE.id}`);
  });

  it('hands an edited DM to the sink again, as an edit of its own, each edit once', async () => {
    const emulator = await rig.emulator();
    const sink = new SinkRecorder();
    await rig.started(emulator, sink.sink);

    const dm = emulator.userSendsDm(ALICE.id, 'my oder never arrived');
    const edited = emulator.userEditsDm(ALICE.id, dm.id, 'my order never arrived');
    const [, edit] = await sink.waitFor(2);

    expect(edit).toMatchObject({ externalMessageId: `${dm.id}:edit:${edited.edited_timestamp}`, text: '✏️ (edited) my order never arrived', attachments: [] });
  });

  it('uses the username as display name when the user has no global name', async () => {
    const emulator = await rig.emulator();
    const sink = new SinkRecorder();
    await rig.started(emulator, sink.sink);

    emulator.userSendsDm(BOB.id, 'hi');

    expect((await sink.waitFor(1))[0]).toMatchObject({ username: 'bob', displayName: 'bob' });
  });

  it('ignores other bots, its own replies echoed by the gateway, and guild messages', async () => {
    const emulator = await rig.emulator();
    emulator.addUser({ id: '1100000000000000009', username: 'some-other-bot', bot: true });
    const sink = new SinkRecorder();
    const adapter = await rig.started(emulator, sink.sink);
    const gateway = recordGateway(emulator);

    emulator.userSendsDm('1100000000000000009', 'beep');
    const first = emulator.userSendsDm(ALICE.id, 'first');
    await adapter.send({ network: 'discord', externalUserId: ALICE.id, externalChatId: first.channel_id }, { text: 'an agent reply' });
    emulator.userSendsInGuild(ALICE.id, 'hello #general');
    emulator.userSendsDm(ALICE.id, 'second');

    // The gateway delivers in order: once "second" is at the sink, everything before it was handled.
    const received = await sink.waitFor(2);
    expect(received.map((m) => m.text)).toEqual(['first', 'second']);
    // beep, first, the echo, second: with only the DirectMessages intent the guild message is not even
    // dispatched; to-inbound.test.ts covers the adapter's own guild filter.
    expect(dispatched(gateway, 'MESSAGE_CREATE')).toHaveLength(4);
  });

  it('hands DMs to the sink one at a time, in the order they were sent', async () => {
    const emulator = await rig.emulator();
    let inFlight = 0;
    let maxInFlight = 0;
    const sink = new SinkRecorder();
    await rig.started(emulator, async (message) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 10)); // a slow store
      inFlight -= 1;
      await sink.sink(message);
    });

    for (const text of ['one', 'two', 'three', 'four']) emulator.userSendsDm(ALICE.id, text);

    expect((await sink.waitFor(4)).map((m) => m.text)).toEqual(['one', 'two', 'three', 'four']);
    expect(maxInFlight).toBe(1);
  });

  it('logs a DM the sink failed to store and offers it again, the next DMs waiting behind it', async () => {
    const emulator = await rig.emulator();
    const capture = new LogCapture();
    const sink = new SinkRecorder();
    let failed = false;
    await rig.started(
      emulator,
      async (message) => {
        if (!failed) {
          failed = true;
          throw new Error('database is locked');
        }
        await sink.sink(message);
      },
      capture.log,
    );

    const refused = emulator.userSendsDm(ALICE.id, 'refused once');
    emulator.userSendsDm(ALICE.id, 'behind it');

    expect((await sink.waitFor(2)).map((m) => m.text)).toEqual(['refused once', 'behind it']);
    const error = capture.lines.find((line) => line.level === 50);
    expect(error).toMatchObject({
      msg: 'discord message not stored yet; trying again',
      externalMessageId: refused.id,
      externalUserId: ALICE.id,
      err: { message: 'database is locked' },
    });
  });

  it('hands attachments over with the text as it was written', async () => {
    const emulator = await rig.emulator();
    const sink = new SinkRecorder();
    await rig.started(emulator, sink.sink);

    emulator.userSendsDm(ALICE.id, { content: 'see the photo', attachments: [{ filename: 'parcel.jpg', content_type: 'image/jpeg', size: 1234 }] });
    emulator.userSendsDm(ALICE.id, { attachments: [{ filename: 'invoice.pdf' }] });

    const [withText, fileOnly] = await sink.waitFor(2);
    expect(withText?.text).toBe('see the photo');
    expect(withText?.attachments).toEqual([
      { kind: 'photo', fileName: 'parcel.jpg', contentType: 'image/jpeg', size: 1234, ref: expect.stringContaining('/parcel.jpg') },
    ]);
    expect(fileOnly?.text).toBe('');
    expect(fileOnly?.attachments[0]).toMatchObject({ kind: 'file', fileName: 'invoice.pdf' });
  });
});
