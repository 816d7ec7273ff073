import { describe, expect, it } from 'vitest';
import { TelegramError } from 'telegraf';
import { TelegramEmulator } from '../../src/telegram/emulator.js';
import { cleanupAfterEach, rawCall, startEmulator, telegrafFor, TOKEN } from './harness.js';

const defer = cleanupAfterEach();
const ALICE = { id: 5_012_345_678, first_name: 'Alice', username: 'alice' };

async function rejection(promise: Promise<unknown>): Promise<TelegramError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof TelegramError)) throw new Error(`expected a TelegramError, got ${String(error)}`);
  return error;
}

async function setup() {
  const { emulator, baseUrl } = await startEmulator(defer);
  emulator.addUser(ALICE);
  return { emulator, baseUrl, telegram: telegrafFor(baseUrl).telegram };
}

describe('TelegramEmulator sendMessage errors', () => {
  it('limits text to 4096 code points, as TDLib counts them, and refuses empty text', async () => {
    const { telegram, emulator } = await setup();

    await telegram.sendMessage(ALICE.id, 'a'.repeat(4096));
    await telegram.sendMessage(ALICE.id, '😀'.repeat(4096));
    expect(await rejection(telegram.sendMessage(ALICE.id, 'a'.repeat(4097)))).toMatchObject({ code: 400, description: 'Bad Request: message is too long' });
    const tooLong = await rejection(telegram.sendMessage(ALICE.id, '😀'.repeat(4097)));
    expect(tooLong).toMatchObject({ code: 400, description: 'Bad Request: message is too long' });
    expect((await rejection(telegram.sendMessage(ALICE.id, ''))).description).toBe('Bad Request: message text is empty');
    expect((await rejection(telegram.sendMessage(ALICE.id, '  \n'))).description).toBe('Bad Request: message text is empty');
    expect(emulator.messagesTo(ALICE.id)).toHaveLength(2);
  });

  it('sends a reply to a message of the chat, and refuses one to a message not there unless sending without it is allowed', async () => {
    const { telegram, emulator } = await setup();
    const question = emulator.userSends(ALICE.id, 'Can I pay by card?');

    const answer = await telegram.sendMessage(ALICE.id, 'Yes', { reply_parameters: { message_id: question.message_id } });
    expect(answer.reply_to_message).toMatchObject({ message_id: question.message_id, text: 'Can I pay by card?' });
    const missing = await rejection(telegram.sendMessage(ALICE.id, 'Hm', { reply_parameters: { message_id: 999 } }));
    expect(missing).toMatchObject({ code: 400, description: 'Bad Request: message to be replied not found' });
    const plain = await telegram.sendMessage(ALICE.id, 'Anyway', { reply_parameters: { message_id: 999, allow_sending_without_reply: true } });
    expect(plain.reply_to_message).toBeUndefined();
    expect(emulator.messagesTo(ALICE.id).map((m) => m.text)).toEqual(['Yes', 'Anyway']);
  });

  it('answers chat not found for an unknown chat', async () => {
    const { telegram } = await setup();
    expect(await rejection(telegram.sendMessage(777, 'hi'))).toMatchObject({ code: 400, description: 'Bad Request: chat not found' });
    expect((await rejection(telegram.sendMessage('@nobody', 'hi'))).description).toBe('Bad Request: chat not found');
  });

  it('answers 403 when the user blocked the bot, or never started it', async () => {
    const { telegram, emulator } = await setup();
    emulator.blockBot(ALICE.id);
    const blocked = await rejection(telegram.sendMessage(ALICE.id, 'hello?'));
    expect(blocked).toMatchObject({ code: 403, description: 'Forbidden: bot was blocked by the user' });
    expect((await rejection(telegram.sendChatAction(ALICE.id, 'typing'))).code).toBe(403);

    emulator.blockBot(ALICE.id, false);
    await telegram.sendMessage(ALICE.id, 'thanks for unblocking');

    emulator.addUser({ id: 99, first_name: 'Shy', started: false });
    expect((await rejection(telegram.sendMessage(99, 'hi'))).description).toBe("Forbidden: bot can't initiate conversation with a user");
    emulator.userSends(99, '/start');
    await telegram.sendMessage(99, 'hi');
  });

  it('injects a 429 with parameters.retry_after, once', async () => {
    const { telegram, emulator } = await setup();
    emulator.failNext({ method: 'sendMessage', error_code: 429, retry_after: 3 });

    await telegram.getMe();
    const flood = await rejection(telegram.sendMessage(ALICE.id, 'one'));
    expect(flood).toMatchObject({
      code: 429,
      description: 'Too Many Requests: retry after 3',
      parameters: { retry_after: 3 },
      response: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } },
    });
    await telegram.sendMessage(ALICE.id, 'two');
    expect(emulator.messagesTo(ALICE.id).map((message) => message.text)).toEqual(['two']);
  });

  it('injects 5xx faults, which telegraf reports with the HTTP status text', async () => {
    const { telegram, emulator } = await setup();
    emulator.failNext({ error_code: 502, times: 2 });

    expect(await rejection(telegram.getMe())).toMatchObject({ code: 502, description: 'Bad Gateway' });
    expect(await rejection(telegram.sendMessage(ALICE.id, 'x'))).toMatchObject({ code: 502, description: 'Bad Gateway' });
    await telegram.sendMessage(ALICE.id, 'y');

    emulator.failNext({ error_code: 403 });
    emulator.clearFaults();
    await telegram.sendMessage(ALICE.id, 'z');
  });

  it('holds a call unanswered: without apply nothing is sent, with apply the message is sent all the same', async () => {
    const { baseUrl, emulator } = await setup();
    const send = (text: string) =>
      fetch(`${baseUrl}/bot${TOKEN}/sendMessage?chat_id=${ALICE.id}&text=${text}`, { signal: AbortSignal.timeout(300) });
    emulator.hangNext({ method: 'sendMessage', apply: false });
    emulator.hangNext({ method: 'sendMessage', apply: true });

    await expect(send('held')).rejects.toThrow(/aborted/);
    await expect(send('applied')).rejects.toThrow(/aborted/);
    expect((await send('answered')).status).toBe(200);
    expect(emulator.messagesTo(ALICE.id).map((message) => message.text)).toEqual(['applied', 'answered']);
    expect(emulator.requests.map((request) => request.params.text)).toEqual(['held', 'applied', 'answered']);
  });

  it('cuts a held call when it stops', async () => {
    const emulator = new TelegramEmulator({ token: TOKEN });
    const baseUrl = await emulator.start();
    emulator.hangNext({ apply: false });
    const held = fetch(`${baseUrl}/bot${TOKEN}/getMe`);
    await emulator.waitForRequest('getMe');

    await emulator.stop();
    await expect(held).rejects.toThrow(/fetch failed/);
  });

  it('answers 401 for a wrong token', async () => {
    const { baseUrl } = await setup();
    const intruder = telegrafFor(baseUrl, '123456789:wrong-secret').telegram;
    expect(await rejection(intruder.getMe())).toMatchObject({ code: 401, description: 'Unauthorized' });
    expect(await rawCall(`${baseUrl}/bot1:nope/getMe`)).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: 'Unauthorized' },
    });
  });
});

