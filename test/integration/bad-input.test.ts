import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioSignature } from '../../src/flex/signature.js';
import { SANDBOX_CREDENTIALS } from '@flex-bridge/emulators';
import { eventually } from '../support/wait.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let conversationSid: string;
const PATH = '/flex/conversations/events';

beforeAll(async () => {
  h = await startHarness();
  h.telegram.addUser({ id: 21, username: 'kim', first_name: 'Kim' });
  h.telegram.userSends(21, 'hello');
  conversationSid = (await eventually(() => h.twilio.tasks()[0], 'a task')).conversationSid;
});
afterAll(async () => {
  await h?.stop();
});

function signedPost(params: Record<string, string>, opts: { contentType?: string; body?: string } = {}) {
  const url = `${h.config.PUBLIC_BASE_URL}${PATH}`;
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(SANDBOX_CREDENTIALS.authToken, url, params),
    },
    body: opts.body ?? new URLSearchParams(params).toString(),
  });
}

const agentMessage = (overrides: Record<string, string> = {}) => ({
  EventType: 'onMessageAdded',
  ConversationSid: conversationSid,
  MessageSid: `IM${Math.random().toString(16).slice(2).padEnd(32, '0')}`,
  Author: 'agent_alice',
  Body: 'text',
  Index: '5',
  ...overrides,
});

describe('bad input on the Flex webhook', () => {
  it('answers 200 and ignores an unknown EventType, so Twilio does not retry it', async () => {
    const res = await signedPost({ EventType: 'onParticipantAdded', ConversationSid: conversationSid });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ outcome: 'ignored' });
  });

  it('refuses a message event with missing fields or a bad Index with 400', async () => {
    const { MessageSid: _omitted, ...noSid } = agentMessage();
    expect((await signedPost(noSid)).status).toBe(400);
    expect((await signedPost(agentMessage({ Index: 'seven' }))).status).toBe(400);
  });

  it('refuses a form with a prototype key (__proto__, constructor, prototype) with 400', async () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const res = await signedPost({}, { body: `${new URLSearchParams(agentMessage()).toString()}&${key}=x` });
      expect(res.status, key).toBe(400);
      expect(await res.json()).toEqual({ error: `form field ${key} is not accepted` });
    }
  });

  it('refuses media whose Sid is not a media SID with 400, so no other MCS path is ever fetched', async () => {
    const media = (Sid: string) => JSON.stringify([{ Sid, ContentType: 'image/png', Filename: 'a.png', Size: 10 }]);
    expect((await signedPost(agentMessage({ Media: media('../../Services/IS1') }))).status).toBe(400);
    expect((await signedPost(agentMessage({ Media: media('ME123') }))).status).toBe(400);
  });

  it('refuses JSON and other content types with 415', async () => {
    expect((await signedPost(agentMessage(), { contentType: 'application/json', body: JSON.stringify(agentMessage()) })).status).toBe(415);
    expect((await signedPost(agentMessage(), { contentType: 'text/plain' })).status).toBe(415);
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await signedPost(agentMessage({ Body: 'x'.repeat(1024 * 1024 + 1) }));
    expect(res.status).toBe(413);
  });

  it('carries emoji, RTL and zero-width text unchanged, and keeps serving after all of the above', async () => {
    const text = 'שלום 👋🏽 مرحبا\u200b\u200dend 🇮🇱';
    expect((await signedPost(agentMessage({ Body: text }))).status).toBe(200);
    const [received] = await h.telegram.waitForMessages(21, 1);
    expect(received!.text).toBe(text);
    expect((await fetch(`${h.config.PUBLIC_BASE_URL}/healthz`)).status).toBe(200);
  });

  it('property: any signed form gets a 2xx or a 4xx, never a 5xx', async () => {
    const value = fc.string({ unit: 'grapheme', maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('EventType', 'ConversationSid', 'MessageSid', 'Author', 'Body', 'Index', 'StateTo', 'RetryCount', 'X'), value), async (params) => {
        const res = await signedPost(params);
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
  });
});
