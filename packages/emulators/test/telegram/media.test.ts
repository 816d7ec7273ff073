import { describe, expect, it } from 'vitest';
import { TelegramError } from 'telegraf';
import { cleanupAfterEach, rawCall, startEmulator, telegrafFor, TOKEN } from './harness.js';

const defer = cleanupAfterEach();
const ALICE = { id: 42, first_name: 'Alice' };

describe('TelegramEmulator files', () => {
  it('holds what a customer sends: getFile gives a path, /file/bot<token>/<path> the bytes', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser(ALICE);
    const data = Buffer.from('%PDF-1.7 test');
    const sent = emulator.userSendsFile(ALICE.id, { kind: 'document', data, fileName: 'a.pdf', mimeType: 'application/pdf', caption: 'see' });
    expect(sent).toMatchObject({ caption: 'see', document: { file_name: 'a.pdf', mime_type: 'application/pdf', file_size: data.length } });

    const bot = telegrafFor(baseUrl);
    const file = await bot.telegram.getFile((sent.document as { file_id: string }).file_id);
    expect(file.file_path).toMatch(/^documents\/file_\d+\.pdf$/);
    const download = await fetch(`${baseUrl}/file/bot${TOKEN}/${file.file_path}`);
    expect(Buffer.from(await download.arrayBuffer()).equals(data)).toBe(true);
    expect((await fetch(`${baseUrl}/file/bot1:wrong/${file.file_path}`)).status).toBe(401);
    expect((await fetch(`${baseUrl}/file/bot${TOKEN}/documents/nope.pdf`)).status).toBe(404);
  });

  it('refuses getFile over 20 MB and unknown file ids, as Telegram does', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser(ALICE);
    const big = emulator.userSendsFile(ALICE.id, { kind: 'video', data: Buffer.alloc(20 * 1024 * 1024 + 1) });
    const bot = telegrafFor(baseUrl);
    await expect(bot.telegram.getFile((big.video as { file_id: string }).file_id)).rejects.toMatchObject({
      code: 400,
      description: 'Bad Request: file is too big',
    });
    await expect(bot.telegram.getFile('nope')).rejects.toBeInstanceOf(TelegramError);
  });

  it('takes multipart uploads from telegraf and keeps their bytes; photos over 10 MB are refused', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser(ALICE);
    const bot = telegrafFor(baseUrl);
    const data = Buffer.from('voice bytes');
    const voice = await bot.telegram.sendVoice(ALICE.id, { source: data, filename: 'v.ogg' }, { caption: 'listen' });
    expect(voice).toMatchObject({ caption: 'listen', voice: { file_size: data.length } });
    expect(emulator.fileContents(voice.voice.file_id)?.equals(data)).toBe(true);
    expect(emulator.requests.at(-1)?.params.voice).toEqual({ filename: 'v.ogg', content_type: expect.any(String), size: data.length });

    await expect(bot.telegram.sendPhoto(ALICE.id, { source: Buffer.alloc(10 * 1024 * 1024 + 1), filename: 'p.jpg' })).rejects.toMatchObject({ code: 413 });
    await expect(bot.telegram.sendDocument(ALICE.id, { source: data, filename: 'd.txt' }, { caption: 'x'.repeat(1025) })).rejects.toMatchObject({
      description: 'Bad Request: message caption is too long',
    });
    const noFile = await rawCall(`${baseUrl}/bot${TOKEN}/sendVideo`, { method: 'POST', body: new URLSearchParams({ chat_id: String(ALICE.id) }) });
    expect(noFile.body).toMatchObject({ ok: false, description: 'Bad Request: there is no video in the request' });
  });
});
