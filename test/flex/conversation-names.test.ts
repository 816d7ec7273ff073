import { SANDBOX_CREDENTIALS, TwilioEmulator } from '@flex-bridge/emulators';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConversationsBackend } from '../../src/flex/conversations.js';
import { McsClient } from '../../src/flex/mcs-client.js';
import { createTwilioClient } from '../../src/flex/twilio-client.js';
import type { OpenChatRequest } from '../../src/flex/backend.js';

const { accountSid, authToken, workspaceSid, workflowSid } = SANDBOX_CREDENTIALS;
const KEY = 'flex-bridge-0123456789abcdef-1-mh3k2x0';

let twilio: TwilioEmulator;
let backend: ConversationsBackend;
let client: ReturnType<typeof createTwilioClient>;

beforeEach(async () => {
  twilio = new TwilioEmulator({ accountSid, authToken, workspaceSid, workflowSid });
  const apiBaseUrl = await twilio.start();
  client = createTwilioClient({ accountSid, authToken, apiBaseUrl });
  backend = new ConversationsBackend({
    client,
    mcs: new McsClient({ accountSid, authToken, apiBaseUrl }),
    publicBaseUrl: 'http://127.0.0.1:9',
    workspaceSid,
    taskChannel: 'chat',
    routing: { confirmMs: 1000, attempts: 1 },
    timers: {},
    extraAttributes: {},
  });
});
afterEach(async () => {
  await twilio.stop();
});

const request: OpenChatRequest = {
  openingKey: KEY,
  identity: 'telegram_42',
  handle: 'telegram:alice',
  displayName: 'Alice',
  network: 'telegram',
  firstMessage: { author: 'telegram_42', text: 'hello', bridgeMessageId: 'telegram:1' },
  context: {},
};
const open = () => backend.openChat(request, async () => undefined, async () => undefined);
const byName = (name: string) => twilio.conversations().find((c) => c.uniqueName === name);

describe('ConversationsBackend: unique names (UniqueName) it cannot be sure of', () => {
  it('marks the conversation it creates with its opening key', async () => {
    const opened = await open();
    const conversation = byName(KEY)!;
    expect(conversation.sid).toBe(opened.flexSid);
    expect(JSON.parse(conversation.attributes)).toEqual({ network: 'telegram', handle: 'telegram:alice', customerName: 'Alice', flexBridgeOpening: KEY });
    expect(opened.namesTaken).toEqual([]);
  });

  it('leaves a conversation another deployment holds under the name alone and opens under the next name (50353 looked up)', async () => {
    const foreign = twilio.seedConversation({ uniqueName: KEY, attributes: '{"flexBridgeOpening":"someone else"}' });
    twilio.agentSend(foreign.sid, 'an agent of the other deployment, mid-chat');

    const opened = await open();

    expect(opened.namesTaken).toEqual([KEY]);
    expect(byName(`${KEY}-2`)?.sid).toBe(opened.flexSid);
    expect(twilio.messages(opened.flexSid).map((m) => m.body)).toEqual(['hello']);
    expect(byName(KEY)).toMatchObject({ sid: foreign.sid, state: 'active', messageCount: 1 });
    expect(twilio.requests.some((r) => r.method === 'GET' && r.path === `/v1/Conversations/${KEY}`)).toBe(true);
    expect(twilio.requests.some((r) => r.method === 'DELETE')).toBe(false);
  });

  it('continues with a live conversation an earlier attempt of this opening made (50353, and it is ours)', async () => {
    // It got as far as adding the customer and the webhook before it was cut off.
    const earlier = twilio.seedConversation({ uniqueName: KEY, attributes: JSON.stringify({ flexBridgeOpening: KEY }) });
    await client.conversations.v1.conversations(earlier.sid).participants.create({ identity: 'telegram_42' });
    await client.conversations.v1
      .conversations(earlier.sid)
      .webhooks.create({ target: 'webhook', 'configuration.url': 'http://127.0.0.1:9/flex/conversations/events', 'configuration.filters': ['onMessageAdded'] });

    const opened = await open();

    expect(opened).toMatchObject({ flexSid: earlier.sid, namesTaken: [] });
    const conversation = byName(KEY)!;
    expect(conversation.participants.map((p) => p.identity)).toEqual(['telegram_42']);
    expect(conversation.webhooks).toHaveLength(1);
    expect(twilio.tasks().map((t) => t.conversationSid)).toEqual([earlier.sid]);
    expect(twilio.conversations()).toHaveLength(1);
  });

  it('discards only a conversation whose attributes prove it made it for that opening', async () => {
    const foreign = twilio.seedConversation({ uniqueName: KEY, attributes: '{}' });
    await backend.discardChat(null, KEY);
    await backend.discardChat(foreign.sid, KEY);
    expect(byName(KEY)?.sid).toBe(foreign.sid);

    const ours = twilio.seedConversation({ uniqueName: 'mine', attributes: JSON.stringify({ flexBridgeOpening: 'mine' }) });
    await backend.discardChat(null, 'mine');
    expect(twilio.conversations().map((c) => c.sid)).toEqual([foreign.sid]);
    expect(ours.sid).not.toBe(foreign.sid);
  });
});
