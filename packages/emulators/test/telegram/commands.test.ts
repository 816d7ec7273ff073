import { describe, expect, it } from 'vitest';
import { TelegramError } from 'telegraf';
import { cleanupAfterEach, startEmulator, telegrafFor } from './harness.js';

const defer = cleanupAfterEach();

async function rejection(promise: Promise<unknown>): Promise<TelegramError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof TelegramError)) throw new Error(`expected a TelegramError, got ${String(error)}`);
  return error;
}

describe('TelegramEmulator command menu (setMyCommands, getMyCommands, deleteMyCommands)', () => {
  it('keeps the menu per language, and deleting one leaves the others', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    const { telegram } = telegrafFor(baseUrl);
    const menu = [{ command: 'end', description: 'End this chat' }];
    expect(await telegram.setMyCommands(menu)).toBe(true);
    await telegram.setMyCommands([{ command: 'end', description: 'Chat beenden' }], { language_code: 'de' });
    expect(await telegram.getMyCommands()).toEqual(menu);
    expect(await telegram.getMyCommands({ language_code: 'de' })).toEqual([{ command: 'end', description: 'Chat beenden' }]);
    expect(emulator.botCommands()).toEqual(menu);
    expect(await telegram.deleteMyCommands({ language_code: 'de' })).toBe(true);
    expect(await telegram.getMyCommands({ language_code: 'de' })).toEqual([]);
    expect(await telegram.getMyCommands()).toEqual(menu);
  });

  it('refuses a command that is not 1–32 lowercase letters, digits or underscores, and a description that is empty or over 256 characters', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    const { telegram } = telegrafFor(baseUrl);
    for (const command of ['End', '/end', '', 'a'.repeat(33), 'ende!']) {
      expect((await rejection(telegram.setMyCommands([{ command, description: 'x' }]))).description).toBe('Bad Request: BOT_COMMAND_INVALID');
    }
    for (const description of ['', ' ', 'x'.repeat(257)]) {
      expect((await rejection(telegram.setMyCommands([{ command: 'end', description }]))).description).toBe('Bad Request: BOT_COMMAND_DESCRIPTION_INVALID');
    }
    await telegram.setMyCommands([{ command: 'a'.repeat(32), description: 'x'.repeat(256) }]);
    expect(emulator.botCommands()).toHaveLength(1);
  });
});
