import { Readable } from 'node:stream';
import { SANDBOX_CREDENTIALS, TwilioEmulator } from '@flex-bridge/emulators';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/core/delivery-error.js';
import { bridgeAttributes } from '../../src/flex/bridge-message-id.js';
import { ConversationsBackend } from '../../src/flex/conversations.js';
import { LegacyChatBackend } from '../../src/flex/legacy-chat.js';
import { createLegacyFlexFlow } from '../../src/flex/legacy-chat-flow.js';
import { McsClient } from '../../src/flex/mcs-client.js';
import { postChannelMessage, postConversationMessage } from '../../src/flex/message-post.js';
import { createTwilioClient } from '../../src/flex/twilio-client.js';

const { accountSid, authToken, workspaceSid } = SANDBOX_CREDENTIALS;
const BASIC_AUTH = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
/** The headers of a message post that Twilio reads; twilio-node's `messages.create` sends the same. */
const SENT_HEADERS = ['authorization', 'content-type', 'accept', 'accept-charset', 'user-agent', 'x-twilio-webhook-enabled'];
const post = { author: 'telegram_42', text: 'hi (there) 100% ü', bridgeMessageId: 'telegram:9' };

let twilio: TwilioEmulator;

afterEach(async () => {
  expect(twilio.contractViolations).toEqual([]);
  await twilio.stop();
});

async function start(timeoutMs?: number) {
  twilio = new TwilioEmulator({ accountSid, authToken });
  const apiBaseUrl = await twilio.start();
  const client = createTwilioClient({ accountSid, authToken, apiBaseUrl, ...(timeoutMs ? { timeoutMs } : {}) });
  const mcs = new McsClient({ accountSid, authToken, apiBaseUrl });
  return { client, mcs };
}

async function conversationsRig(opts: { studioFlowSid?: string; timeoutMs?: number } = {}) {
  const { client, mcs } = await start(opts.timeoutMs);
  const backend = new ConversationsBackend({ client, mcs, publicBaseUrl: 'http://127.0.0.1:9', workspaceSid, taskChannel: 'chat', routing: { confirmMs: 1000, attempts: 1 }, timers: {}, extraAttributes: {}, ...(opts.studioFlowSid ? { studioFlowSid: opts.studioFlowSid } : {}) });
  const { sid } = await client.conversations.v1.conversations.create({});
  return { client, backend, sid, path: `/v1/Conversations/${sid}/Messages` };
}

async function legacyRig() {
  const { client, mcs } = await start();
  const chatServiceSid = twilio.account.chatServiceSid;
  const flexFlowSid = await createLegacyFlexFlow(client, { friendlyName: 'test', chatServiceSid, studioFlowSid: `FW${'0'.repeat(32)}`, contactIdentity: 'flex-bridge' });
  const { sid } = await client.flexApi.v1.channel.create({ flexFlowSid, identity: 'telegram_42', chatUserFriendlyName: 'Alice', chatFriendlyName: 'alice' });
  const backend = new LegacyChatBackend({ client, mcs, publicBaseUrl: 'http://127.0.0.1:9', flexFlowSid, chatServiceSid, extraAttributes: {} });
  return { client, backend, sid, chatServiceSid, path: `/v2/Services/${chatServiceSid}/Channels/${sid}/Messages` };
}

/** The form fields and the headers Twilio reads of each POST to `path`, in order. */
function postsTo(path: string) {
  return twilio.requests
    .filter((r) => r.method === 'POST' && r.path === path)
    .map((r) => ({ params: r.params, authorized: r.authorized, headers: Object.fromEntries(SENT_HEADERS.map((name) => [name, r.headers[name]])) }));
}

const file = (text: string) => ({ stream: Readable.from([Buffer.from(text)]), contentType: 'text/plain', fileName: 'note.txt' });

