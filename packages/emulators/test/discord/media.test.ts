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

  it('signs attachment urls as Discord does, answers 404 once one expires, and signs it anew on POST /attachments/refresh-urls', async () => {
    const emulator = await rig.emulator({ attachmentUrlTtlMs: 1000 });
    emulator.addUser(ALICE);
    const data = Buffer.from('png bytes');
    const [attachment] = emulator.userSendsDm(ALICE.id, { attachments: [{ filename: 'shot.png', content_type: 'image/png', data }] }).attachments;
    const url = new URL(attachment!.url);
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

    const other = `${url.origin}/attachments/1/2/nothing.png?ex=1&is=1&hm=00&`;
    const answer = (await rest(emulator).post('/attachments/refresh-urls', { body: { attachment_urls: [url.href, other] } })) as {
      refreshed_urls: { original: string; refreshed: string }[];
    };
    expect(answer.refreshed_urls.map((r) => r.original)).toEqual([url.href]);
    const fresh = await fetch(answer.refreshed_urls[0]!.refreshed);
    expect(fresh.status).toBe(200);
    expect(Buffer.from(await fresh.arrayBuffer()).equals(data)).toBe(true);
  });
});