describe('TelegramEmulator transport', () => {
  it('answers 404 for an unknown method and treats method names case-insensitively', async () => {
    const { baseUrl } = await setup();
    expect(await rawCall(`${baseUrl}/bot${TOKEN}/sendPoll`, { method: 'POST' })).toEqual({
      status: 404,
      body: { ok: false, error_code: 404, description: 'Not Found: method not found' },
    });
    const me = await rawCall(`${baseUrl}/bot${TOKEN}/GETME`);
    expect(me).toEqual({
      status: 200,
      body: {
        ok: true,
        result: {
          id: 123456789,
          is_bot: true,
          first_name: 'Flex Bridge',
          username: 'flex_bridge_bot',
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        },
      },
    });
  });

  it('reads parameters from the query string, form-urlencoded and JSON bodies, and records each call', async () => {
    const { baseUrl, emulator } = await setup();
    const api = `${baseUrl}/bot${TOKEN}`;

    const byQuery = await rawCall(`${api}/sendMessage?chat_id=${ALICE.id}&text=via%20query`);
    const byForm = await rawCall(`${api}/sendmessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ chat_id: String(ALICE.id), text: 'via form' }).toString(),
    });
    const byJson = await rawCall(`${api}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: String(ALICE.id), text: 'via json' }),
    });

    expect([byQuery.status, byForm.status, byJson.status]).toEqual([200, 200, 200]);
    expect(emulator.messagesTo(ALICE.id).map((message) => message.text)).toEqual(['via query', 'via form', 'via json']);
    expect(emulator.requests.map(({ method, params, contentType, httpMethod }) => ({ method, params, contentType, httpMethod }))).toEqual([
      { method: 'sendMessage', params: { chat_id: String(ALICE.id), text: 'via query' }, contentType: undefined, httpMethod: 'GET' },
      {
        method: 'sendMessage',
        params: { chat_id: String(ALICE.id), text: 'via form' },
        contentType: 'application/x-www-form-urlencoded',
        httpMethod: 'POST',
      },
      { method: 'sendMessage', params: { chat_id: String(ALICE.id), text: 'via json' }, contentType: 'application/json', httpMethod: 'POST' },
    ]);
  });

  it('answers malformed bodies and parameters in the Bot API envelope', async () => {
    const { baseUrl } = await setup();
    const api = `${baseUrl}/bot${TOKEN}`;
    const json = (body: string) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body });

    expect(await rawCall(`${api}/sendMessage`, json('{not json'))).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: "Bad Request: can't parse JSON object" },
    });
    expect((await rawCall(`${api}/getUpdates`, json('{"limit":"many"}'))).body).toMatchObject({
      error_code: 400,
      description: 'Bad Request: parameter "limit" must be an integer',
    });
    expect((await rawCall(`${api}/sendMessage`, json('{"text":"hi"}'))).body.description).toBe('Bad Request: chat_id is empty');
    expect((await rawCall(`${api}/sendChatAction`, json(`{"chat_id":${ALICE.id},"action":"dancing"}`))).body.description).toBe(
      'Bad Request: wrong parameter action in request',
    );
    expect((await rawCall(`${api}/getMe`, json(''))).status).toBe(200);

    const form = new FormData();
    form.append('chat_id', String(ALICE.id));
    form.append('photo', new Blob(['png']), 'a.png');
    const multipart = await rawCall(`${api}/sendMessage`, { method: 'POST', body: form });
    expect(multipart.status).toBe(400);
    expect(multipart.body.description).toBe('Bad Request: message text is empty');
    const broken = await rawCall(`${api}/sendPhoto`, { method: 'POST', body: 'no parts', headers: { 'content-type': 'multipart/form-data; boundary=x' } });
    expect(broken.body).toMatchObject({ ok: false, error_code: 400 });
  });
});
