import { Events, Routes } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, nextEvent, rest, Rig } from './helpers.js';

const rig = new Rig();
afterEach(() => rig.tearDown());

describe('Discord emulator control routes (/_sandbox)', () => {
  it('lets a person play a user, read what the bot sent, inject faults and drop the gateway with curl', async () => {
    const emulator = await rig.emulator();
    const origin = emulator.restBaseUrl.replace(/\/api$/, '');
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${origin}/_sandbox${path}`, {
        method,
        ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, body: response.status === 204 ? undefined : ((await response.json()) as unknown) };
    };
    const client = await rig.loggedIn(emulator);

    expect(await call('POST', '/users', ALICE)).toMatchObject({ status: 201, body: { id: ALICE.id, username: 'alice' } });
    const received = nextEvent(client, Events.MessageCreate);
    const dm = await call('POST', `/users/${ALICE.id}/dm`, { content: 'hi from curl' });
    expect(dm).toMatchObject({ status: 201, body: { content: 'hi from curl', author: { id: ALICE.id } } });
    const [message] = await received;
    expect(message.content).toBe('hi from curl');

    expect(await call('POST', '/faults', { route: 'POST /channels/:id/messages', status: 403, code: 50007 })).toMatchObject({ status: 201 });
    await expect(message.channel.send('refused')).rejects.toMatchObject({ code: 50007 });
    await rest(emulator).post(Routes.channelMessages(message.channelId), { body: { content: 'accepted' } });
    expect(await call('GET', `/users/${ALICE.id}/dm`)).toMatchObject({ status: 200, body: [{ message: { content: 'accepted' } }] });
    const requests = (await call('GET', '/requests')).body as { route: string; status: number }[];
    expect(requests.map((r) => `${r.route} ${r.status}`)).toEqual([
      'GET /gateway/bot 200',
      'POST /channels/:id/messages 403',
      'POST /channels/:id/messages 200',
    ]);

    const resumed = nextEvent(client, Events.ShardResume);
    expect(await call('POST', '/gateway/drop')).toEqual({ status: 200, body: { dropped: 1 } });
    await resumed;

    expect(await call('POST', '/users', { id: 'not-a-snowflake', username: 'x' })).toMatchObject({ status: 400 });
    expect(await call('POST', '/users/1300000000000000009/dm', { content: 'x' })).toMatchObject({ status: 404 });
  });
});
