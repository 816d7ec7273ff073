import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TwilioEmulator } from '../../src/twilio/emulator.js';
import { localClient, rejectionOf, startEmulator, uploadMedia } from './helpers.js';

type Client = ReturnType<typeof twilio>;

describe('Twilio emulator: Conversations v1 through twilio-node', () => {
  let emulator: TwilioEmulator;
  let baseUrl: string;
  let client: Client;

  beforeEach(async () => {
    ({ emulator, baseUrl, client } = await startEmulator());
  });
  afterEach(async () => {
    await emulator.stop();
  });

  const conversations = () => client.conversations.v1.conversations;

  it('creates a conversation with a real-looking SID and Twilio fields', async () => {
    const conversation = await conversations().create({ friendlyName: 'telegram:alice', attributes: '{"chat":"42"}' });

    expect(conversation.sid).toMatch(/^CH[0-9a-f]{32}$/);
    expect(conversation.friendlyName).toBe('telegram:alice');
    expect(conversation.attributes).toBe('{"chat":"42"}');
    expect(conversation.state).toBe('active');
    expect(conversation.accountSid).toBe(emulator.account.accountSid);
    expect(conversation.chatServiceSid).toBe(emulator.account.chatServiceSid);
    expect(conversation.dateCreated).toBeInstanceOf(Date);
    expect(conversation.url).toBe(`https://conversations.twilio.com/v1/Conversations/${conversation.sid}`);
  });

  it('records the request as received: host, path, form params with spaces, headers', async () => {
    await conversations().create({ friendlyName: 'tg alice' });

    const [request] = emulator.requests;
    expect(request).toMatchObject({ method: 'POST', host: 'conversations.twilio.com', path: '/v1/Conversations' });
    expect(request?.params).toEqual({ FriendlyName: 'tg alice' });
    expect(request?.headers['user-agent']).toMatch(/^twilio-node\//);
  });

  it('fetches, updates, lists and deletes conversations (fetch also by unique name)', async () => {
    const created = await conversations().create({ uniqueName: 'tg-42' });

    expect((await conversations()('tg-42').fetch()).sid).toBe(created.sid);
    const updated = await conversations()(created.sid).update({ friendlyName: 'renamed', attributes: '{"a":1}' });
    expect(updated).toMatchObject({ friendlyName: 'renamed', attributes: '{"a":1}' });
    expect((await conversations().list()).map((c) => c.sid)).toEqual([created.sid]);

    expect(await conversations()(created.sid).remove()).toBe(true);
    const err = await rejectionOf(conversations()(created.sid).fetch());
    expect(err).toMatchObject({ status: 404, code: 20404 });
  });

  it('adds, lists and removes participants; a duplicate identity is 409 / 50433', async () => {
    const { sid } = await conversations().create({});
    const participant = await conversations()(sid).participants.create({ identity: 'telegram_42' });
    expect(participant.sid).toMatch(/^MB[0-9a-f]{32}$/);
    expect(participant).toMatchObject({ identity: 'telegram_42', conversationSid: sid });

    const duplicate = await rejectionOf(conversations()(sid).participants.create({ identity: 'telegram_42' }));
    expect(duplicate).toBeInstanceOf(twilio.RestException);
    expect(duplicate).toMatchObject({ status: 409, code: 50433 });

    expect((await conversations()(sid).participants.list()).map((p) => p.identity)).toEqual(['telegram_42']);
    await conversations()(sid).participants(participant.sid).remove();
    expect(await conversations()(sid).participants.list()).toEqual([]);
  });

  it('creates messages: Author defaults to system, index increments, attributes and media are returned', async () => {
    const { sid } = await conversations().create({});
    await conversations()(sid).participants.create({ identity: 'telegram_42' });

    const mediaSid = await uploadMedia(emulator, Buffer.from('jpeg bytes'), 'image/jpeg', 'receipt.jpg');
    const first = await conversations()(sid).messages.create({ body: 'hello' });
    const second = await conversations()(sid).messages.create({
      author: 'telegram_42',
      body: 'with a photo',
      attributes: '{"telegramMessageId":7}',
      mediaSid,
    });

    expect(first.sid).toMatch(/^IM[0-9a-f]{32}$/);
    expect(first).toMatchObject({ index: 0, author: 'system', body: 'hello', attributes: '{}', media: null });
    expect(first.participantSid).toBeNull();
    expect(second).toMatchObject({ index: 1, author: 'telegram_42', attributes: '{"telegramMessageId":7}' });
    expect(second.participantSid).toMatch(/^MB/);
    expect(second.media).toEqual([expect.objectContaining({ sid: mediaSid, content_type: 'image/jpeg', filename: 'receipt.jpg', size: 10 })]);
    expect((await conversations()(sid).messages(second.sid).fetch()).body).toBe('with a photo');
    expect(emulator.messages(sid).map((m) => m.body)).toEqual(['hello', 'with a photo']);
  });

  it('pages through messages by following next_page_url, in either order', async () => {
    const { sid } = await conversations().create({});
    for (const body of ['m0', 'm1', 'm2', 'm3', 'm4']) await conversations()(sid).messages.create({ body });

    const ascending = await conversations()(sid).messages.list({ pageSize: 2 });
    expect(ascending.map((m) => m.body)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    const pageRequests = emulator.requests.filter((r) => r.method === 'GET');
    expect(pageRequests.map((r) => r.query.PageToken)).toEqual([undefined, 'PT2', 'PT4']);

    const firstPage = await conversations()(sid).messages.page({ pageSize: 2, order: 'desc' });
    expect(firstPage.instances.map((m) => m.body)).toEqual(['m4', 'm3']);
    expect(firstPage.nextPageUrl).toBe(
      `https://conversations.twilio.com/v1/Conversations/${sid}/Messages?Order=desc&PageSize=2&Page=1&PageToken=PT2`,
    );
    const secondPage = await firstPage.nextPage();
    expect(secondPage?.instances.map((m) => m.body)).toEqual(['m2', 'm1']);
  });

  it('finds the conversations of an identity with ParticipantConversations', async () => {
    const open = await conversations().create({ friendlyName: 'open' });
    const closed = await conversations().create({ friendlyName: 'closed' });
    const other = await conversations().create({});
    await conversations()(open.sid).participants.create({ identity: 'discord_7' });
    await conversations()(closed.sid).participants.create({ identity: 'discord_7' });
    await conversations()(other.sid).participants.create({ identity: 'telegram_1' });
    await conversations()(closed.sid).update({ state: 'closed' });

    const found = await client.conversations.v1.participantConversations.list({ identity: 'discord_7' });

    expect(found.map((p) => [p.conversationSid, p.conversationState])).toEqual([
      [open.sid, 'active'],
      [closed.sid, 'closed'],
    ]);
    expect(found[0]).toMatchObject({ participantIdentity: 'discord_7', conversationFriendlyName: 'open' });
  });

  it('makes State=closed final: posting a message afterwards is 409 / 50377', async () => {
    const { sid } = await conversations().create({});
    await conversations()(sid).update({ state: 'closed' });

    const err = await rejectionOf(conversations()(sid).messages.create({ body: 'too late' }));

    expect(err).toMatchObject({ status: 409, code: 50377 });
    expect(emulator.messages(sid)).toEqual([]);
  });

  it('refuses timers without State on create (50382), or shorter than 1 minute (inactive) and 10 minutes (closed)', async () => {
    const withoutState = await rejectionOf(conversations().create({ 'timers.closed': 'PT1H' }));
    const shortInactive = await rejectionOf(conversations().create({ state: 'active', 'timers.inactive': 'PT30S' }));
    const shortClosed = await rejectionOf(conversations().create({ state: 'active', 'timers.closed': 'PT9M' }));
    const notADuration = await rejectionOf(conversations().create({ state: 'active', 'timers.closed': '12 hours' }));

    expect(withoutState).toMatchObject({ status: 400, code: 50382 });
    expect([shortInactive, shortClosed, notADuration]).toEqual([
      expect.objectContaining({ status: 400, code: 20001 }),
      expect.objectContaining({ status: 400, code: 20001 }),
      expect.objectContaining({ status: 400, code: 20001 }),
    ]);
    expect(emulator.conversations()).toEqual([]);
  });

  it('runs timers on the emulator clock: inactive after quiet time, closed (Reason TIMER) later; a message restarts them', async () => {
    const created = await conversations().create({ state: 'active', 'timers.inactive': 'PT10M', 'timers.closed': 'PT12H' });
    const changes: string[] = [];
    emulator.events.on('state', (change) => changes.push(`${change.to}:${change.reason}`));

    emulator.advanceClock(9 * 60_000);
    await conversations()(created.sid).messages.create({ author: 'telegram_1', body: 'still here' });
    emulator.advanceClock(9 * 60_000);
    const stillActive = (await conversations()(created.sid).fetch()).state;
    emulator.advanceClock(2 * 60_000);
    const inactive = await conversations()(created.sid).fetch();
    emulator.advanceClock(12 * 3600_000);
    const closed = await conversations()(created.sid).fetch();

    expect(created.timers).toEqual({ date_inactive: expect.any(String), date_closed: expect.any(String) });
    expect(Date.parse(created.timers.date_closed) - Date.parse(created.timers.date_inactive)).toBe(12 * 3600_000 - 10 * 60_000);
    expect(stillActive).toBe('active');
    expect(inactive.state).toBe('inactive');
    expect(closed.state).toBe('closed');
    expect(changes).toEqual(['inactive:TIMER', 'closed:TIMER']);
  });

  it('creates, lists and removes conversation webhooks with repeated filters; at most 5 (50361)', async () => {
    const { sid } = await conversations().create({});
    const webhook = await conversations()(sid).webhooks.create({
      target: 'webhook',
      'configuration.url': 'https://bridge.example.com/twilio/conversations?x=1',
      'configuration.method': 'post',
      'configuration.filters': ['onMessageAdded', 'onConversationStateUpdated'],
    });
    expect(webhook.sid).toMatch(/^WH[0-9a-f]{32}$/);
    expect(webhook.configuration).toEqual({
      url: 'https://bridge.example.com/twilio/conversations?x=1',
      method: 'post',
      filters: ['onMessageAdded', 'onConversationStateUpdated'],
    });
    expect(emulator.requests.at(-1)?.params['Configuration.Filters']).toEqual([
      'onMessageAdded',
      'onConversationStateUpdated',
    ]);
    const studio = await conversations()(sid).webhooks.create({
      target: 'studio',
      'configuration.flowSid': 'FW0123456789abcdef0123456789abcdef',
      'configuration.filters': ['onMessageAdded'],
    });
    expect(studio.configuration).toMatchObject({ flow_sid: 'FW0123456789abcdef0123456789abcdef' });

    for (let i = 0; i < 3; i++) {
      const url = `https://example.com/${i}`;
      await conversations()(sid).webhooks.create({ target: 'webhook', 'configuration.url': url });
    }
    const sixth = await rejectionOf(
      conversations()(sid).webhooks.create({ target: 'webhook', 'configuration.url': 'https://example.com/6' }),
    );
    expect(sixth).toMatchObject({ status: 400, code: 50361 });

    await conversations()(sid).webhooks(webhook.sid).remove();
    expect(await conversations()(sid).webhooks.list()).toHaveLength(4);
  });

  it('answers 401 / 20003 to wrong credentials and records the refused request', async () => {
    const { client: intruder } = localClient(baseUrl, { authToken: 'wrong-token' });

    const err = await rejectionOf(intruder.conversations.v1.conversations.create({}));

    expect(err).toMatchObject({ status: 401, code: 20003, message: 'Authenticate' });
    expect(emulator.conversations()).toEqual([]);
    expect(emulator.requests.at(-1)).toMatchObject({ authorized: false, path: '/v1/Conversations' });
  });

  it('answers unknown paths with a Twilio 404 body', async () => {
    const response = await fetch(`${baseUrl}/conversations.twilio.com/v1/Nothing`);

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      code: 20404,
      message: 'The requested resource /v1/Nothing was not found',
      more_info: 'https://www.twilio.com/docs/errors/20404',
      status: 404,
    });
  });
});
