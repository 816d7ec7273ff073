import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TwilioEmulator } from '../../src/twilio/emulator.js';
import { rejectionOf, startEmulator } from './helpers.js';

type Client = ReturnType<typeof twilio>;

const STUDIO_FLOW = 'FW0123456789abcdef0123456789abcdef';

describe('Twilio emulator: legacy Flex Flows and Flex Channels', () => {
  let emulator: TwilioEmulator;
  let client: Client;

  beforeEach(async () => {
    ({ emulator, client } = await startEmulator());
  });
  afterEach(async () => {
    await emulator.stop();
  });

  function customFlow(friendlyName = 'Telegram custom chat') {
    return client.flexApi.v1.flexFlow.create({
      friendlyName,
      chatServiceSid: emulator.account.chatServiceSid,
      channelType: 'custom',
      integrationType: 'studio',
      'integration.flowSid': STUDIO_FLOW,
      contactIdentity: 'flex-bridge',
      enabled: true,
    });
  }

  function openChannel(flexFlowSid: string, target = 'telegram:alice', identity = 'telegram_42') {
    return client.flexApi.v1.channel.create({
      flexFlowSid,
      identity,
      chatUserFriendlyName: 'Alice',
      chatFriendlyName: target,
      target,
    });
  }

  const chatChannel = (sid: string) => client.chat.v2.services(emulator.account.chatServiceSid).channels(sid);

  it('creates, fetches and lists a Flex Flow from the form twilio-node sends', async () => {
    const created = await customFlow();
    await customFlow('another flow');

    expect(created.sid).toMatch(/^FO[0-9a-f]{32}$/);
    expect(created).toMatchObject({
      accountSid: emulator.account.accountSid,
      friendlyName: 'Telegram custom chat',
      chatServiceSid: emulator.account.chatServiceSid,
      channelType: 'custom',
      contactIdentity: 'flex-bridge',
      enabled: true,
      integrationType: 'studio',
      integration: { flow_sid: STUDIO_FLOW },
      longLived: false,
      janitorEnabled: false,
      url: `https://flex-api.twilio.com/v1/FlexFlows/${created.sid}`,
    });
    expect(emulator.requests.at(-1)?.params).toEqual({
      FriendlyName: 'another flow',
      ChatServiceSid: emulator.account.chatServiceSid,
      ChannelType: 'custom',
      IntegrationType: 'studio',
      'Integration.FlowSid': STUDIO_FLOW,
      ContactIdentity: 'flex-bridge',
      Enabled: 'true',
    });
    expect((await client.flexApi.v1.flexFlow(created.sid).fetch()).friendlyName).toBe('Telegram custom chat');
    const named = await client.flexApi.v1.flexFlow.list({ friendlyName: 'Telegram custom chat' });
    expect(named.map((f) => f.sid)).toEqual([created.sid]);
    expect(await client.flexApi.v1.flexFlow.list()).toHaveLength(2);
  });

  it.each([
    [{ 'integration.flowSid': undefined }, 'Integration.FlowSid'],
    [{ chatServiceSid: 'IS00000000000000000000000000000000' }, 'ChatServiceSid'],
    [{ channelType: 'carrier-pigeon' }, 'ChannelType'],
  ])('refuses a Flex Flow with %o (400 naming %s)', async (override, named) => {
    const err = await rejectionOf(
      client.flexApi.v1.flexFlow.create({
        friendlyName: 'broken',
        chatServiceSid: emulator.account.chatServiceSid,
        channelType: 'custom',
        integrationType: 'studio',
        'integration.flowSid': STUDIO_FLOW,
        ...override,
      } as Parameters<Client['flexApi']['v1']['flexFlow']['create']>[0]),
    );
    expect(err).toMatchObject({ status: 400, code: 20001, message: expect.stringContaining(named) });
    expect(emulator.legacyChat.flexFlows()).toEqual([]);
    // An enum value the spec does not list is a contract violation too; the others are the emulator's own rules.
    const violations = emulator.contractViolations.splice(0);
    expect(violations.flatMap((v) => v.problems.map((p) => p.parameter))).toEqual(named === 'ChannelType' ? ['ChannelType'] : []);
  });

  it('opens a channel: chat user, channel with Flex attributes, membership and the Studio webhook', async () => {
    const flow = await customFlow();
    const opened = await openChannel(flow.sid);

    expect(opened.sid).toMatch(/^CH[0-9a-f]{32}$/);
    expect(opened).toMatchObject({ flexFlowSid: flow.sid, userSid: expect.stringMatching(/^US/), taskSid: null });
    const channel = await chatChannel(opened.sid).fetch();
    expect(JSON.parse(channel.attributes)).toEqual({
      from: 'telegram:alice',
      channel_type: 'custom',
      status: 'ACTIVE',
      long_lived: false,
    });
    expect(channel).toMatchObject({ friendlyName: 'telegram:alice', type: 'private', membersCount: 1, messagesCount: 0 });
    const [snapshot] = emulator.legacyChat.channels();
    expect(snapshot).toMatchObject({ members: ['telegram_42'], flexFlowSid: flow.sid });
    const webhooks = await chatChannel(opened.sid).webhooks.list();
    expect(webhooks.map((w) => [w.type, w.configuration])).toEqual([
      ['studio', { flow_sid: STUDIO_FLOW, filters: ['onMessageSent'], retry_count: 0 }],
    ]);
  });

  it('returns the active channel of the same target instead of a new one, until it is INACTIVE', async () => {
    const flow = await customFlow();
    const first = await openChannel(flow.sid);
    const again = await openChannel(flow.sid);
    const otherTarget = await openChannel(flow.sid, 'discord:alice', 'discord_42');

    expect(again.sid).toBe(first.sid);
    expect(otherTarget.sid).not.toBe(first.sid);

    emulator.legacyChat.endChat(first.sid);
    const afterEnd = await openChannel(flow.sid);
    expect(afterEnd.sid).not.toBe(first.sid);
    expect(emulator.legacyChat.channels()).toHaveLength(3);
  });

  it('lists (flex_chat_channels), fetches and deletes Flex Channels', async () => {
    const flow = await customFlow();
    const a = await openChannel(flow.sid);
    const b = await openChannel(flow.sid, 'telegram:bob', 'telegram_43');

    expect((await client.flexApi.v1.channel.list()).map((c) => c.sid)).toEqual([a.sid, b.sid]);
    const list = await fetch(`${emulator.baseUrl}/flex-api.twilio.com/v1/Channels`, {
      headers: { Authorization: `Basic ${Buffer.from(`${emulator.account.accountSid}:${emulator.account.authToken}`).toString('base64')}` },
    });
    expect(Object.keys((await list.json()) as object)).toEqual(['flex_chat_channels', 'meta']);
    expect((await client.flexApi.v1.channel(b.sid).fetch()).flexFlowSid).toBe(flow.sid);

    expect(await client.flexApi.v1.channel(a.sid).remove()).toBe(true);
    expect(await rejectionOf(chatChannel(a.sid).fetch())).toMatchObject({ status: 404, code: 20404 });
  });

  it("keeps PreEngagementData in the channel's attributes as pre_engagement_data (JSON as an object)", async () => {
    const flow = await customFlow();
    const { sid } = await client.flexApi.v1.channel.create({
      flexFlowSid: flow.sid,
      identity: 'telegram_42',
      chatUserFriendlyName: 'Alice',
      chatFriendlyName: 'telegram:alice',
      target: 'telegram:alice',
      preEngagementData: JSON.stringify({ language: 'de', startPayload: 'order_42' }),
    });
    const attributes = JSON.parse((await chatChannel(sid).fetch()).attributes);
    expect(attributes).toMatchObject({ from: 'telegram:alice', status: 'ACTIVE', pre_engagement_data: { language: 'de', startPayload: 'order_42' } });
    const { sid: plain } = await openChannel(flow.sid, 'telegram:bob', 'telegram_43');
    expect(JSON.parse((await chatChannel(plain).fetch()).attributes)).not.toHaveProperty('pre_engagement_data');
  });

  it("serves a chat user by identity or SID: a channel's customer, and the agent Flex names", async () => {
    const flow = await customFlow();
    await openChannel(flow.sid);
    const users = client.chat.v2.services(emulator.account.chatServiceSid).users;
    const customer = await users('telegram_42').fetch();
    expect(customer).toMatchObject({ identity: 'telegram_42', friendlyName: 'Alice', sid: expect.stringMatching(/^US[0-9a-f]{32}$/) });
    expect((await users(customer.sid).fetch()).identity).toBe('telegram_42');
    expect(await users('agent_alice').fetch()).toMatchObject({ identity: 'agent_alice', friendlyName: 'Alice' });
    expect(await rejectionOf(users('nobody').fetch())).toMatchObject({ status: 404 });
  });

  it('refuses a channel for an unknown flow (404) or without an identity (400)', async () => {
    const unknown = await rejectionOf(openChannel('FO0123456789abcdef0123456789abcdef'));
    expect(unknown).toMatchObject({ status: 404, code: 20404 });
    const flow = await customFlow();
    const noIdentity = await rejectionOf(openChannel(flow.sid, 'telegram:alice', ''));
    expect(noIdentity).toMatchObject({ status: 400, message: expect.stringContaining('Identity') });
    expect(emulator.legacyChat.channels()).toEqual([]);
  });
});
