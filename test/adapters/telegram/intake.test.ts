import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundSink } from '../../../src/core/chat-adapter.js';
import { TelegramAdapter } from '../../../adapters/telegram/telegram-adapter.js';
import type { InboundMessage } from '../../../src/core/messages.js';
import { SANDBOX_CREDENTIALS } from '@flex-bridge/emulators';
import { TelegramEmulator } from '@flex-bridge/emulators';
import { eventually } from '../../support/wait.js';

const CUSTOMER = { id: 5012345678, username: 'ann', first_name: 'Ann' };

let emulator: TelegramEmulator | undefined;
const adapters: TelegramAdapter[] = [];
afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.stop()));
  await emulator?.stop();
});

async function startEmulator(): Promise<TelegramEmulator> {
  emulator = new TelegramEmulator({ token: SANDBOX_CREDENTIALS.telegramToken, allowInsecureWebhooks: true });
  await emulator.start();
  emulator.addUser(CUSTOMER);
  return emulator;
}

async function started(tg: TelegramEmulator, sink: InboundSink, mode: 'polling' | 'webhook' = 'polling'): Promise<TelegramAdapter> {
  const adapter = new TelegramAdapter({
    token: SANDBOX_CREDENTIALS.telegramToken,
    apiRoot: tg.baseUrl,
    mode,
    webhookSecret: 'secret',
    publicBaseUrl: 'http://127.0.0.1:9',
    texts: () => 'hello',
    log: pino({ level: 'silent' }),
  });
  adapters.push(adapter);
  await adapter.start(sink, async () => {});
  return adapter;
}

const recorder = () => {
  const received: InboundMessage[] = [];
  return { received, sink: (async (m) => void received.push(m)) as InboundSink };
};
const calls = (tg: TelegramEmulator, method: string) => tg.requests.filter((r) => r.method === method).length;

describe('TelegramAdapter with several processes: one polls, all send', () => {
  it('sends once started, without polling; polls only while its exclusive intake runs', async () => {
    const tg = await startEmulator();
    const inbox = recorder();
    const adapter = await started(tg, inbox.sink);

    await adapter.send({ network: 'telegram', externalUserId: String(CUSTOMER.id), externalChatId: String(CUSTOMER.id) }, { text: 'from a follower' });
    expect(tg.messagesTo(CUSTOMER.id).map((m) => m.text)).toEqual(['from a follower']);
    expect(calls(tg, 'getUpdates') + calls(tg, 'deleteWebhook')).toBe(0);
    expect(adapter.health()).toEqual({ ready: true, detail: 'standby: another process polls' });

    await adapter.exclusiveIntake!.start();
    tg.userSends(CUSTOMER.id, 'hello');
    await eventually(() => inbox.received.length === 1, 'the message at the sink');
    expect(adapter.health()).toEqual({ ready: true, detail: 'polling' });

    await adapter.exclusiveIntake!.stop();
    expect(adapter.health()).toEqual({ ready: true, detail: 'standby: another process polls' });
    const polls = calls(tg, 'getUpdates');
    tg.userSends(CUSTOMER.id, 'while nobody polls');
    expect(calls(tg, 'getUpdates')).toBe(polls);
    expect(tg.pendingUpdates).toBe(1);
  });

  it('hands polling over: the next poller gets what came meanwhile, and nothing the first one stored', async () => {
    const tg = await startEmulator();
    const [first, second] = [recorder(), recorder()];
    const a = await started(tg, first.sink);
    const b = await started(tg, second.sink);
    await a.exclusiveIntake!.start();
    tg.userSends(CUSTOMER.id, 'one');
    await eventually(() => first.received.length === 1, 'the first message');

    await a.exclusiveIntake!.stop();
    tg.userSends(CUSTOMER.id, 'two');
    await b.exclusiveIntake!.start();
    tg.userSends(CUSTOMER.id, 'three');
    await eventually(() => second.received.length === 2, 'the messages at the second poller');

    expect(first.received.map((m) => m.text)).toEqual(['one']);
    expect(second.received.map((m) => m.text)).toEqual(['two', 'three']);
  });

  it('in webhook mode sets the webhook only as the exclusive intake: every process answers it, one sets it', async () => {
    const tg = await startEmulator();
    const follower = await started(tg, recorder().sink, 'webhook');
    const leader = await started(tg, recorder().sink, 'webhook');
    expect(calls(tg, 'setWebhook')).toBe(0);
    expect(follower.health()).toEqual({ ready: true, detail: 'standby: another process sets the webhook' });

    await leader.exclusiveIntake.start();
    expect(calls(tg, 'setWebhook')).toBe(1);
    expect(leader.health()).toEqual({ ready: true, detail: 'webhook set' });
    expect(follower.health()).toEqual({ ready: true, detail: 'standby: another process sets the webhook' });
  });

  it('waits out a 429 on setWebhook (Telegram rate-limits it) and then sets it', async () => {
    const tg = await startEmulator();
    const adapter = await started(tg, recorder().sink, 'webhook');
    tg.failNext({ method: 'setWebhook', error_code: 429, retry_after: 1 });

    await adapter.exclusiveIntake.start();
    expect(calls(tg, 'setWebhook')).toBe(2);
    expect(adapter.health()).toEqual({ ready: true, detail: 'webhook set' });
  });

  it('gives up on setWebhook after a few 429s, so the intake start fails and is tried again later', async () => {
    const tg = await startEmulator();
    const adapter = await started(tg, recorder().sink, 'webhook');
    tg.failNext({ method: 'setWebhook', error_code: 429, retry_after: 0, times: 3 });

    await expect(adapter.exclusiveIntake.start()).rejects.toThrow(/setWebhook failed: telegram 429/);
    expect(calls(tg, 'setWebhook')).toBe(3);
  });
});
