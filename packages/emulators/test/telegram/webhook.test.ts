import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { TelegramError, type Telegraf } from 'telegraf';
import type { Update } from 'telegraf/types';
import type { TelegramEmulatorOptions } from '../../src/telegram/emulator.js';
import { cleanupAfterEach, collectEvents, manualClock, rawCall, startEmulator as startStrictEmulator, telegrafFor, TOKEN } from './harness.js';

const defer = cleanupAfterEach();
const ALICE = { id: 5_012_345_678, first_name: 'Alice', username: 'alice' };
const BOB = { id: 42, first_name: 'Bob' };

/** The receivers here are plain HTTP on loopback, which only `allowInsecureWebhooks` lets setWebhook take. */
const startEmulator = (cleanup: typeof defer, options: Partial<TelegramEmulatorOptions> = {}) =>
  startStrictEmulator(cleanup, { allowInsecureWebhooks: true, ...options });
const SECRET = 'a-Secret_123';

interface Received {
  secret: string | string[] | undefined;
  update: Update;
}

/** A webhook receiver that answers with the given statuses in turn, then 200; with a bot, it runs it on each update. */
async function startReceiver(statuses: number[] = [], bot?: Telegraf): Promise<{ url: string; received: Received[] }> {
  // Force-close: the emulator may hold a keep-alive connection to the receiver when the test ends.
  const app = Fastify({ forceCloseConnections: true });
  const received: Received[] = [];
  app.post('/hook', async (request, reply) => {
    const update = request.body as Update;
    received.push({ secret: request.headers['x-telegram-bot-api-secret-token'], update });
    const status = statuses.shift() ?? 200;
    if (status === 200 && bot) await bot.handleUpdate(update);
    if (status === 429) void reply.header('retry-after', '1');
    return reply.code(status).send();
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  defer(() => app.close());
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('receiver is not on TCP');
  return { url: `http://127.0.0.1:${address.port}/hook`, received };
}

describe('TelegramEmulator webhook mode', () => {
  it('refuses getUpdates with 409 while a webhook is set, and describes the webhook', async () => {
    const { baseUrl } = await startEmulator(defer);
    const { telegram } = telegrafFor(baseUrl);
    const { url } = await startReceiver();
    await telegram.setWebhook(url, { secret_token: SECRET, max_connections: 5, allowed_updates: ['message'] });

    const error = await telegram.getUpdates(0, 100, 0, undefined).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TelegramError);
    expect(error).toMatchObject({
      code: 409,
      description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    });
    expect(await telegram.getWebhookInfo()).toEqual({
      url,
      has_custom_certificate: false,
      pending_update_count: 0,
      max_connections: 5,
      allowed_updates: ['message'],
    });

    await telegram.deleteWebhook();
    expect(await telegram.getUpdates(0, 100, 0, undefined)).toEqual([]);
    expect(await telegram.getWebhookInfo()).toEqual({ url: '', has_custom_certificate: false, pending_update_count: 0 });
  });

  it('posts each update with the secret header to the receiver, where telegraf handles it', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser(ALICE);
    const bot = telegrafFor(baseUrl);
    bot.on('text', (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
    const { url, received } = await startReceiver([], bot);
    await bot.telegram.setWebhook(url, { secret_token: SECRET });

    const delivered = collectEvents(emulator, 'webhookDelivery', 1);
    const sent = emulator.userSends(ALICE.id, 'over the hook');
    const [reply] = await emulator.waitForMessages(ALICE.id, 1);
    await delivered;

    expect(received).toEqual([{ secret: SECRET, update: { update_id: 1, message: sent } }]);
    expect(reply?.text).toBe('echo: over the hook');
    expect(emulator.pendingUpdates).toBe(0);
  });

  it('retries after a 500, one update at a time and in order, and records the error', async () => {
    const { emulator, baseUrl } = await startEmulator(defer, { webhookRetry: { initialDelayMs: 5 } });
    emulator.addUser(ALICE);
    const { telegram } = telegrafFor(baseUrl);
    const { url, received } = await startReceiver([500]);
    await telegram.setWebhook(url);

    const deliveries = collectEvents(emulator, 'webhookDelivery', 3);
    emulator.userSends(ALICE.id, 'one');
    emulator.userSends(ALICE.id, 'two');

    expect((await deliveries).map(({ update_id, attempt, ok, status }) => ({ update_id, attempt, ok, status }))).toEqual([
      { update_id: 1, attempt: 1, ok: false, status: 500 },
      { update_id: 1, attempt: 2, ok: true, status: 200 },
      { update_id: 2, attempt: 1, ok: true, status: 200 },
    ]);
    expect(received.map(({ update, secret }) => [update.update_id, secret])).toEqual([
      [1, undefined],
      [1, undefined],
      [2, undefined],
    ]);
    const info = await telegram.getWebhookInfo();
    expect(info).toMatchObject({ pending_update_count: 0, last_error_message: 'Wrong response from the webhook: 500 Internal Server Error' });
    expect(Math.abs((info.last_error_date ?? 0) - Date.now() / 1000)).toBeLessThan(5);
    expect(emulator.webhookDeliveries).toHaveLength(3);
  });

  it('keeps undelivered updates pending while the receiver is down, for getUpdates after deleteWebhook', async () => {
    const { emulator, baseUrl } = await startEmulator(defer, { webhookRetry: { initialDelayMs: 5 } });
    emulator.addUser(ALICE);
    const { telegram } = telegrafFor(baseUrl);
    const down = Fastify();
    await down.listen({ port: 0, host: '127.0.0.1' });
    const address = down.server.address();
    await down.close();
    if (address === null || typeof address === 'string') throw new Error('receiver is not on TCP');
    await telegram.setWebhook(`http://127.0.0.1:${address.port}/hook`);

    const failures = collectEvents(emulator, 'webhookDelivery', 2);
    emulator.userSends(ALICE.id, 'anyone there?');
    expect((await failures).map(({ update_id, ok, error }) => ({ update_id, ok, error }))).toEqual([
      { update_id: 1, ok: false, error: 'Connection refused' },
      { update_id: 1, ok: false, error: 'Connection refused' },
    ]);
    expect(await telegram.getWebhookInfo()).toMatchObject({ pending_update_count: 1, last_error_message: 'Connection refused' });

    await telegram.deleteWebhook();
    const [update] = await telegram.getUpdates(0, 100, 0, undefined);
    expect(update).toMatchObject({ update_id: 1, message: { text: 'anyone there?' } });
  });

  it('drops pending updates when asked', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser(ALICE);
    const { telegram } = telegrafFor(baseUrl);
    emulator.userSends(ALICE.id, 'stale');
    expect((await telegram.getWebhookInfo()).pending_update_count).toBe(1);

    await telegram.deleteWebhook({ drop_pending_updates: true });
    expect(emulator.pendingUpdates).toBe(0);
    expect(await telegram.getUpdates(0, 100, 0, undefined)).toEqual([]);
  });

  it('ends a held long poll with 409 when a webhook is set', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    const { telegram } = telegrafFor(baseUrl);
    const { url } = await startReceiver();

    const received = emulator.waitForRequest('getUpdates');
    const poll = telegram.getUpdates(50, 100, 0, undefined).catch((error: unknown) => error);
    await received;
    await telegram.setWebhook(url);

    expect(await poll).toMatchObject({ code: 409, description: 'Conflict: terminated by setWebhook request' });
  });

  it('validates setWebhook and answers with Telegram descriptions', async () => {
    const clock = manualClock();
    const { baseUrl } = await startEmulator(defer, { now: clock.now });
    const { url } = await startReceiver();
    // Telegram counts every setWebhook with a URL against its one-a-second limit, valid or not.
    const call = (params: Record<string, unknown>) => {
      clock.advance(1000);
      return rawCall(`${baseUrl}/bot${TOKEN}/setWebhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params),
      });
    };

    expect(await call({ url, secret_token: 'not+base64/=' })).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: 'Bad Request: secret token contains unallowed characters' },
    });
    expect((await call({ url, secret_token: 'x'.repeat(257) })).body.description).toBe('Bad Request: secret token is too long');
    expect((await call({ url: 'ftp://example.com/hook' })).body.description).toBe('Bad Request: invalid webhook URL specified');

    expect((await call({ url, secret_token: 'x'.repeat(256) })).body).toEqual({ ok: true, result: true, description: 'Webhook was set' });
    expect((await call({ url, secret_token: 'x'.repeat(256) })).body.description).toBe('Webhook is already set');
    expect((await call({ url, secret_token: '' })).body.description).toBe('Webhook was set');
    expect((await call({ url: '' })).body.description).toBe('Webhook was deleted');
    expect((await call({})).body.description).toBe('Webhook is already deleted');
  });

  it('takes only HTTPS webhooks on ports 443, 80, 88 and 8443 unless allowInsecureWebhooks is set', async () => {
    const clock = manualClock();
    const { baseUrl } = await startStrictEmulator(defer, { now: clock.now });
    const { telegram } = telegrafFor(baseUrl);
    const refusal = async (url: string) => {
      clock.advance(1000);
      return ((await telegram.setWebhook(url).catch((error: unknown) => error)) as TelegramError).description;
    };

    expect(await refusal('http://bridge.example.com/hook')).toBe('Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
    expect(await refusal('https://bridge.example.com:3000/hook')).toBe('Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443');
    for (const url of ['https://bridge.example.com/hook', 'https://bridge.example.com:8443/hook', 'https://bridge.example.com:88/hook']) {
      clock.advance(1000);
      expect(await telegram.setWebhook(url)).toBe(true);
    }
    await telegram.deleteWebhook();
  });

  it('answers a second setWebhook within a second with 429 retry_after 1', async () => {
    const clock = manualClock();
    const { baseUrl } = await startEmulator(defer, { now: clock.now });
    const { telegram } = telegrafFor(baseUrl);
    const { url } = await startReceiver();

    expect(await telegram.setWebhook(url)).toBe(true);
    clock.advance(999);
    expect(await telegram.setWebhook(url).catch((error: unknown) => error)).toMatchObject({
      code: 429,
      description: 'Too Many Requests: retry after 1',
      parameters: { retry_after: 1 },
    });
    expect(await telegram.deleteWebhook()).toBe(true);
    clock.advance(1);
    expect(await telegram.setWebhook(url)).toBe(true);
  });

  it('delivers each chat in order, different chats at once, up to max_connections', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser(ALICE);
    emulator.addUser(BOB);
    const { telegram } = telegrafFor(baseUrl);
    const receiver = await startGatedReceiver();
    await telegram.setWebhook(receiver.url, { max_connections: 2 });

    emulator.userSends(ALICE.id, 'alice 1');
    emulator.userSends(ALICE.id, 'alice 2');
    emulator.userSends(BOB.id, 'bob 1');
    await receiver.arrived(2);
    // Alice's first is held: Bob's came alongside it, Alice's second waits behind it.
    expect(receiver.texts()).toEqual(['alice 1', 'bob 1']);
    receiver.release('alice 1');
    await receiver.arrived(3);
    expect(receiver.texts()).toEqual(['alice 1', 'bob 1', 'alice 2']);
  });

  it('holds other chats back once max_connections updates are in flight', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser(ALICE);
    emulator.addUser(BOB);
    const { telegram } = telegrafFor(baseUrl);
    const receiver = await startGatedReceiver();
    await telegram.setWebhook(receiver.url, { max_connections: 1 });

    emulator.userSends(ALICE.id, 'alice 1');
    emulator.userSends(BOB.id, 'bob 1');
    await receiver.arrived(1);
    expect(receiver.texts()).toEqual(['alice 1']);
    receiver.release('alice 1');
    await receiver.arrived(2);
    expect(receiver.texts()).toEqual(['alice 1', 'bob 1']);
  });

  it('waits out Retry-After, and otherwise backs off doubling up to maxDelayMs', async () => {
    const { emulator, baseUrl } = await startEmulator(defer, { webhookRetry: { initialDelayMs: 5, maxDelayMs: 20 } });
    emulator.addUser(ALICE);
    const { telegram } = telegrafFor(baseUrl);
    const { url } = await startReceiver([500, 500, 500, 500, 429]);
    await telegram.setWebhook(url);

    const deliveries = collectEvents(emulator, 'webhookDelivery', 6);
    emulator.userSends(ALICE.id, 'persistent');
    expect((await deliveries).map(({ status, retryInMs }) => [status, retryInMs])).toEqual([
      [500, 5],
      [500, 10],
      [500, 20],
      [500, 20],
      [429, 1000],
      [200, undefined],
    ]);
  });

  it('drops an update it could not deliver once it is a day old', async () => {
    const clock = manualClock();
    const { emulator, baseUrl } = await startEmulator(defer, { now: clock.now, webhookRetry: { initialDelayMs: 5, maxDelayMs: 5 } });
    emulator.addUser(ALICE);
    const { telegram } = telegrafFor(baseUrl);
    const { url } = await startReceiver(Array(1000).fill(503));
    await telegram.setWebhook(url);

    const failed = collectEvents(emulator, 'webhookDelivery', 1);
    emulator.userSends(ALICE.id, 'lost in time');
    expect((await failed)[0]).toMatchObject({ update_id: 1, ok: false, status: 503, retryInMs: 5 });
    const dropped = new Promise((resolve) => emulator.events.on('webhookDelivery', (delivery) => delivery.dropped && resolve(delivery)));
    clock.advance(24 * 3600_000);
    expect(await dropped).toMatchObject({ update_id: 1, ok: false, dropped: true });
    expect(emulator.pendingUpdates).toBe(0);
  });

  it('deletes the webhook once the receiver has answered nothing but 410 for 23 hours, and keeps the update for getUpdates', async () => {
    const clock = manualClock();
    const { emulator, baseUrl } = await startEmulator(defer, { now: clock.now, webhookRetry: { initialDelayMs: 5, maxDelayMs: 5 } });
    emulator.addUser(ALICE);
    const { telegram } = telegrafFor(baseUrl);
    const { url } = await startReceiver(Array(10_000).fill(410));
    await telegram.setWebhook(url);

    const gone = collectEvents(emulator, 'webhookDelivery', 2);
    emulator.userSends(ALICE.id, 'still there?');
    expect((await gone).map(({ status, closedWebhook }) => [status, closedWebhook])).toEqual([
      [410, undefined],
      [410, undefined],
    ]);
    const closed = new Promise((resolve) => emulator.events.on('webhookDelivery', (delivery) => delivery.closedWebhook && resolve(delivery)));
    clock.advance(23 * 3600_000 + 1000);
    expect(await closed).toMatchObject({ update_id: 1, ok: false, status: 410, closedWebhook: true });

    expect((await telegram.getWebhookInfo()).url).toBe('');
    expect((await telegram.getUpdates(0, 100, 0, undefined)).map((update) => update.update_id)).toEqual([1]);
  });
});

/** A receiver that holds each update's answer until the test releases it by the message text. */
async function startGatedReceiver(): Promise<{
  url: string;
  texts: () => string[];
  arrived: (count: number) => Promise<void>;
  release: (text: string) => void;
}> {
  const app = Fastify({ forceCloseConnections: true });
  const held = new Map<string, () => void>();
  const texts: string[] = [];
  const waiters: (() => void)[] = [];
  app.post('/hook', async (request, reply) => {
    const text = (request.body as { message: { text: string } }).message.text;
    texts.push(text);
    for (const wake of waiters.splice(0)) wake();
    if (text !== 'bob 1') await new Promise<void>((resolve) => held.set(text, resolve));
    return reply.code(200).send();
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  defer(() => app.close());
  defer(() => {
    for (const release of held.values()) release();
  });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('receiver is not on TCP');
  return {
    url: `http://127.0.0.1:${address.port}/hook`,
    texts: () => [...texts],
    arrived: async (count) => {
      while (texts.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    release: (text) => held.get(text)?.(),
  };
}
