import { describe, expect, it } from 'vitest';
import { discordRequestContract } from '../../src/discord/request-contract.js';
import { messageObject, userObject } from '../../src/discord/message-objects.js';

const CHANNEL = '1579547317600518144';
const MESSAGE = '1579547317600518145';
const contract = discordRequestContract();
const message = messageObject({ id: MESSAGE, channelId: CHANNEL, author: userObject({ id: '1100000000000000001', username: 'alice' }), content: 'hi' });

describe('the Discord emulator’s answers, checked against the response schemas of Discord’s OpenAPI definition', () => {
  it('takes a message as the emulator builds it, and refuses one without its author, naming the field', () => {
    expect(contract.checkResponse('POST', `/channels/${CHANNEL}/messages`, 200, message)).toBeUndefined();
    const { author: _author, ...authorless } = message;

    expect(contract.checkResponse('POST', `/channels/${CHANNEL}/messages`, 200, authorless)).toMatchObject({
      kind: 'invalid response',
      operation: 'POST /channels/{channel_id}/messages',
      status: 200,
      errors: { author: { _errors: [{ code: 'BASE_TYPE_REQUIRED' }] } },
    });
    expect(contract.checkResponse('GET', `/channels/${CHANNEL}/messages`, 200, [message, authorless])).toMatchObject({ errors: { '1.author': expect.anything() } });
  });

  it('refuses a user without the fields every user object has, and the current user without its account settings', () => {
    const { public_flags: _flags, ...partial } = userObject({ id: '1100000000000000001', username: 'alice' });
    expect(contract.checkResponse('GET', '/users/1100000000000000001', 200, partial)).toMatchObject({ errors: { public_flags: expect.anything() } });
    expect(contract.checkResponse('GET', '/users/@me', 200, userObject({ id: '1100000000000000001', username: 'bot', bot: true }))).toMatchObject({
      errors: { mfa_enabled: expect.anything() },
    });
  });

  it('checks error answers too, as Discord documents them where the spec differs: 429 without a code, field errors with string codes', () => {
    expect(contract.checkResponse('POST', `/channels/${CHANNEL}/messages`, 429, { message: 'You are being rate limited.', retry_after: 1, global: false })).toBeUndefined();
    expect(contract.checkResponse('POST', `/channels/${CHANNEL}/messages`, 429, { message: 'You are being rate limited.' })).toMatchObject({ status: 429 });
    const invalidForm = { code: 50035, message: 'Invalid Form Body', errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } } };
    expect(contract.checkResponse('POST', `/channels/${CHANNEL}/messages`, 400, invalidForm)).toBeUndefined();
    expect(contract.checkResponse('POST', `/channels/${CHANNEL}/messages`, 400, { message: 'no code' })).toMatchObject({ status: 400 });
  });

  it('wants no body where the spec declares none, and leaves statuses it declares nothing for (a scripted 5xx) alone', () => {
    expect(contract.checkResponse('POST', `/channels/${CHANNEL}/typing`, 204, undefined)).toBeUndefined();
    expect(contract.checkResponse('POST', `/channels/${CHANNEL}/typing`, 204, {})).toMatchObject({ errors: { _errors: [{ code: 'BODY_NOT_DECLARED' }] } });
    expect(contract.checkResponse('POST', `/channels/${CHANNEL}/messages`, 502, '502: Bad Gateway')).toBeUndefined();
  });
});
