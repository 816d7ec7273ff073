import { afterEach, describe, expect, it } from 'vitest';
import type { TwilioEmulator } from '../../src/twilio/emulator.js';
import { startEmulator, uploadMedia } from './helpers.js';

let emulator: TwilioEmulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

function mcsUrl(e: TwilioEmulator, path: string): string {
  return `${e.baseUrl}/mcs.us1.twilio.com/v1/Services/${e.account.chatServiceSid}${path}`;
}

const auth = (e: TwilioEmulator) => ({ authorization: `Basic ${Buffer.from(`${e.account.accountSid}:${e.account.authToken}`).toString('base64')}` });

describe('Twilio emulator: Media Content Service', () => {
  it('stores raw bytes with their content type and serves them from content_direct_temporary', async () => {
    ({ emulator } = await startEmulator());
    const data = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const sid = await uploadMedia(emulator, data, 'image/jpeg', 'photo.jpg');
    expect(sid).toMatch(/^ME[0-9a-f]{32}$/);

    const media = (await (await fetch(mcsUrl(emulator, `/Media/${sid}`), { headers: auth(emulator) })).json()) as Record<string, unknown> & {
      links: { content_direct_temporary: string };
    };
    expect(media).toMatchObject({ sid, content_type: 'image/jpeg', filename: 'photo.jpg', size: data.length, service_sid: emulator.account.chatServiceSid });
    const content = await fetch(media.links.content_direct_temporary);
    expect(content.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await content.arrayBuffer()).equals(data)).toBe(true);
    expect((await fetch(media.links.content_direct_temporary.replace(/key=\w+/, 'key=wrong'))).status).toBe(404);
  });

  it('wants credentials, knows only its own media, and refuses a message with an unknown MediaSid', async () => {
    ({ emulator } = await startEmulator());
    expect((await fetch(mcsUrl(emulator, '/Media'), { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } })).status).toBe(401);
    expect((await fetch(mcsUrl(emulator, `/Media/ME${'0'.repeat(32)}`), { headers: auth(emulator) })).status).toBe(404);
    expect((await fetch(mcsUrl(emulator, '/Media'), { method: 'POST', body: '', headers: { ...auth(emulator), 'content-type': 'text/plain' } })).status).toBe(400);

    const conversation = (await (
      await fetch(`${emulator.baseUrl}/conversations.twilio.com/v1/Conversations`, { method: 'POST', headers: auth(emulator) })
    ).json()) as { sid: string };
    const message = await fetch(`${emulator.baseUrl}/conversations.twilio.com/v1/Conversations/${conversation.sid}/Messages`, {
      method: 'POST',
      headers: { ...auth(emulator), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ MediaSid: `ME${'1'.repeat(32)}` }),
    });
    expect(message.status).toBe(400);
  });

  it('lets an agent attach a file: the message carries its MCS metadata', async () => {
    ({ emulator } = await startEmulator());
    const conversation = (await (
      await fetch(`${emulator.baseUrl}/conversations.twilio.com/v1/Conversations`, { method: 'POST', headers: auth(emulator) })
    ).json()) as { sid: string };
    const message = emulator.agentSendFile(conversation.sid, { data: Buffer.from('pdf'), contentType: 'application/pdf', filename: 'terms.pdf' });
    expect(message.body).toBeNull();
    expect(message.media).toEqual([{ sid: expect.stringMatching(/^ME/), contentType: 'application/pdf', filename: 'terms.pdf', size: 3 }]);
    expect(emulator.mediaContent(message.media![0]!.sid)?.toString()).toBe('pdf');
  });

  it('takes an agent file over the control API and shows MCS files there too', async () => {
    ({ emulator } = await startEmulator());
    const conversation = (await (
      await fetch(`${emulator.baseUrl}/conversations.twilio.com/v1/Conversations`, { method: 'POST', headers: auth(emulator) })
    ).json()) as { sid: string };
    const sent = await fetch(`${emulator.baseUrl}/_sandbox/conversations/${conversation.sid}/agent-files`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dataBase64: Buffer.from('gif').toString('base64'), contentType: 'image/gif', filename: 'a.gif', body: 'look' }),
    });
    expect(sent.status).toBe(201);
    const message = (await sent.json()) as { body: string; media: { sid: string }[] };
    expect(message.body).toBe('look');
    const media = await fetch(`${emulator.baseUrl}/_sandbox/media/${message.media[0]!.sid}`);
    expect(media.headers.get('content-type')).toBe('image/gif');
    expect(await media.text()).toBe('gif');
  });
});
