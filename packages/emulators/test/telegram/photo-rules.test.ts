import { describe, expect, it } from 'vitest';
import { Input } from 'telegraf';
import { imageSize } from '../../src/telegram/image-size.js';
import { cleanupAfterEach, startEmulator, telegrafFor } from './harness.js';
import { jpegHeader, pngHeader } from './image-headers.js';

const defer = cleanupAfterEach();
const ALICE = { id: 42, first_name: 'Alice' };

describe('TelegramEmulator sendPhoto rules', () => {
  it('reads the size from PNG and JPEG headers, and nothing from other bytes', () => {
    expect(imageSize(pngHeader(640, 480))).toEqual({ width: 640, height: 480 });
    expect(imageSize(jpegHeader(1920, 1080))).toEqual({ width: 1920, height: 1080 });
    expect(imageSize(Buffer.from('GIF89a not an image we read'))).toBeUndefined();
    expect(imageSize(pngHeader(640, 480).subarray(0, 20))).toBeUndefined();
  });

  it.each([
    ['a PNG wider and taller than 10000 in total', pngHeader(6000, 4001)],
    ['a JPEG more than 20 times as tall as wide', jpegHeader(100, 2001)],
    ['a PNG panorama more than 20 times as wide as tall', pngHeader(8400, 400)],
  ])('refuses %s with PHOTO_INVALID_DIMENSIONS, and takes it as a document', async (_what, data) => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser(ALICE);
    const { telegram } = telegrafFor(baseUrl);

    await expect(telegram.sendPhoto(ALICE.id, Input.fromBuffer(data, 'image'))).rejects.toMatchObject({
      code: 400,
      description: 'Bad Request: PHOTO_INVALID_DIMENSIONS',
    });
    await telegram.sendDocument(ALICE.id, Input.fromBuffer(data, 'image'));
    expect(emulator.messagesTo(ALICE.id)).toEqual([expect.objectContaining({ document: expect.anything() })]);
  });

  it('takes photos within the limits: 5000 + 5000, and a ratio of exactly 20', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser(ALICE);
    const { telegram } = telegrafFor(baseUrl);

    await telegram.sendPhoto(ALICE.id, Input.fromBuffer(pngHeader(5000, 5000), 'square.png'));
    await telegram.sendPhoto(ALICE.id, Input.fromBuffer(jpegHeader(8000, 400), 'wide.jpg'));
    expect(emulator.messagesTo(ALICE.id).filter((message) => message.photo)).toHaveLength(2);
  });
});
