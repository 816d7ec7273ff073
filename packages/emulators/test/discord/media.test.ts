import { Routes, type APIChannel, type APIMessage } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, BOB, rest, Rig } from './helpers.js';

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

  it('signs attachment urls as Discord does, answers 404 once one expires, and signs them anew when the bot fetches the message', async () => {
    const emulator = await rig.emulator({ attachmentUrlTtlMs: 1000 });
    emulator.addUser(ALICE);
    const data = Buffer.from('png bytes');
    const sent = emulator.userSendsDm(ALICE.id, { content: 'see', attachments: [{ filename: 'shot.png', content_type: 'image/png', data }] });
    const url = new URL(sent.attachments[0]!.url);
    const [ex, is] = [url.searchParams.get('ex'), url.searchParams.get('is')].map((hex) => Number.parseInt(hex ?? '', 16));
    expect(ex! - is!).toBe(1);
    expect(url.searchParams.get('hm')).toMatch(/^[0-9a-f]{64}$/);
    const forged = new URL(url);
    forged.searchParams.set('ex', (ex! + 3600).toString(16));
    expect((await fetch(forged)).status).toBe(404);
    const unsigned = new URL(url.pathname, url.origin);
    expect((await fetch(unsigned)).status).toBe(404);

    let expired = await fetch(url);
    while (expired.status === 200) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      expired = await fetch(url);
    }
    expect(expired.status).toBe(404);
    expect(await expired.text()).toBe('This content is no longer available.');

    const fetched = (await rest(emulator).get(Routes.channelMessage(sent.channel_id, sent.id))) as APIMessage;
    expect(fetched).toMatchObject({ id: sent.id, channel_id: sent.channel_id, content: 'see', author: { id: ALICE.id } });
    const signedAnew = `${url.origin}${url.pathname}?`;
    expect(fetched.attachments).toEqual([{ ...sent.attachments[0], url: expect.stringContaining(signedAnew), proxy_url: expect.stringContaining(signedAnew) }]);
    expect(fetched.attachments[0]!.url).not.toBe(url.href);
    const fresh = await fetch(fetched.attachments[0]!.url);
    expect(fresh.status).toBe(200);
    expect(Buffer.from(await fresh.arrayBuffer()).equals(data)).toBe(true);
    expect(emulator.contractViolations).toEqual([]);
  });

  it('signs anew the files of a forwarded message when the bot fetches the forward', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const data = Buffer.from('notice');
    const forward = emulator.userSendsDm(ALICE.id, { forwarded: { attachments: [{ filename: 'notice.jpg', content_type: 'image/jpeg', data }] } });

    const fetched = (await rest(emulator).get(Routes.channelMessage(forward.channel_id, forward.id))) as APIMessage;
    const [attachment] = fetched.message_snapshots![0]!.message.attachments;
    expect(attachment).toMatchObject({ id: forward.message_snapshots![0]!.message.attachments[0]!.id, filename: 'notice.jpg' });
    expect(Buffer.from(await (await fetch(attachment!.url)).arrayBuffer()).equals(data)).toBe(true);
  });

  it('answers Get Channel Message with 10008 for a message not in the channel, 10003 for a channel the bot is not in', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    emulator.addUser(BOB);
    const api = rest(emulator);
    const toAlice = emulator.userSendsDm(ALICE.id, 'hello');
    const toBob = emulator.userSendsDm(BOB.id, 'hi');
    const dm = (await api.post(Routes.userChannels(), { body: { recipient_id: ALICE.id } })) as APIChannel;
    const reply = (await api.post(Routes.channelMessages(dm.id), { body: { content: 'how can I help?' } })) as APIMessage;

    expect(await api.get(Routes.channelMessage(dm.id, reply.id))).toMatchObject({ id: reply.id, content: 'how can I help?' });
    await expect(api.get(Routes.channelMessage(toAlice.channel_id, toBob.id))).rejects.toMatchObject({ status: 404, code: 10008, message: 'Unknown Message' });
    await expect(api.get(Routes.channelMessage(toAlice.channel_id, '1300000000000000001'))).rejects.toMatchObject({ status: 404, code: 10008 });
    await expect(api.get(Routes.channelMessage('1300000000000000001', toAlice.id))).rejects.toMatchObject({ status: 404, code: 10003 });
    expect(emulator.contractViolations).toEqual([]);
  });
});