describe('a customer message into a Flex conversation is one form POST', () => {
  it('sends the fields and headers twilio-node sends, and answers the created message index and sid', async () => {
    const { client, backend, sid, path } = await conversationsRig();
    const ref = await backend.postMessage(sid, post, { checkFirst: false });
    await client.conversations.v1.conversations(sid).messages.create({ author: post.author, body: post.text, attributes: bridgeAttributes(post.bridgeMessageId) });

    const [ours, official] = postsTo(path);
    expect(ours).toEqual(official);
    expect(ours).toMatchObject({ authorized: true, params: { Author: 'telegram_42', Body: 'hi (there) 100% ü', Attributes: bridgeAttributes('telegram:9') } });
    expect(ours!.headers).toMatchObject({ authorization: BASIC_AUTH, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'x-twilio-webhook-enabled': undefined });
    const stored = twilio.messages(sid)[0]!;
    expect(ref).toEqual({ index: stored.index, sid: stored.sid });
    expect(stored).toMatchObject({ author: 'telegram_42', body: 'hi (there) 100% ü' });
  });

  it('a file without caption: MediaSid and no Body; with Studio, webhooks enabled', async () => {
    const { backend, sid, path } = await conversationsRig({ studioFlowSid: `FW${'0'.repeat(32)}` });
    const mediaSid = await backend.uploadMedia(file('hello'));
    const ref = await backend.postMessage(sid, { ...post, text: '', mediaSid }, { checkFirst: false });

    const [sent] = postsTo(path);
    expect(sent!.params).toEqual({ Author: 'telegram_42', Attributes: bridgeAttributes('telegram:9'), MediaSid: mediaSid });
    expect(sent!.headers['x-twilio-webhook-enabled']).toBe('true');
    expect(twilio.messages(sid)[0]).toMatchObject({ sid: ref.sid, index: ref.index, body: null, media: [expect.objectContaining({ sid: mediaSid })] });
  });

  it('a Twilio refusal is a permanent DeliveryError with its status and code', async () => {
    const { client, sid, path } = await conversationsRig();
    twilio.failNext({ method: 'POST', path, status: 400, code: 21619, message: 'A text message body or media urls must be specified' });
    const err = await postConversationMessage(client, sid, { Author: 'a', Body: 'b' }, false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ kind: 'permanent', status: 400, code: 21619, ambiguous: false });
    expect((err as Error).message).toContain('A text message body or media urls must be specified');
  });

  it('a conversation that is gone: 404 with code 20404', async () => {
    const { client } = await conversationsRig();
    const gone = `CH${'f'.repeat(32)}`;
    await expect(postConversationMessage(client, gone, { Author: 'a', Body: 'b' }, false)).rejects.toMatchObject({ kind: 'permanent', status: 404, code: 20404 });
  });

  it('429 is retryable after its Retry-After, and certain not to have been applied', async () => {
    const { client, sid, path } = await conversationsRig();
    twilio.failNext({ method: 'POST', path, status: 429, retryAfter: 7 });
    await expect(postConversationMessage(client, sid, { Author: 'a', Body: 'b' }, false)).rejects.toMatchObject({ kind: 'retryable', status: 429, code: 20429, retryAfterMs: 7000, ambiguous: false });
  });

  it('a 5xx is retryable and ambiguous: the message may have been created', async () => {
    const { client, sid, path } = await conversationsRig();
    twilio.failNext({ method: 'POST', path, status: 503, apply: true });
    await expect(postConversationMessage(client, sid, { Author: 'a', Body: 'b' }, false)).rejects.toMatchObject({ kind: 'retryable', status: 503, code: 20503, ambiguous: true });
    expect(twilio.messages(sid)).toHaveLength(1);
  });

  it('no answer in time is a retryable, ambiguous ETIMEDOUT', async () => {
    const { client, sid, path } = await conversationsRig({ timeoutMs: 200 });
    twilio.hangNext({ method: 'POST', path, apply: true });
    await expect(postConversationMessage(client, sid, { Author: 'a', Body: 'b' }, false)).rejects.toMatchObject({ kind: 'retryable', code: 'ETIMEDOUT', ambiguous: true });
  });

  it('wrong credentials: 401, permanent', async () => {
    const { sid } = await conversationsRig();
    const stranger = createTwilioClient({ accountSid, authToken: 'not-the-token', apiBaseUrl: twilio.baseUrl });
    await expect(postConversationMessage(stranger, sid, { Author: 'a', Body: 'b' }, false)).rejects.toMatchObject({ kind: 'permanent', status: 401, code: 20003 });
  });
});

describe('a customer message into a legacy Programmable Chat channel is one form POST', () => {
  it('sends the fields and headers twilio-node sends, webhooks enabled, and answers the index and sid', async () => {
    const { client, backend, sid, chatServiceSid, path } = await legacyRig();
    const ref = await backend.postMessage(sid, post, { checkFirst: false });
    await client.chat.v2.services(chatServiceSid).channels(sid).messages.create({ from: post.author, attributes: bridgeAttributes(post.bridgeMessageId), body: post.text, xTwilioWebhookEnabled: 'true' });

    const [ours, official] = postsTo(path);
    expect(ours).toEqual(official);
    expect(ours).toMatchObject({ authorized: true, params: { From: 'telegram_42', Body: 'hi (there) 100% ü', Attributes: bridgeAttributes('telegram:9') } });
    expect(ours!.headers).toMatchObject({ authorization: BASIC_AUTH, 'x-twilio-webhook-enabled': 'true' });
    const stored = twilio.legacyChat.messages(sid)[0]!;
    expect(ref).toEqual({ index: stored.index, sid: stored.sid });
  });

  it('a file without caption: MediaSid and no Body', async () => {
    const { backend, sid, path } = await legacyRig();
    const mediaSid = await backend.uploadMedia(file('hello'));
    await backend.postMessage(sid, { ...post, text: '', mediaSid }, { checkFirst: false });
    expect(postsTo(path)[0]!.params).toEqual({ From: 'telegram_42', Attributes: bridgeAttributes('telegram:9'), MediaSid: mediaSid });
  });

  it('failures are the RequestClient DeliveryErrors: 404 20404, and 5xx ambiguous', async () => {
    const { client, chatServiceSid, sid, path } = await legacyRig();
    await expect(postChannelMessage(client, chatServiceSid, `CH${'f'.repeat(32)}`, { From: 'a', Body: 'b' }, true)).rejects.toMatchObject({ kind: 'permanent', status: 404, code: 20404 });
    twilio.failNext({ method: 'POST', path, status: 500 });
    await expect(postChannelMessage(client, chatServiceSid, sid, { From: 'a', Body: 'b' }, true)).rejects.toMatchObject({ kind: 'retryable', status: 500, ambiguous: true });
  });
});
