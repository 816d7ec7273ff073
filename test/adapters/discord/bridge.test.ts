import { afterEach, describe, expect, it } from 'vitest';
import type { DiscordEmulator } from '@flex-bridge/emulators';
import { startHarnessWithDiscord, type Harness } from '../../support/harness.js';
import { eventually } from '../../support/wait.js';
import { ALICE } from './harness.js';

/** End to end: the real bridge (sqlite, outbox, HTTP) between the Discord and Twilio emulators. */
const TELEGRAM_ALICE = { id: 5012345678, username: 'alice', first_name: 'Alice' };

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop(); // stops the emulators too
  h = undefined;
});

async function start(): Promise<{ h: Harness; discord: DiscordEmulator }> {
  const started = await startHarnessWithDiscord();
  h = started.h;
  started.discord.addUser(ALICE);
  return started;
}

const firstTask = (harness: Harness) => eventually(() => harness.twilio.tasks()[0], 'a Flex task');

function customerBodies(harness: Harness, conversationSid: string, count: number) {
  return eventually(() => {
    const bodies = harness.twilio.messages(conversationSid).filter((m) => m.author === `discord_${ALICE.id}`).map((m) => m.body);
    return bodies.length >= count ? bodies : undefined;
  }, `${count} Discord message(s) in Flex`);
}

describe('Discord customer ↔ Flex agent, through the bridge', () => {
  it('opens one Flex conversation for a first DM, with the Discord handle and identity', async () => {
    const { h, discord } = await start();

    discord.userSendsDm(ALICE.id, 'Hello from Discord');
    const task = await firstTask(h);

    const [conversation] = h.twilio.conversations();
    expect(h.twilio.conversations()).toHaveLength(1);
    expect(conversation?.friendlyName).toBe('discord:alice');
    expect(conversation?.participants.map((p) => p.identity)).toEqual([`discord_${ALICE.id}`]);
    expect(h.twilio.messages(task.conversationSid).map((m) => [m.author, m.body])).toEqual([[`discord_${ALICE.id}`, 'Hello from Discord']]);
    expect(task.attributes).toMatchObject({ from: 'discord:alice', customerName: 'Alice Liddell' });
  });

  it('delivers an agent reply into the DM, and a 2500-character one as two complete messages', async () => {
    const { h, discord } = await start();
    discord.userSendsDm(ALICE.id, 'Hello');
    const task = await firstTask(h);

    h.twilio.agentSend(task.conversationSid, 'Hi Alice, let me check.');
    const long = Array.from({ length: 500 }, (_, i) => `word${i}`).join(' ').slice(0, 2500);
    h.twilio.agentSend(task.conversationSid, long);

    const messages = await discord.waitForMessages(ALICE.id, 3);
    expect(messages[0]?.message.content).toBe('Hi Alice, let me check.');
    expect(messages.slice(1).map((m) => m.message.content).join('')).toBe(long);
    expect(messages.every((m) => m.message.content.length <= 2000)).toBe(true);
    expect(messages.map((m) => m.allowedMentions)).toEqual([{ parse: [] }, { parse: [] }, { parse: [] }]);
  });

  it('keeps a Telegram alice and a Discord alice apart', async () => {
    const { h, discord } = await start();
    h.telegram.addUser(TELEGRAM_ALICE);

    discord.userSendsDm(ALICE.id, 'I am alice on Discord');
    h.telegram.userSends(TELEGRAM_ALICE.id, 'I am alice on Telegram');
    await eventually(() => h.twilio.conversations().length === 2 && h.twilio.tasks().length === 2, 'two conversations');
    const byHandle = new Map(h.twilio.conversations().map((c) => [c.friendlyName, c.sid]));
    h.twilio.agentSend(byHandle.get('discord:alice') ?? '', 'for Discord alice');
    h.twilio.agentSend(byHandle.get('telegram:alice') ?? '', 'for Telegram alice');

    expect((await discord.waitForMessages(ALICE.id, 1)).map((m) => m.message.content)).toEqual(['for Discord alice']);
    expect((await h.telegram.waitForMessages(TELEGRAM_ALICE.id, 1)).map((m) => m.text)).toEqual(['for Telegram alice']);
    await h.app.worker.stop(2000);
    expect(discord.messagesInDm(ALICE.id)).toHaveLength(1);
    expect(h.telegram.messagesTo(TELEGRAM_ALICE.id)).toHaveLength(1);
    expect(h.twilio.messages(byHandle.get('discord:alice') ?? '').map((m) => m.body)).toEqual(['I am alice on Discord', 'for Discord alice']);
  });

  it('reaches the customer after a bridge restart, opening the DM again', async () => {
    const { h, discord } = await start();
    const dm = discord.userSendsDm(ALICE.id, 'before restart');
    const task = await firstTask(h);

    await h.restart();
    h.twilio.agentSend(task.conversationSid, 'after the restart');

    const [reply] = await discord.waitForMessages(ALICE.id, 1);
    expect(reply?.message).toMatchObject({ channel_id: dm.channel_id, content: 'after the restart' });
    expect(discord.requestsTo('POST /users/@me/channels').map((r) => r.body)).toEqual([{ recipient_id: ALICE.id }]);
  });

  it('tells the agent in Flex when the customer cannot be DMed (50007)', async () => {
    const { h, discord } = await start();
    discord.userSendsDm(ALICE.id, 'hi');
    const task = await firstTask(h);
    discord.setBlocksDms(ALICE.id);

    h.twilio.agentSend(task.conversationSid, 'are you there?');

    const notice = await eventually(() => h.twilio.messages(task.conversationSid).find((m) => m.author === 'flex-bridge'), 'a notice in Flex');
    expect(notice.body).toContain('could not deliver a message to the customer on discord');
    expect(notice.body).toContain('Cannot send messages to this user');
    expect(discord.messagesInDm(ALICE.id)).toEqual([]);
  });

  it('retries a 429 after its Retry-After and delivers exactly once', async () => {
    const { h, discord } = await start();
    discord.userSendsDm(ALICE.id, 'hi');
    const task = await firstTask(h);
    discord.failNext({ route: 'POST /channels/:id/messages', status: 429, retryAfter: 1 });

    const started = Date.now();
    h.twilio.agentSend(task.conversationSid, 'after the rate limit');

    await discord.waitForMessages(ALICE.id, 1, 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    await h.app.worker.stop(2000);
    expect(discord.messagesInDm(ALICE.id).map((m) => m.message.content)).toEqual(['after the rate limit']);
    expect(discord.requestsTo('POST /channels/:id/messages').map((r) => r.status)).toEqual([429, 200]);
  });

  it('bridges DMs sent after the gateway socket dropped and resumed', async () => {
    const { h, discord } = await start();
    discord.userSendsDm(ALICE.id, 'before the drop');
    const task = await firstTask(h);

    discord.dropConnection();
    discord.userSendsDm(ALICE.id, 'during the drop');
    discord.userSendsDm(ALICE.id, 'after the drop');

    expect(await customerBodies(h, task.conversationSid, 3)).toEqual(['before the drop', 'during the drop', 'after the drop']);
    expect(h.twilio.conversations()).toHaveLength(1);
  });
});
