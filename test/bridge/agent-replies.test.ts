import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentReplyOf } from '../../src/bridge/agent-replies.js';
import type { FlexMessageEvent } from '../../src/flex/backend.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { ChatMapping, NewChatMapping } from '../../src/store/store.js';

const customer = (externalUserId: string): NewChatMapping => ({
  network: 'telegram',
  externalUserId,
  externalChatId: externalUserId,
  handle: `telegram:${externalUserId}`,
  displayName: 'Ann',
  identity: `telegram_${externalUserId}`,
  flexMode: 'conversations',
});

const agentSays = (body: string, replyTo?: string): FlexMessageEvent => ({
  type: 'message',
  flexSid: 'CH1',
  messageSid: 'IMagent',
  author: 'agent',
  body,
  media: [],
  retryCount: 0,
  ...(replyTo && { replyTo }),
});

describe('agentReplyOf: which customer message an agent answers', () => {
  let store: SqliteStore;
  let ann: ChatMapping;
  let bob: ChatMapping;
  beforeEach(async () => {
    store = new SqliteStore(':memory:');
    ann = await store.beginMapping(customer('1'));
    bob = await store.beginMapping(customer('2'));
    await store.linkMessage({ conversationId: ann.id, flexSid: 'CH1', network: 'telegram', externalMessageId: '1:5', flexMessageSid: 'IMann5', text: 'Can I pay by card?' });
    await store.linkMessage({ conversationId: bob.id, flexSid: 'CH2', network: 'telegram', externalMessageId: '2:9', flexMessageSid: 'IMbob9', text: 'Where is my parcel?' });
  });
  afterEach(() => store.close());

  it("answers the message a plugin named, only if it is of the agent's own chat", async () => {
    expect(await agentReplyOf(store, ann, agentSays('Yes', 'IMann5'))).toEqual({ body: 'Yes', replyTo: '1:5' });
    expect(await agentReplyOf(store, ann, agentSays('Yes', 'IMbob9'))).toEqual({ body: 'Yes' });
  });

  it('answers the message a Markdown quote names, leaving the quote out; leaves a quote of nothing, or a quote alone, as it is', async () => {
    expect(await agentReplyOf(store, ann, agentSays('> pay by card\n> \nYes'))).toEqual({ body: 'Yes', replyTo: '1:5' });
    expect(await agentReplyOf(store, ann, agentSays('> Where is my parcel?\nHere'))).toEqual({ body: '> Where is my parcel?\nHere' });
    expect(await agentReplyOf(store, ann, agentSays('> Can I pay by card?'))).toEqual({ body: '> Can I pay by card?' });
    expect(await agentReplyOf(store, ann, agentSays('Plain'))).toEqual({ body: 'Plain' });
  });
});
