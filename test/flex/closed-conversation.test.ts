import { SANDBOX_CREDENTIALS, TwilioEmulator } from '@flex-bridge/emulators';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatClosedError } from '../../src/flex/backend.js';
import { ConversationsBackend } from '../../src/flex/conversations.js';
import { McsClient } from '../../src/flex/mcs-client.js';
import { createTwilioClient } from '../../src/flex/twilio-client.js';

const { accountSid, authToken, workspaceSid } = SANDBOX_CREDENTIALS;
let twilio: TwilioEmulator;

afterEach(async () => {
  await twilio.stop();
});

/** The backend against an emulator whose chats Flex closes silently, and one open conversation in it. */
async function start() {
  twilio = new TwilioEmulator({ accountSid, authToken, silentFlexClose: true });
  const apiBaseUrl = await twilio.start();
  const client = createTwilioClient({ accountSid, authToken, apiBaseUrl });
  const backend = new ConversationsBackend({ client, mcs: new McsClient({ accountSid, authToken, apiBaseUrl }), publicBaseUrl: 'http://127.0.0.1:9', workspaceSid, taskChannel: 'chat', routing: { confirmMs: 1000, attempts: 1 }, timers: {}, extraAttributes: {} });
  const { sid } = await client.conversations.v1.conversations.create({});
  return { backend, sid };
}

const post = { author: 'telegram_42', text: 'hi', bridgeMessageId: 'telegram:9' };
const messages = (sid: string) => `/v1/Conversations/${sid}/Messages`;

describe('ConversationsBackend.postMessage: a 4xx whose meaning is not certain', () => {
  it('is a closed chat when the conversation reads closed', async () => {
    const { backend, sid } = await start();
    twilio.endChat(sid);
    await expect(backend.postMessage(sid, post, { checkFirst: false })).rejects.toBeInstanceOf(ChatClosedError);
  });

  it('stays the refusal it was when the conversation is open', async () => {
    const { backend, sid } = await start();
    twilio.failNext({ method: 'POST', path: messages(sid), status: 400, code: 21619 });
    await expect(backend.postMessage(sid, post, { checkFirst: false })).rejects.toMatchObject({ kind: 'permanent', code: 21619 });
  });

  it('is retried, not given up on, when the conversation cannot be read', async () => {
    const { backend, sid } = await start();
    twilio.failNext({ method: 'POST', path: messages(sid), status: 400, code: 21619 });
    twilio.failNext({ method: 'GET', path: `/v1/Conversations/${sid}`, status: 503 });
    await expect(backend.postMessage(sid, post, { checkFirst: false })).rejects.toMatchObject({ kind: 'retryable', status: 503 });
  });
});
