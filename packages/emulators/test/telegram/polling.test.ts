import { describe, expect, it } from 'vitest';
import { TelegramError } from 'telegraf';
import { cleanupAfterEach, launchPolling, manualClock, startEmulator, telegrafFor } from './harness.js';

const defer = cleanupAfterEach();
const ALICE = { id: 5_012_345_678, first_name: 'Alice', username: 'alice' };
const BOB = { id: 42, first_name: 'Bob' };

describe('TelegramEmulator with a polling telegraf bot', () => {
  it('round-trips an echo through real telegraf: update in, ctx.reply lands in messagesTo', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser(ALICE);
    const bot = telegrafFor(baseUrl);
    bot.on('text', (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
    await launchPolling(bot, emulator, defer);

    const sent = emulator.userSends(ALICE.id, 'hello');
    const [reply] = await emulator.waitForMessages(ALICE.id, 1);

    expect(reply).toMatchObject({
      text: 'echo: hello',
      chat: { id: ALICE.id, type: 'private', username: 'alice' },
      from: { id: 123456789, is_bot: true, username: 'flex_bridge_bot' },
      message_id: sent.message_id + 1,
    });
    expect(Number.isInteger(reply?.date)).toBe(true);
    expect(Math.abs((reply?.date ?? 0) - Date.now() / 1000)).toBeLessThan(5);
    expect(emulator.requests.slice(0, 3).map((request) => request.method)).toEqual(['getMe', 'deleteWebhook', 'getUpdates']);
  });

  it('numbers messages per chat and keeps each chat in order', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser(ALICE);
    emulator.addUser(BOB);
    const bot = telegrafFor(baseUrl);
    bot.on('text', (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
    await launchPolling(bot, emulator, defer);

    // One at a time: telegraf runs the updates of one batch concurrently, so replies could swap.
    emulator.userSends(ALICE.id, 'a1');
    await emulator.waitForMessages(ALICE.id, 1);
    emulator.userSends(BOB.id, 'b1');
    await emulator.waitForMessages(BOB.id, 1);
    emulator.userSends(ALICE.id, 'a2');
    const toAlice = await emulator.waitForMessages(ALICE.id, 2);

    expect(toAlice.map((message) => [message.message_id, message.text])).toEqual([
      [2, 'echo: a1'],
      [4, 'echo: a2'],
    ]);
    expect(emulator.messagesTo(String(BOB.id)).map((message) => [message.message_id, message.text])).toEqual([[2, 'echo: b1']]);
  });

  it('confirms updates through the offset: a confirmed update is not returned again, an unconfirmed one is', async () => {
    const clock = manualClock();
    const { emulator, baseUrl } = await startEmulator(defer, { now: clock.now });
    const { telegram } = telegrafFor(baseUrl);
    emulator.addUser(ALICE);
    emulator.userSends(ALICE.id, 'first');
    emulator.userSends(ALICE.id, 'second');

    const all = await telegram.getUpdates(0, 100, 0, []);
    expect(all.map((update) => update.update_id)).toEqual([1, 2]);
    clock.advance(500);
    expect((await telegram.getUpdates(0, 100, 0, [])).map((update) => update.update_id)).toEqual([1, 2]);

    const afterFirst = await telegram.getUpdates(0, 100, 2, []);
    expect(afterFirst).toEqual([all[1]]);
    expect(await telegram.getUpdates(0, 100, 0, [])).toEqual([all[1]]);
    expect(emulator.pendingUpdates).toBe(1);

    expect(await telegram.getUpdates(0, 100, 3, [])).toEqual([]);
    expect(emulator.pendingUpdates).toBe(0);
  });

  it('answers one update at most when the same offset is polled again within 0.5 s, as Telegram does', async () => {
    const clock = manualClock();
    const { emulator, baseUrl } = await startEmulator(defer, { now: clock.now });
    const { telegram } = telegrafFor(baseUrl);
    emulator.addUser(ALICE);
    for (const text of ['one', 'two', 'three']) emulator.userSends(ALICE.id, text);

    expect(await telegram.getUpdates(0, 100, 1, [])).toHaveLength(3);
    clock.advance(499);
    expect((await telegram.getUpdates(0, 100, 1, [])).map((update) => update.update_id)).toEqual([1]);
    clock.advance(499);
    expect(await telegram.getUpdates(0, 100, 1, [])).toHaveLength(1);
    clock.advance(500);
    expect(await telegram.getUpdates(0, 100, 1, [])).toHaveLength(3);
    expect(await telegram.getUpdates(0, 100, 2, [])).toHaveLength(2);
  });

  it('drops an update nobody confirmed a day after its message was sent', async () => {
    const clock = manualClock();
    const { emulator, baseUrl } = await startEmulator(defer, { now: clock.now });
    const { telegram } = telegrafFor(baseUrl);
    emulator.addUser(ALICE);
    emulator.userSends(ALICE.id, 'yesterday');
    clock.advance(12 * 3600_000);
    emulator.userSends(ALICE.id, 'this morning');

    clock.advance(12 * 3600_000 - 1);
    expect((await telegram.getUpdates(0, 100, 0, [])).map((update) => update.update_id)).toEqual([1, 2]);
    clock.advance(1);
    expect((await telegram.getUpdates(0, 100, 0, [])).map((update) => update.update_id)).toEqual([2]);
    expect(emulator.pendingUpdates).toBe(1);
  });

  it('honours limit and a negative offset (keeps only the last N)', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    const { telegram } = telegrafFor(baseUrl);
    emulator.addUser(ALICE);
    for (const text of ['1', '2', '3', '4']) emulator.userSends(ALICE.id, text);

    expect((await telegram.getUpdates(0, 2, 0, [])).map((update) => update.update_id)).toEqual([1, 2]);
    expect((await telegram.getUpdates(0, 100, -1, [])).map((update) => update.update_id)).toEqual([4]);
    expect(emulator.pendingUpdates).toBe(1);
  });

  it('holds a long poll until an update arrives, then answers at once', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    const { telegram } = telegrafFor(baseUrl);
    emulator.addUser(ALICE);

    const received = emulator.waitForRequest('getUpdates');
    const poll = telegram.getUpdates(50, 100, 0, []);
    await received;
    emulator.userSends(ALICE.id, 'wake up');

    const updates = await poll;
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ update_id: 1, message: { text: 'wake up', from: { id: ALICE.id, is_bot: false } } });
  });

  it('answers [] when the long poll times out', async () => {
    const { baseUrl } = await startEmulator(defer);
    const { telegram } = telegrafFor(baseUrl);
    expect(await telegram.getUpdates(1, 100, 0, [])).toEqual([]);
  });

  it('ends a held long poll with [] on stop()', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    const { telegram } = telegrafFor(baseUrl);

    const received = emulator.waitForRequest('getUpdates');
    const poll = telegram.getUpdates(50, 100, 0, []);
    await received;
    await emulator.stop();

    expect(await poll).toEqual([]);
  });

  it('ends a held long poll with 409 when another getUpdates comes in', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    const { telegram } = telegrafFor(baseUrl);

    const received = emulator.waitForRequest('getUpdates');
    const first = telegram.getUpdates(50, 100, 0, []).catch((error: unknown) => error);
    await received;
    await telegram.getUpdates(0, 100, 0, []);

    const error = await first;
    expect(error).toBeInstanceOf(TelegramError);
    expect(error).toMatchObject({
      code: 409,
      description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    });
  });

  it('answers another 409 within conflictDelayMs of the last one only that late, as the Bot API server paces them', async () => {
    const { emulator, baseUrl } = await startEmulator(defer, { conflictDelayMs: 1000 });
    const { telegram } = telegrafFor(baseUrl);
    const conflicted = (since: number) =>
      telegram.getUpdates(50, 100, 0, []).then(
        () => ({ error: undefined, afterMs: Date.now() - since }),
        (error: unknown) => ({ error, afterMs: Date.now() - since }),
      );

    const received = emulator.waitForRequest('getUpdates');
    const first = conflicted(Date.now());
    await received;
    const secondReceived = emulator.waitForRequest('getUpdates');
    const second = conflicted(Date.now());
    await secondReceived;
    const third = telegram.getUpdates(0, 100, 0, []);
    // The first poll was ended by the second, the second by the third: two 409s in a row.
    const [one, two] = await Promise.all([first, second, third]);
    const terminated = { code: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' };
    expect(one.error).toMatchObject(terminated);
    expect(two.error).toMatchObject(terminated);
    expect(two.afterMs).toBeGreaterThanOrEqual(1000);
  });

  it('stops a telegraf bot promptly and receives its final offset sync', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser(ALICE);
    const bot = telegrafFor(baseUrl);
    bot.on('text', (ctx) => ctx.reply('ok'));
    const { launched } = await launchPolling(bot, emulator, defer);
    emulator.userSends(ALICE.id, 'hi');
    await emulator.waitForMessages(ALICE.id, 1);

    bot.stop('done');
    await launched;

    expect(emulator.requests.at(-1)).toMatchObject({ method: 'getUpdates', params: { offset: 2, limit: 1 } });
    expect(emulator.pendingUpdates).toBe(0);
  });

  it('filters by allowed_updates: the default leaves out chat_member but passes unknown kinds', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    const { telegram } = telegrafFor(baseUrl);
    emulator.addUser(ALICE);
    await telegram.getUpdates(0, 100, 0, []);

    expect(emulator.pushUpdate({ chat_member: { chat: { id: -100, type: 'group', title: 'g' } } })).toBeUndefined();
    const future = emulator.pushUpdate({ some_future_kind: { answer: 42 } });
    expect(future).toEqual({ update_id: 1, some_future_kind: { answer: 42 } });

    await telegram.getUpdates(0, 100, 2, ['message']);
    emulator.blockBot(ALICE.id);
    emulator.userSends(ALICE.id, 'only messages now');
    const updates = await telegram.getUpdates(0, 100, 0, ['message']);
    expect(updates.map((update) => Object.keys(update))).toEqual([['message', 'update_id']]);
  });

  it('sends my_chat_member when the user blocks and unblocks the bot', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser(ALICE);
    const bot = telegrafFor(baseUrl);
    const statuses: string[] = [];
    bot.on('my_chat_member', async (ctx) => {
      statuses.push(`${ctx.chat.id}:${ctx.myChatMember.new_chat_member.status}`);
      if (ctx.myChatMember.new_chat_member.status === 'member') await ctx.reply('welcome back');
    });
    bot.on('text', (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
    await launchPolling(bot, emulator, defer);

    emulator.blockBot(ALICE.id);
    emulator.userSends(ALICE.id, 'I am back');
    const messages = await emulator.waitForMessages(ALICE.id, 2);

    expect(statuses).toEqual([`${ALICE.id}:kicked`, `${ALICE.id}:member`]);
    // Both replies come from one batch, which telegraf handles concurrently: their order is not fixed.
    expect(messages.map((message) => message.text).sort()).toEqual(['echo: I am back', 'welcome back']);
  });

  it('lets the bot answer in a group chat that arrived through a raw update', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    const bot = telegrafFor(baseUrl);
    bot.on('text', (ctx) => ctx.reply(`seen in ${ctx.chat.type}`));
    await launchPolling(bot, emulator, defer);

    const group = { id: -1_001_234_567_890, type: 'supergroup', title: 'Support' };
    emulator.pushUpdate({
      message: { message_id: 77, date: Math.floor(Date.now() / 1000), chat: group, from: { id: 7, is_bot: false, first_name: 'Carol' }, text: 'hi all' },
    });

    const [reply] = await emulator.waitForMessages(group.id, 1);
    expect(reply).toMatchObject({ message_id: 78, chat: group, text: 'seen in supergroup' });
  });
});
