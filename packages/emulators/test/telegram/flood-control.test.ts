import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, manualClock, startEmulator, telegrafFor } from './harness.js';

const defer = cleanupAfterEach();
const ALICE = { id: 42, first_name: 'Alice' };
const BOB = { id: 43, first_name: 'Bob' };

const tooMany = (retryAfter: number) => ({
  code: 429,
  description: `Too Many Requests: retry after ${retryAfter}`,
  parameters: { retry_after: retryAfter },
});

describe('TelegramEmulator flood limits (sendRateLimits)', () => {
  it('lets a burst through to a chat, then about one message a second, answering 429 with retry_after', async () => {
    const clock = manualClock();
    const { emulator, baseUrl } = await startEmulator(defer, { now: clock.now, sendRateLimits: { perChatPerSecond: 1, perChatBurst: 2 } });
    emulator.addUser(ALICE);
    emulator.addUser(BOB);
    const { telegram } = telegrafFor(baseUrl);

    await telegram.sendMessage(ALICE.id, 'one');
    await telegram.sendMessage(ALICE.id, 'two');
    await expect(telegram.sendMessage(ALICE.id, 'three')).rejects.toMatchObject(tooMany(1));
    await telegram.sendMessage(BOB.id, 'another chat is not held back');
    clock.advance(1000);
    await telegram.sendMessage(ALICE.id, 'three');
    await expect(telegram.sendMessage(ALICE.id, 'four')).rejects.toMatchObject(tooMany(1));
    expect(emulator.messagesTo(ALICE.id).map((message) => message.text)).toEqual(['one', 'two', 'three']);
  });

  it('limits all chats together to overallPerSecond', async () => {
    const clock = manualClock();
    const { emulator, baseUrl } = await startEmulator(defer, { now: clock.now, sendRateLimits: { overallPerSecond: 2 } });
    emulator.addUser(ALICE);
    emulator.addUser(BOB);
    const { telegram } = telegrafFor(baseUrl);

    await telegram.sendMessage(ALICE.id, 'one');
    await telegram.sendMessage(BOB.id, 'two');
    await expect(telegram.sendMessage(BOB.id, 'three')).rejects.toMatchObject(tooMany(1));
    clock.advance(500);
    await telegram.sendMessage(BOB.id, 'three');
  });

  it('has no limits unless asked', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser(ALICE);
    const { telegram } = telegrafFor(baseUrl);
    for (let i = 0; i < 40; i++) await telegram.sendMessage(ALICE.id, `message ${i}`);
    expect(emulator.messagesTo(ALICE.id)).toHaveLength(40);
  });
});
