import { DiscordAPIError, Routes } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiscordEmulator } from '../../src/discord/emulator.js';
import { ALICE, BOB, rest, Rig } from './helpers.js';

const rig = new Rig();
afterEach(() => rig.tearDown());

interface ApiMessage {
  id: string;
  content: string;
  author: { id: string };
}

/** Alice's DM with `count` messages `m1`…; resolves with its channel id and the messages oldest first. */
async function dmWith(emulator: DiscordEmulator, count: number): Promise<{ channelId: string; sent: ApiMessage[] }> {
  emulator.addUser(ALICE);
  const sent = Array.from({ length: count }, (_, i) => emulator.userSendsDm(ALICE.id, `m${i + 1}`));
  return { channelId: sent[0]!.channel_id, sent };
}

const contents = (messages: unknown) => (messages as ApiMessage[]).map((m) => m.content);

describe('Discord emulator: Get Channel Messages', () => {
  it('answers the latest 50 by default, newest first, the bot\'s own messages among them', async () => {
    const emulator = await rig.emulator();
    const { channelId } = await dmWith(emulator, 60);
    const api = rest(emulator);
    await api.post(Routes.channelMessages(channelId), { body: { content: 'from the bot' } });

    const page = (await api.get(Routes.channelMessages(channelId))) as ApiMessage[];

    expect(page).toHaveLength(50);
    expect(contents(page.slice(0, 3))).toEqual(['from the bot', 'm60', 'm59']);
    expect(page[0]!.author.id).toBe(emulator.bot.id);
    expect(page.at(-1)!.content).toBe('m12');
  });

  it('with after, answers the messages right after it, newest first, so that paging on from the newest reads every one once', async () => {
    const emulator = await rig.emulator();
    const { channelId, sent } = await dmWith(emulator, 7);
    const api = rest(emulator);
    const page = (after: string) => api.get(Routes.channelMessages(channelId), { query: new URLSearchParams({ after, limit: '3' }) }) as Promise<ApiMessage[]>;

    const first = await page(sent[1]!.id);
    expect(contents(first)).toEqual(['m5', 'm4', 'm3']);
    const second = await page(first[0]!.id);
    expect(contents(second)).toEqual(['m7', 'm6']);
    expect(await page(second[0]!.id)).toEqual([]);
    expect(contents(await page('0'))).toEqual(['m3', 'm2', 'm1']);
  });

  it('with before, answers the latest before it, newest first', async () => {
    const emulator = await rig.emulator();
    const { channelId, sent } = await dmWith(emulator, 5);

    const page = await rest(emulator).get(Routes.channelMessages(channelId), { query: new URLSearchParams({ before: sent[3]!.id, limit: '2' }) });

    expect(contents(page)).toEqual(['m3', 'm2']);
  });

  it('refuses a limit outside 1-100 with Invalid Form Body, and an unknown channel with Unknown Channel', async () => {
    const emulator = await rig.emulator();
    const { channelId } = await dmWith(emulator, 1);
    emulator.addUser(BOB);
    const api = rest(emulator);
    const get = (id: string, query: Record<string, string>) => api.get(Routes.channelMessages(id), { query: new URLSearchParams(query) }).catch((err: unknown) => err);

    expect(await get(channelId, { limit: '101' })).toMatchObject({ status: 400, code: 50035 });
    expect(await get(channelId, { limit: '0' })).toMatchObject({ status: 400, code: 50035 });
    const unknown = await get('1234567890123456789', {});
    expect(unknown).toBeInstanceOf(DiscordAPIError);
    expect(unknown).toMatchObject({ status: 404, code: 10003 });
    expect(emulator.contractViolations).toEqual([]);
  });
});
