import { Routes, type APIChannel, type APIMessage } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, rest, Rig } from './helpers.js';

const rig = new Rig();
afterEach(() => rig.tearDown());

describe('DiscordEmulator attachments', () => {
  it('serves the bytes of a file a user attached at the attachment url', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const data = Buffer.from('png bytes');
    const message = emulator.userSendsDm(ALICE.id, { attachments: [{ filename: 'shot.png', content_type: 'image/png', data }] });
    const [attachment] = message.attachments;
    expect(attachment).toMatchObject({ filename: 'shot.png', size: data.length, content_type: 'image/png' });
    const response = await fetch(attachment!.url);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await response.arrayBuffer()).equals(data)).toBe(true);
  });

  it('takes a multipart message from discord.js REST (files[n] + payload_json) and refuses files over 10 MiB', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const api = rest(emulator);
    const dm = (await api.post(Routes.userChannels(), { body: { recipient_id: ALICE.id } })) as APIChannel;
    const data = Buffer.from('%PDF-1.7');

    const sent = (await api.post(Routes.channelMessages(dm.id), {
      body: { content: 'terms attached' },
      files: [{ name: 'terms.pdf', data, contentType: 'application/pdf' }],
    })) as APIMessage;
    expect(sent.content).toBe('terms attached');
    expect(sent.attachments).toEqual([expect.objectContaining({ filename: 'terms.pdf', size: data.length, content_type: 'application/pdf' })]);
    expect(emulator.attachmentContents(sent.attachments[0]!.url)?.equals(data)).toBe(true);
    expect(emulator.messagesInDm(ALICE.id)).toHaveLength(1);

    await expect(
      api.post(Routes.channelMessages(dm.id), { body: {}, files: [{ name: 'big.bin', data: Buffer.alloc(10 * 1024 * 1024 + 1) }] }),
    ).rejects.toMatchObject({ status: 413, code: 40005 });
  });
});
