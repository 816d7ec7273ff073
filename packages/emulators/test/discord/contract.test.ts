import { Routes, type APIChannel } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiscordEmulator } from '../../src/discord/emulator.js';
import { ALICE, rest, Rig, TOKEN } from './helpers.js';

const rig = new Rig();
afterEach(() => rig.tearDown());

/** Alice exists and the bot has opened her DM; returns its channel id. */
async function dmWithAlice(emulator: DiscordEmulator): Promise<string> {
  emulator.addUser(ALICE);
  return ((await rest(emulator).post(Routes.userChannels(), { body: { recipient_id: ALICE.id } })) as APIChannel).id;
}

function send(emulator: DiscordEmulator, path: string, body: unknown): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bot ${TOKEN}` };
  if (!(body instanceof FormData)) headers['content-type'] = 'application/json';
  return fetch(`${emulator.restBaseUrl}/v10${path}`, { method: 'POST', headers, body: body instanceof FormData ? body : JSON.stringify(body) });
}

const fieldError = (code: string, message: string) => ({ _errors: [{ code, message }] });

describe('Discord emulator: requests checked against Discord’s OpenAPI definition', () => {
  it('lets through what discord.js sends for a bot: login calls, DM, typing, text with a nonce, and a file', async () => {
    const emulator = await rig.emulator();
    const channelId = await dmWithAlice(emulator);
    const api = rest(emulator);

    await api.get(Routes.gatewayBot());
    await api.get(Routes.user());
    await api.get(Routes.user(ALICE.id));
    await api.get(Routes.channel(channelId));
    await api.post(Routes.channelTyping(channelId));
    await api.post(Routes.channelMessages(channelId), {
      body: { content: 'x'.repeat(2000), tts: false, allowed_mentions: { parse: [] }, nonce: 'n'.repeat(25), enforce_nonce: true },
    });
    await api.post(Routes.channelMessages(channelId), { body: { content: 'a file' }, files: [{ name: 'a.txt', data: Buffer.from('hi') }] });

    expect(emulator.messagesInDm(ALICE.id)).toHaveLength(2);
    expect(emulator.contractViolations).toEqual([]);
  });

  it.each([
    ['a wrong type', { content: 42 }, { content: fieldError('BASE_TYPE_STRING', 'Could not interpret "42" as string.') }],
    ['a boolean that is not one', { content: 'x', tts: 'yes' }, { tts: fieldError('BASE_TYPE_BOOLEAN', 'Must be either true or false.') }],
    [
      'a value outside an enum',
      { content: 'x', allowed_mentions: { parse: ['users', 'nobody'] } },
      { allowed_mentions: { parse: { 1: fieldError('BASE_TYPE_CHOICES', "Value must be one of ('users', 'roles', 'everyone').") } } },
    ],
    ['content over 2000 characters', { content: 'x'.repeat(2001) }, { content: fieldError('BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.') }],
    ['a nonce over 25 characters', { content: 'x', nonce: 'n'.repeat(26) }, { nonce: fieldError('BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.') }],
    [
      'a reply without the message it replies to',
      { content: 'x', message_reference: { fail_if_not_exists: true } },
      { message_reference: { message_id: fieldError('BASE_TYPE_REQUIRED', 'This field is required') } },
    ],
    [
      'an id that is not a snowflake',
      { content: 'x', message_reference: { message_id: 'latest' } },
      { message_reference: { message_id: fieldError('NUMBER_TYPE_COERCE', 'Value "latest" is not snowflake.') } },
    ],
    ['more than 10 embeds', { embeds: Array.from({ length: 11 }, () => ({ title: 't' })) }, { embeds: fieldError('BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.') }],
  ])('refuses %s with 400 50035 naming the field, creating nothing', async (_kind, body, errors) => {
    const emulator = await rig.emulator();
    const channelId = await dmWithAlice(emulator);

    const response = await send(emulator, `/channels/${channelId}/messages`, body);

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: 50035, message: 'Invalid Form Body', errors });
    expect(emulator.messagesInDm(ALICE.id)).toEqual([]);
    expect(emulator.contractViolations).toEqual([
      { kind: 'invalid form body', method: 'POST', path: `/channels/${channelId}/messages`, operation: 'POST /channels/{channel_id}/messages', errors, at: expect.any(Number) },
    ]);
  });

  it('checks the payload_json part of a multipart message', async () => {
    const emulator = await rig.emulator();
    const channelId = await dmWithAlice(emulator);
    const form = new FormData();
    form.append('payload_json', JSON.stringify({ content: 'x'.repeat(2001), allowed_mentions: { parse: 'everyone' } }));
    form.append('files[0]', new Blob([Buffer.from('hi')]), 'a.txt');

    const response = await send(emulator, `/channels/${channelId}/messages`, form);

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: 50035,
      errors: {
        content: fieldError('BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.'),
        allowed_mentions: { parse: fieldError('LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType') },
      },
    });
    expect(emulator.messagesInDm(ALICE.id)).toEqual([]);
  });

  it('refuses a path parameter that is not a snowflake under its name', async () => {
    const emulator = await rig.emulator();

    const response = await send(emulator, '/channels/undefined/messages', { content: 'x' });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      code: 50035,
      message: 'Invalid Form Body',
      errors: { channel_id: fieldError('NUMBER_TYPE_COERCE', 'Value "undefined" is not snowflake.') },
    });
  });

  it('answers a route Discord does not have with 404 and records it', async () => {
    const emulator = await rig.emulator();

    const response = await send(emulator, '/users/@me/messages', { content: 'x' });

    expect([response.status, await response.json()]).toEqual([404, { message: '404: Not Found', code: 0 }]);
    expect(emulator.contractViolations).toEqual([
      { kind: 'unknown route', method: 'POST', path: '/users/@me/messages', operation: undefined, errors: undefined, at: expect.any(Number) },
    ]);
  });
});
