import { DiscordAPIError, HTTPError, RateLimitError, RESTEvents, Routes, type RateLimitData } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, BOB, rest, Rig, TOKEN } from './helpers.js';

const rig = new Rig();
afterEach(() => rig.tearDown());

interface ApiChannel {
  id: string;
  type: number;
  recipients: { id: string }[];
}

describe('Discord emulator REST, driven by @discordjs/rest', () => {
  it('opens a user’s DM channel and returns the same one every time', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    emulator.addUser(BOB);
    const api = rest(emulator);

    const first = (await api.post(Routes.userChannels(), { body: { recipient_id: ALICE.id } })) as ApiChannel;
    const again = (await api.post(Routes.userChannels(), { body: { recipient_id: ALICE.id } })) as ApiChannel;
    const bobs = (await api.post(Routes.userChannels(), { body: { recipient_id: BOB.id } })) as ApiChannel;

    expect(first).toMatchObject({ type: 1, recipients: [{ id: ALICE.id, username: 'alice' }] });
    expect(again.id).toBe(first.id);
    expect(bobs.id).not.toBe(first.id);
  });

  it('makes a message with message_reference a reply, and refuses one to an unknown message unless fail_if_not_exists is false', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const api = rest(emulator);
    const dm = (await api.post(Routes.userChannels(), { body: { recipient_id: ALICE.id } })) as ApiChannel;
    const question = emulator.userSendsDm(ALICE.id, 'Can I pay by card?');
    const send = (body: object) => api.post(Routes.channelMessages(dm.id), { body: { content: 'Yes', ...body } });

    expect(await send({ message_reference: { message_id: question.id } })).toMatchObject({
      type: 19,
      message_reference: { type: 0, channel_id: dm.id, message_id: question.id },
      referenced_message: { id: question.id, content: 'Can I pay by card?' },
    });
    const refused = await send({ message_reference: { message_id: '1100000000000000999' } }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(DiscordAPIError);
    expect(refused).toMatchObject({ status: 400, code: 50035, rawError: { errors: { message_reference: { _errors: [{ code: 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE' }] } } } });
    const plain = (await send({ message_reference: { message_id: '1100000000000000999', fail_if_not_exists: false } })) as { type: number; referenced_message?: unknown };
    expect(plain.type).toBe(0);
    expect(plain.referenced_message).toBeUndefined();
    expect(emulator.contractViolations).toEqual([]);
  });

  it('answers a repeated enforced nonce of the same author with the first message, in any channel, only within the nonce window', async () => {
    const emulator = await rig.emulator({ nonceWindowMs: 300 });
    emulator.addUser(ALICE);
    emulator.addUser(BOB);
    const api = rest(emulator);
    const alices = (await api.post(Routes.userChannels(), { body: { recipient_id: ALICE.id } })) as ApiChannel;
    const bobs = (await api.post(Routes.userChannels(), { body: { recipient_id: BOB.id } })) as ApiChannel;
    const send = (channel: ApiChannel, content: string, body: object = { nonce: 'n1', enforce_nonce: true }) =>
      api.post(Routes.channelMessages(channel.id), { body: { content, ...body } }) as Promise<{ id: string; channel_id: string }>;

    const first = await send(alices, 'one');
    expect(await send(alices, 'one again')).toEqual(first);
    expect(await send(bobs, 'to bob')).toEqual(first);
    expect((await send(alices, 'not enforced', { nonce: 'n1' })).id).not.toBe(first.id);

    // Past the window: the marker message shows how much time went by, without timing the test.
    const marker = await send(alices, 'marker', { nonce: 'marker', enforce_nonce: true });
    while ((await send(alices, 'marker', { nonce: 'marker', enforce_nonce: true })).id === marker.id) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const later = await send(alices, 'one, much later');
    expect(later.id).not.toBe(first.id);
    expect(emulator.messagesInDm(ALICE.id).map((m) => m.message.content)).toContain('one, much later');
  });

  it('creates messages of up to 2000 characters, records allowed_mentions, and rejects longer ones with 50035', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const api = rest(emulator);
    const { id } = (await api.post(Routes.userChannels(), { body: { recipient_id: ALICE.id } })) as ApiChannel;

    await api.post(Routes.channelMessages(id), { body: { content: 'x'.repeat(2000), allowed_mentions: { parse: [] } } });
    const tooLong = api.post(Routes.channelMessages(id), { body: { content: 'x'.repeat(2001) } });

    await expect(tooLong).rejects.toMatchObject({ status: 400, code: 50035 });
    await expect(tooLong).rejects.toThrow('Must be 2000 or fewer in length.');
    const [sent] = emulator.messagesInDm(ALICE.id);
    expect(emulator.messagesInDm(ALICE.id)).toHaveLength(1);
    expect(sent).toMatchObject({ recipientId: ALICE.id, allowedMentions: { parse: [] } });
    expect(sent?.message).toMatchObject({ channel_id: id, content: 'x'.repeat(2000), author: { id: emulator.bot.id, bot: true } });
  });

  it('answers 403 50007 to a message for a user who does not accept DMs', async () => {
    const emulator = await rig.emulator();
    emulator.addUser({ ...ALICE, blocksDms: true });
    const api = rest(emulator);
    const { id } = (await api.post(Routes.userChannels(), { body: { recipient_id: ALICE.id } })) as ApiChannel;

    const sending = api.post(Routes.channelMessages(id), { body: { content: 'hello' } });

    await expect(sending).rejects.toBeInstanceOf(DiscordAPIError);
    await expect(sending).rejects.toMatchObject({ status: 403, code: 50007, message: 'Cannot send messages to this user' });
    expect(emulator.messagesInDm(ALICE.id)).toEqual([]);
  });

  it('checks the bot token and knows its routes', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);

    await expect(rest(emulator, {}, 'wrong').get(Routes.user())).rejects.toMatchObject({ status: 401 });
    await expect(rest(emulator).get(Routes.user())).resolves.toMatchObject({ id: emulator.bot.id, bot: true });
    await expect(rest(emulator).post(Routes.channelMessages('1300000000000000001'), { body: { content: 'x' } })).rejects.toMatchObject({
      status: 404,
      code: 10003,
    });
    await expect(rest(emulator).post(Routes.userChannels(), { body: { recipient_id: '1300000000000000001' } })).rejects.toMatchObject({
      code: 10013,
    });
    await expect(rest(emulator).post(Routes.channelMessages('1300000000000000001'), { body: {} })).rejects.toMatchObject({ code: 10003 });
  });

  it('answers malformed JSON with 50109 and an unknown route with 404, recording both', async () => {
    const emulator = await rig.emulator();
    const headers = { authorization: `Bot ${TOKEN}`, 'content-type': 'application/json' };

    const malformed = await fetch(`${emulator.restBaseUrl}/v10/users/@me/channels`, { method: 'POST', headers, body: '{"recipient_id":' });
    const unknown = await fetch(`${emulator.restBaseUrl}/v10/guilds/1300000000000000001/roles`, { headers });

    expect([malformed.status, await malformed.json()]).toEqual([400, { message: 'The request body contains invalid JSON.', code: 50109 }]);
    expect([unknown.status, await unknown.json()]).toEqual([404, { message: '404: Not Found', code: 0 }]);
    expect(emulator.requests.map((r) => [r.route, r.path, r.status])).toEqual([
      ['POST /users/@me/channels', '/users/@me/channels', 400],
      [undefined, '/guilds/1300000000000000001/roles', 404],
    ]);
  });

  it('accepts typing and refuses an empty message with 50006', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const api = rest(emulator);
    const { id } = (await api.post(Routes.userChannels(), { body: { recipient_id: ALICE.id } })) as ApiChannel;

    await api.post(Routes.channelTyping(id));
    await expect(api.post(Routes.channelMessages(id), { body: { content: '  ' } })).rejects.toMatchObject({ code: 50006 });
    expect(emulator.requests.map((r) => [r.route, r.status])).toEqual([
      ['POST /users/@me/channels', 200],
      ['POST /channels/:id/typing', 204],
      ['POST /channels/:id/messages', 400],
    ]);
  });

  it('sends a real 429: Retry-After and X-RateLimit-* headers and a rate-limit body', async () => {
    const emulator = await rig.emulator();
    emulator.failNext({ route: 'GET /users/@me', status: 429, retryAfter: 2 });
    emulator.failNext({ route: 'GET /users/@me', status: 429, retryAfter: 3, global: true });
    const get = () => fetch(`${emulator.restBaseUrl}/v10/users/@me`, { headers: { authorization: `Bot ${TOKEN}` } });

    const bucket = await get();
    const global = await get();

    expect(bucket.status).toBe(429);
    expect(Object.fromEntries([...bucket.headers].filter(([name]) => name.startsWith('x-ratelimit') || name === 'retry-after'))).toEqual({
      'retry-after': '2',
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': expect.stringMatching(/^\d+\.\d{3}$/),
      'x-ratelimit-reset-after': '2',
      'x-ratelimit-bucket': expect.any(String),
      'x-ratelimit-scope': 'user',
    });
    expect(await bucket.json()).toEqual({ message: 'You are being rate limited.', retry_after: 2, global: false });
    expect(global.headers.get('x-ratelimit-global')).toBe('true');
    expect(await global.json()).toMatchObject({ retry_after: 3, global: true });
  });

  it('is waited out by discord.js by default: one 429, then the request goes through once', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const api = rest(emulator);
    const { id } = (await api.post(Routes.userChannels(), { body: { recipient_id: ALICE.id } })) as ApiChannel;
    emulator.failNext({ route: 'POST /channels/:id/messages', status: 429, retryAfter: 0.2 });
    const limited = new Promise<RateLimitData>((resolve) => api.once(RESTEvents.RateLimited, resolve));

    await api.post(Routes.channelMessages(id), { body: { content: 'after the limit' } });

    expect((await limited).retryAfter).toBeGreaterThanOrEqual(200);
    expect(emulator.requestsTo('POST /channels/:id/messages').map((r) => r.status)).toEqual([429, 200]);
    expect(emulator.messagesInDm(ALICE.id)).toHaveLength(1);
  });

  it('surfaces the 429 as RateLimitError with rejectOnRateLimit, having created nothing', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const api = rest(emulator, { rejectOnRateLimit: ['/channels/'] });
    const { id } = (await api.post(Routes.userChannels(), { body: { recipient_id: ALICE.id } })) as ApiChannel;
    emulator.failNext({ route: 'POST /channels/:id/messages', status: 429, retryAfter: 1 });

    const sending = api.post(Routes.channelMessages(id), { body: { content: 'x' } });

    await expect(sending).rejects.toBeInstanceOf(RateLimitError);
    await expect(sending).rejects.toMatchObject({ retryAfter: expect.closeTo(1050, -2) });
    expect(emulator.messagesInDm(ALICE.id)).toEqual([]);
  });

  it('fails with any status and Discord code, which discord.js retries (5xx) or throws (4xx)', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const { id } = (await rest(emulator).post(Routes.userChannels(), { body: { recipient_id: ALICE.id } })) as ApiChannel;
    emulator.failNext({ route: 'POST /channels/:id/messages', status: 500 });
    await rest(emulator).post(Routes.channelMessages(id), { body: { content: 'retried after the 500' } });

    emulator.failNext({ route: 'POST /channels/:id/messages', status: 403, code: 50278 });
    await expect(rest(emulator).post(Routes.channelMessages(id), { body: { content: 'x' } })).rejects.toMatchObject({
      status: 403,
      code: 50278,
    });
    emulator.failNext({ status: 503, times: 2 });
    await expect(rest(emulator, { retries: 1 }).get(Routes.user())).rejects.toBeInstanceOf(HTTPError);

    expect(emulator.requestsTo('POST /channels/:id/messages').map((r) => r.status)).toEqual([500, 200, 403]);
    expect(emulator.messagesInDm(ALICE.id).map((m) => m.message.content)).toEqual(['retried after the 500']);
  });
});
