import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleJpeg, samplePng, type FileKind } from '@flex-bridge/emulators';
import { startHarness, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const ANN = { id: 5012345678, username: 'ann', first_name: 'Ann' };
const IDENTITY = `telegram_${ANN.id}`;

async function started(env: Record<string, string> = {}): Promise<Harness> {
  h = await startHarness(env);
  h.telegram.addUser(ANN);
  return h;
}

/** Opens the chat with a text message and returns the conversation sid, with the customer's first message in it. */
async function openChat(harness: Harness): Promise<string> {
  harness.telegram.userSends(ANN.id, 'hello');
  const task = await eventually(() => harness.twilio.tasks()[0], 'a Flex task');
  return task.conversationSid;
}

function customerMessages(harness: Harness, sid: string, count: number) {
  return eventually(() => {
    const messages = harness.twilio.messages(sid).filter((m) => m.author === IDENTITY);
    return messages.length >= count ? messages : undefined;
  }, `${count} customer message(s) in Flex`);
}

describe('Telegram customer → Flex agent: files', () => {
  it.each<[FileKind, string, string | undefined]>([
    ['photo', 'image/jpeg', undefined],
    ['document', 'application/pdf', 'invoice.pdf'],
    ['voice', 'audio/ogg', undefined],
    ['audio', 'audio/mpeg', 'song.mp3'],
    ['video', 'video/mp4', 'clip.mp4'],
    ['video_note', 'video/mp4', undefined],
    ['animation', 'video/mp4', 'fun.mp4'],
  ])('carries a %s into Flex as MCS media (%s), the caption as the body', async (kind, mimeType, fileName) => {
    const harness = await started();
    const data = randomBytes(64 * 1024);
    harness.telegram.userSendsFile(ANN.id, { kind, data, mimeType, ...(fileName ? { fileName } : {}), caption: `my ${kind}` });

    const task = await eventually(() => harness.twilio.tasks()[0], 'a Flex task');
    const [message] = await customerMessages(harness, task.conversationSid, 1);
    expect(message!.body).toBe(`my ${kind}`);
    expect(message!.media).toEqual([expect.objectContaining({ contentType: mimeType, size: data.length })]);
    if (fileName) expect(message!.media![0]!.filename).toBe(fileName);
    expect(harness.twilio.mediaContent(message!.media![0]!.sid)?.equals(data)).toBe(true);
  });

  it('never lets the bot token reach Flex or the logs of the request', async () => {
    const harness = await started();
    const sid = await openChat(harness);
    harness.telegram.userSendsFile(ANN.id, { kind: 'document', data: Buffer.from('%PDF-1.7'), fileName: 'a.pdf', mimeType: 'application/pdf' });
    await customerMessages(harness, sid, 2);
    const token = harness.config.TELEGRAM_BOT_TOKEN as string;
    expect(JSON.stringify(harness.twilio.requests)).not.toContain(token.split(':')[1]);
    expect(JSON.stringify(harness.twilio.messages(sid))).not.toContain(token.split(':')[1]);
  });

  it('asks for a smaller file when one is over the 20 MB a bot may fetch, and tells the agent', async () => {
    const harness = await started();
    const sid = await openChat(harness);
    harness.telegram.userSendsFile(ANN.id, { kind: 'document', data: Buffer.alloc(21 * 1024 * 1024), fileName: 'huge.zip', caption: 'logs' });

    const [reply] = await harness.telegram.waitForMessages(ANN.id, 1);
    expect(reply!.text).toMatch(/too big .* 20\.0 MB/);
    const [, note] = await customerMessages(harness, sid, 2);
    expect(note!.media).toBeNull();
    expect(note!.body).toBe('logs\n[the customer sent a file of 21.0 MB, too big for a bot to fetch from Telegram (limit 20.0 MB); they were asked for a smaller one]');
    expect(harness.twilio.requests.some((r) => r.host === 'mcs.us1.twilio.com')).toBe(false);
  });

  it('turns a location and a contact into text the agent can read', async () => {
    const harness = await started();
    const sid = await openChat(harness);
    harness.telegram.userSends(ANN.id, { location: { latitude: 52.52, longitude: 13.405 } });
    harness.telegram.userSends(ANN.id, { contact: { phone_number: '+4915112345678', first_name: 'Alice' } });
    const messages = await customerMessages(harness, sid, 3);
    expect(messages.slice(1).map((m) => m.body)).toEqual([
      '📍 location 52.52, 13.405 (https://maps.google.com/?q=52.52,13.405)',
      '👤 contact Alice +4915112345678',
    ]);
  });

  it('posts a photo once when Twilio applied the post but the answer never came', async () => {
    const harness = await started({ TWILIO_TIMEOUT_MS: '300' });
    const sid = await openChat(harness);
    harness.twilio.hangNext({ host: 'conversations.twilio.com', method: 'POST', path: `/v1/Conversations/${sid}/Messages`, apply: true });
    const data = randomBytes(1000);
    harness.telegram.userSendsFile(ANN.id, { kind: 'photo', data, caption: 'receipt' });
    harness.telegram.userSends(ANN.id, 'after the photo');

    const messages = await customerMessages(harness, sid, 3);
    await eventually(() => harness.app.store.outboxStats().then((s) => s.pending === 0), 'the outbox to drain', 10_000);
    expect(harness.twilio.messages(sid).map((m) => m.body)).toEqual(['hello', 'receipt', 'after the photo']);
    expect(harness.twilio.requests.filter((r) => r.fault === 'hang-after-apply')).toHaveLength(1);
    expect(harness.twilio.requests.some((r) => r.method === 'GET' && r.path === `/v1/Conversations/${sid}/Messages`)).toBe(true);
    expect(harness.twilio.mediaContent(messages[1]!.media![0]!.sid)?.equals(data)).toBe(true);
  });
});

describe('Flex agent → Telegram customer: files', () => {
  it.each([
    ['image/jpeg', 'photo.jpg', 'sendPhoto', 'photo'],
    ['application/pdf', 'terms.pdf', 'sendDocument', 'document'],
    ['audio/ogg', 'note.ogg', 'sendVoice', 'voice'],
    ['video/mp4', 'howto.mp4', 'sendVideo', 'video'],
  ])('sends %s by multipart with %s… (%s), the text as its caption', async (contentType, filename, method, field) => {
    const harness = await started();
    const sid = await openChat(harness);
    // Telegram decodes a photo: only a real picture passes sendPhoto.
    const data = contentType === 'image/jpeg' ? sampleJpeg(640, 480) : randomBytes(32 * 1024);
    harness.twilio.agentSendFile(sid, { data, contentType, filename }, 'here you go');

    const request = await harness.telegram.waitForRequest(method);
    expect(request.contentType).toMatch(/^multipart\/form-data/);
    expect(request.params).not.toHaveProperty('reply_parameters');
    const [sent] = await harness.telegram.waitForMessages(ANN.id, 1);
    expect(sent!.caption).toBe('here you go');
    const file = sent![field] as { file_id: string } | { file_id: string }[];
    const fileId = Array.isArray(file) ? file[0]!.file_id : file.file_id;
    expect(harness.telegram.fileContents(fileId)?.equals(data)).toBe(true);
  });

  it.each([
    ['a panorama more than 20 times as wide as tall (PHOTO_INVALID_DIMENSIONS)', samplePng(8400, 400)],
    ['a file labelled image/png that is no picture (IMAGE_PROCESS_FAILED)', randomBytes(4 * 1024)],
  ])('sends a photo Telegram refuses, %s, again as a document with its caption', async (_what, data) => {
    const harness = await started();
    const sid = await openChat(harness);
    harness.twilio.agentSendFile(sid, { data, contentType: 'image/png', filename: 'panorama.png' }, 'the whole shelf');

    const [sent] = await harness.telegram.waitForMessages(ANN.id, 1);
    expect(sent).toMatchObject({ caption: 'the whole shelf', document: expect.objectContaining({ file_name: 'panorama.png' }) });
    expect(harness.telegram.fileContents((sent!.document as { file_id: string }).file_id)?.equals(data)).toBe(true);
    expect(harness.telegram.requests.map((r) => r.method).filter((m) => m.startsWith('send'))).toEqual(['sendPhoto', 'sendDocument']);
    await eventually(() => harness.app.store.outboxStats().then((s) => s.pending === 0 && s.dead === 0), 'the reply delivered, nothing dead-lettered');
  });

  it('sends text over the 1024-character caption limit as a message after the file', async () => {
    const harness = await started();
    const sid = await openChat(harness);
    const long = 'x'.repeat(1500);
    harness.twilio.agentSendFile(sid, { data: samplePng(200, 100), contentType: 'image/png', filename: 'chart.png' }, long);

    const [photo, text] = await harness.telegram.waitForMessages(ANN.id, 2);
    expect(photo).toMatchObject({ photo: expect.any(Array) });
    expect(photo).not.toHaveProperty('caption');
    expect(text!.text).toBe(long);
  });
});
