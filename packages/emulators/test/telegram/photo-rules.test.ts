import { describe, expect, it } from 'vitest';
import { Input } from 'telegraf';
import { readPhoto } from '../../src/telegram/read-photo.js';
import { sampleJpeg, samplePng } from '../../src/shared/sample-images.js';
import { cleanupAfterEach, startEmulator, telegrafFor } from './harness.js';

const defer = cleanupAfterEach();
const ALICE = { id: 42, first_name: 'Alice' };

describe('TelegramEmulator sendPhoto rules', () => {
  it('reads the size of whole PNG, JPEG, GIF and BMP files, knows WebP and TIFF, and nothing else', () => {
    expect(readPhoto(samplePng(640, 480))).toEqual({ width: 640, height: 480 });
    expect(readPhoto(sampleJpeg(1920, 1080))).toEqual({ width: 1920, height: 1080 });
    expect(readPhoto(Buffer.from('GIF89a\x20\x00\x10\x00rest', 'latin1'))).toEqual({ width: 32, height: 16 });
    expect(readPhoto(Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1'))).toEqual({});
    expect(readPhoto(samplePng(640, 480).subarray(0, 40))).toBeUndefined();
    expect(readPhoto(sampleJpeg(64, 64).subarray(0, 100))).toBeUndefined();
    expect(readPhoto(Buffer.from('%PDF-1.7 not a picture'))).toBeUndefined();
  });

  it.each([
    ['a PNG wider and taller than 10000 in total', samplePng(6000, 4001), 'PHOTO_INVALID_DIMENSIONS'],
    ['a JPEG more than 20 times as tall as wide', sampleJpeg(100, 2001), 'PHOTO_INVALID_DIMENSIONS'],
    ['a PNG panorama more than 20 times as wide as tall', samplePng(8400, 400), 'PHOTO_INVALID_DIMENSIONS'],
    ['bytes that are no picture', Buffer.from('%PDF-1.7 terms and conditions'), 'IMAGE_PROCESS_FAILED'],
    ['a PNG cut off after its header', samplePng(64, 64).subarray(0, 40), 'IMAGE_PROCESS_FAILED'],
  ])('refuses %s as Telegram does, and takes it as a document', async (_what, data, description) => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser(ALICE);
    const { telegram } = telegrafFor(baseUrl);

    await expect(telegram.sendPhoto(ALICE.id, Input.fromBuffer(data, 'image'))).rejects.toMatchObject({
      code: 400,
      description: `Bad Request: ${description}`,
    });
    await telegram.sendDocument(ALICE.id, Input.fromBuffer(data, 'image'));
    expect(emulator.messagesTo(ALICE.id)).toEqual([expect.objectContaining({ document: expect.anything() })]);
  });

  it('takes photos within the limits: 5000 + 5000, and a ratio of exactly 20', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser(ALICE);
    const { telegram } = telegrafFor(baseUrl);

    await telegram.sendPhoto(ALICE.id, Input.fromBuffer(samplePng(5000, 5000), 'square.png'));
    await telegram.sendPhoto(ALICE.id, Input.fromBuffer(sampleJpeg(8000, 400), 'wide.jpg'));
    expect(emulator.messagesTo(ALICE.id).filter((message) => message.photo)).toHaveLength(2);
  });
});
