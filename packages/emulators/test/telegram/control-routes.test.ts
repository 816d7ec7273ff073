import { describe, expect, it } from 'vitest';
import { TelegramError } from 'telegraf';
import { cleanupAfterEach, launchPolling, startEmulator, telegrafFor } from './harness.js';

const defer = cleanupAfterEach();

async function control(baseUrl: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${baseUrl}/_sandbox${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

describe('TelegramEmulator control routes', () => {
  it('drives a telegraf bot by hand: add a user, send as the user, read what the bot answered', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    const bot = telegrafFor(baseUrl);
    bot.on('text', (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
    await launchPolling(bot, emulator, defer);

    expect(await control(baseUrl, 'POST', '/users', { id: '9007199254740', first_name: 'Dana', username: 'dana' })).toEqual({
      status: 201,
      body: { id: 9_007_199_254_740, is_bot: false, first_name: 'Dana', username: 'dana' },
    });
    const sent = await control(baseUrl, 'POST', '/users/9007199254740/messages', { text: 'hi from curl' });
    expect(sent).toMatchObject({ status: 201, body: { message_id: 1, text: 'hi from curl', chat: { id: 9_007_199_254_740, type: 'private' } } });

    await emulator.waitForMessages(9_007_199_254_740, 1);
    expect(await control(baseUrl, 'GET', '/chats/9007199254740/messages')).toMatchObject({
      status: 200,
      body: [{ message_id: 2, text: 'echo: hi from curl' }],
    });
    const requests = (await control(baseUrl, 'GET', '/requests')).body as { method: string }[];
    expect(requests.map((request) => request.method)).toContain('sendMessage');
  });

  it('blocks and unblocks, injects and clears faults', async () => {
    const { baseUrl } = await startEmulator(defer);
    const { telegram } = telegrafFor(baseUrl);
    await control(baseUrl, 'POST', '/users', { id: 7, first_name: 'Eve' });

    expect(await control(baseUrl, 'POST', '/users/7/block', {})).toEqual({ status: 200, body: { blocked: true } });
    await expect(telegram.sendMessage(7, 'hi')).rejects.toMatchObject({ code: 403 });
    expect(await control(baseUrl, 'POST', '/users/7/block', { blocked: false })).toEqual({ status: 200, body: { blocked: false } });
    await telegram.sendMessage(7, 'hi');

    expect((await control(baseUrl, 'POST', '/faults', { method: 'sendMessage', error_code: 429, retry_after: 2 })).status).toBe(201);
    const flood = await telegram.sendMessage(7, 'again').catch((error: unknown) => error);
    expect(flood).toBeInstanceOf(TelegramError);
    expect(flood).toMatchObject({ code: 429, parameters: { retry_after: 2 } });

    await control(baseUrl, 'POST', '/faults', { error_code: 500, times: 5 });
    expect((await control(baseUrl, 'DELETE', '/faults')).status).toBe(204);
    await telegram.sendMessage(7, 'after the storm');
  });

  it('queues raw updates of any kind, numbered in order', async () => {
    const { baseUrl } = await startEmulator(defer);
    const { telegram } = telegrafFor(baseUrl);

    const pushed = await control(baseUrl, 'POST', '/updates', { callback_query: { id: 'cb1', data: 'yes' } });
    expect(pushed).toEqual({ status: 201, body: { update_id: 1, callback_query: { id: 'cb1', data: 'yes' } } });
    expect(await telegram.getUpdates(0, 100, 0, [])).toEqual([{ update_id: 1, callback_query: { id: 'cb1', data: 'yes' } }]);
  });

  it('rejects bad input with 400 and unknown users with 404', async () => {
    const { baseUrl } = await startEmulator(defer);

    const missingName = await control(baseUrl, 'POST', '/users', { id: 5 });
    expect(missingName.status).toBe(400);
    expect(JSON.stringify(missingName.body)).toContain('first_name');
    expect((await control(baseUrl, 'POST', '/users/5/messages', { text: 'who am I' })).status).toBe(404);
    expect((await control(baseUrl, 'POST', '/faults', { error_code: 429, httpStatus: 200 })).status).toBe(400);
    expect((await control(baseUrl, 'POST', '/updates', { a: {}, b: {} })).status).toBe(400);
  });
});
