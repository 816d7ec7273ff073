import pino from 'pino';
import { SANDBOX_CREDENTIALS, TelegramEmulator } from '@flex-bridge/emulators';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TelegramAdapter } from '../../../adapters/telegram/telegram-adapter.js';
import type { InboundSink } from '../../../src/core/chat-adapter.js';
import type { InboundMessage } from '../../../src/core/messages.js';

const CUSTOMER = { id: 5012345678, username: 'ann', first_name: 'Ann' };
const SECRET = 'webhook-secret';
/** telegraf 4.16.3's default handlerTimeout, and then some. */
const PAST_TELEGRAF_TIMEOUT_MS = 91_000;

let emulator: TelegramEmulator | undefined;
let adapter: TelegramAdapter | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await adapter?.stop();
  await emulator?.stop();
});

function update(updateId: number) {
  const date = Math.floor(Date.now() / 1000);
  return {
    update_id: updateId,
    message: { message_id: 7, date, chat: { id: CUSTOMER.id, type: 'private', first_name: CUSTOMER.first_name }, from: { ...CUSTOMER, is_bot: false }, text: 'is my parcel lost?' },
  };
}

/** A store that answers each call when the test says: resolve, or fail. */
function heldStore() {
  const stored: InboundMessage[] = [];
  const calls: { resolve: () => void; reject: (err: Error) => void; message: InboundMessage }[] = [];
  const sink: InboundSink = (message) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ resolve: () => (stored.push(message), resolve()), reject, message });
    });
  return { sink, stored, calls };
}

describe('a Telegram update whose store is slower than telegraf’s handler timeout', () => {
  it('is not acknowledged before the store answers; when it fails Telegram gets a 503, and the redelivery lands once', async () => {
    emulator = new TelegramEmulator({ token: SANDBOX_CREDENTIALS.telegramToken });
    await emulator.start();
    const store = heldStore();
    adapter = new TelegramAdapter({
      token: SANDBOX_CREDENTIALS.telegramToken,
      apiRoot: emulator.baseUrl,
      mode: 'webhook',
      webhookSecret: SECRET,
      publicBaseUrl: 'https://bridge.example.com',
      texts: () => 'hello',
      log: pino({ level: 'silent' }),
    });
    await adapter.start(store.sink, async () => {});
    const headers = { 'x-telegram-bot-api-secret-token': SECRET };

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let answered: { status: number } | undefined;
    const first = adapter.webhook!.handle(headers, update(1001)).then((a) => (answered = a));
    await vi.waitFor(() => expect(store.calls).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(PAST_TELEGRAF_TIMEOUT_MS);
    expect(answered).toBeUndefined();

    store.calls[0]!.reject(new Error('database unreachable'));
    await first;
    expect(answered).toEqual({ status: 503 });
    expect(store.stored).toEqual([]);

    // Telegram delivers the update again after a non-2xx; this time the store answers.
    const again = adapter.webhook!.handle(headers, update(1001));
    await vi.waitFor(() => expect(store.calls).toHaveLength(2));
    store.calls[1]!.resolve();
    expect(await again).toEqual({ status: 200 });
    expect(store.stored.map((m) => [m.externalMessageId, m.text])).toEqual([[`${CUSTOMER.id}:7`, 'is my parcel lost?']]);
  });
});
