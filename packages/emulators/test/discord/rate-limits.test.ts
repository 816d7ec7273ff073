import { RESTEvents, Routes } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiscordEmulator } from '../../src/discord/emulator.js';
import { ALICE, BOB, rest, Rig, TOKEN } from './helpers.js';

const rig = new Rig();
afterEach(() => rig.tearDown());

/** A clock the test moves by hand, so windows pass without waiting. */
function manualClock(start = 1_800_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function call(emulator: DiscordEmulator, method: string, path: string, body?: object, token = TOKEN): Promise<Response> {
  return fetch(`${emulator.restBaseUrl}/v10${path}`, {
    method,
    headers: { authorization: `Bot ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
}

async function dmChannel(emulator: DiscordEmulator, userId: string): Promise<string> {
  return ((await (await call(emulator, 'POST', '/users/@me/channels', { recipient_id: userId })).json()) as { id: string }).id;
}

const send = (emulator: DiscordEmulator, channelId: string, content: string) => call(emulator, 'POST', `/channels/${channelId}/messages`, { content });

/** An emulator on a manual clock with DM channels open to Alice and Bob. */
async function withTwoChannels(perRoute: { limit: number; windowMs: number }) {
  const clock = manualClock();
  const emulator = await rig.emulator({ rateLimits: { perRoute, now: clock.now } });
  emulator.addUser(ALICE);
  emulator.addUser(BOB);
  return { clock, emulator, alices: await dmChannel(emulator, ALICE.id), bobs: await dmChannel(emulator, BOB.id) };
}

function rateLimitHeaders(response: Response): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('x-ratelimit') || name === 'retry-after'));
}

describe('Discord emulator rate limits', () => {
  it('puts the bucket’s X-RateLimit-* headers on every answer, one hash for the route, counted per channel', async () => {
    const { clock, emulator, alices, bobs } = await withTwoChannels({ limit: 5, windowMs: 5000 });

    const first = await send(emulator, alices, 'one');
    clock.advance(1500);
    const second = await send(emulator, alices, 'two');
    const toBob = await send(emulator, bobs, 'hi');

    expect(rateLimitHeaders(first)).toEqual({
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '4',
      'x-ratelimit-reset': ((clock.now() - 1500 + 5000) / 1000).toFixed(3),
      'x-ratelimit-reset-after': '5.000',
      'x-ratelimit-bucket': expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(rateLimitHeaders(second)).toMatchObject({ 'x-ratelimit-remaining': '3', 'x-ratelimit-reset-after': '3.500' });
    expect(rateLimitHeaders(toBob)).toMatchObject({ 'x-ratelimit-remaining': '4', 'x-ratelimit-bucket': first.headers.get('x-ratelimit-bucket') });
    const user = await call(emulator, 'GET', '/users/@me');
    expect(user.headers.get('x-ratelimit-bucket')).not.toBe(first.headers.get('x-ratelimit-bucket'));
  });

  it('answers a request over the bucket 429 with Discord’s body and headers, creating nothing, until the window resets', async () => {
    const { clock, emulator, alices, bobs } = await withTwoChannels({ limit: 2, windowMs: 5000 });

    expect((await send(emulator, alices, 'one')).status).toBe(200);
    expect((await send(emulator, alices, 'two')).status).toBe(200);
    clock.advance(1250);
    const limited = await send(emulator, alices, 'three');
    const otherChannel = await send(emulator, bobs, 'not limited');

    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ message: 'You are being rate limited.', retry_after: 3.75, global: false });
    expect(rateLimitHeaders(limited)).toMatchObject({
      'retry-after': '4',
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset-after': '3.750',
      'x-ratelimit-scope': 'user',
    });
    expect(otherChannel.status).toBe(200);

    clock.advance(3750);
    const afterReset = await send(emulator, alices, 'three, again');
    expect(afterReset.status).toBe(200);
    expect(rateLimitHeaders(afterReset)).toMatchObject({ 'x-ratelimit-remaining': '1', 'x-ratelimit-reset-after': '5.000' });
    expect(emulator.messagesInDm(ALICE.id).map((m) => m.message.content)).toEqual(['one', 'two', 'three, again']);
  });

  it('holds the bot to a global limit across routes: 429 with global true until the second is over', async () => {
    const clock = manualClock();
    const emulator = await rig.emulator({ rateLimits: { globalPerSecond: 3, now: clock.now } });
    emulator.addUser(ALICE);
    const alices = await dmChannel(emulator, ALICE.id);

    expect((await call(emulator, 'GET', '/users/@me')).status).toBe(200);
    expect((await send(emulator, alices, 'one')).status).toBe(200);
    clock.advance(400);
    const limited = await call(emulator, 'GET', '/users/@me');

    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ message: 'You are being rate limited.', retry_after: 0.6, global: true });
    expect(rateLimitHeaders(limited)).toEqual({ 'retry-after': '1', 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' });
    clock.advance(600);
    expect((await send(emulator, alices, 'two')).status).toBe(200);
    expect(emulator.messagesInDm(ALICE.id)).toHaveLength(2);
  });

  it('counts the invalid requests Discord bans an IP for: 401, 403 and 429', async () => {
    const clock = manualClock();
    const emulator = await rig.emulator({ rateLimits: { perRoute: { limit: 1, windowMs: 1000 }, now: clock.now } });
    emulator.addUser({ ...ALICE, blocksDms: true });
    const alices = await dmChannel(emulator, ALICE.id);

    await call(emulator, 'GET', '/users/@me', undefined, 'not-the-token');
    await send(emulator, alices, 'refused: 403');
    await send(emulator, alices, 'limited: 429');
    await call(emulator, 'GET', '/users/@me');

    expect(emulator.requests.map((request) => request.status)).toEqual([200, 401, 403, 429, 200]);
    expect(emulator.invalidRequests).toBe(3);
  });

  it('answers a shared-scope 429 with X-RateLimit-Scope: shared, which does not count as an invalid request', async () => {
    const emulator = await rig.emulator();
    emulator.addUser(ALICE);
    const alices = await dmChannel(emulator, ALICE.id);
    emulator.failNext({ route: 'POST /channels/:id/messages', status: 429, retryAfter: 2, scope: 'shared' });
    emulator.failNext({ route: 'POST /channels/:id/messages', status: 429, retryAfter: 2 });

    const shared = await send(emulator, alices, 'busy channel');
    const own = await send(emulator, alices, 'own bucket');

    expect(shared.status).toBe(429);
    expect(rateLimitHeaders(shared)).toMatchObject({ 'x-ratelimit-scope': 'shared', 'retry-after': '2' });
    expect(await shared.json()).toEqual({ message: 'The resource is being rate limited.', retry_after: 2, global: false });
    expect(rateLimitHeaders(own)).toMatchObject({ 'x-ratelimit-scope': 'user' });
    expect(emulator.invalidRequests).toBe(1);
  });

  it('bans the IP after the invalid request limit within the window: Cloudflare’s 429 to every call, with no headers, until the ban ends', async () => {
    const clock = manualClock();
    const invalidRequests = { limit: 3, windowMs: 10_000, banMs: 60_000 };
    const emulator = await rig.emulator({ rateLimits: { now: clock.now, invalidRequests } });
    const wrongToken = () => call(emulator, 'GET', '/users/@me', undefined, 'not-the-token');

    await wrongToken();
    await wrongToken();
    clock.advance(10_000); // a new window: the two before no longer count
    await wrongToken();
    await wrongToken();
    expect(emulator.bannedForInvalidRequests).toBe(false);
    expect((await call(emulator, 'GET', '/users/@me')).status).toBe(200);

    await wrongToken(); // the third in this window
    expect(emulator.bannedForInvalidRequests).toBe(true);
    const banned = await call(emulator, 'GET', '/users/@me');
    expect(banned.status).toBe(429);
    expect(rateLimitHeaders(banned)).toEqual({});
    expect(await banned.json()).toEqual({
      code: 0,
      message: expect.stringMatching(/^You are being blocked from accessing our API temporarily due to exceeding our rate limits frequently\./),
    });
    expect((await call(emulator, 'GET', '/nothing-here')).status).toBe(429);

    clock.advance(60_000);
    expect((await call(emulator, 'GET', '/users/@me')).status).toBe(200);
    expect(emulator.invalidRequests).toBe(5);
  });

  it('lets discord.js wait on the headers before sending, so a burst over the bucket gets no 429', async () => {
    const emulator = await rig.emulator({ rateLimits: { perRoute: { limit: 2, windowMs: 300 } } });
    emulator.addUser(ALICE);
    const api = rest(emulator);
    const waits: number[] = [];
    api.on(RESTEvents.RateLimited, (info) => waits.push(info.timeToReset));
    const channel = await dmChannel(emulator, ALICE.id);

    const contents = ['1', '2', '3', '4', '5'];
    await Promise.all(contents.map((content) => api.post(Routes.channelMessages(channel), { body: { content } })));

    expect(emulator.messagesInDm(ALICE.id).map((m) => m.message.content)).toEqual(contents);
    expect(emulator.requestsTo('POST /channels/:id/messages').map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(waits.length).toBeGreaterThanOrEqual(2);
  });
});
