import { describe, expect, it } from 'vitest';
import { Markup, TelegramError } from 'telegraf';
import { cleanupAfterEach, launchPolling, startEmulator, telegrafFor } from './harness.js';

const defer = cleanupAfterEach();
const USER = 7_001;

const keyboard = Markup.inlineKeyboard([Markup.button.callback('1', 'rate:1'), Markup.button.callback('5', 'rate:5')]);

describe('TelegramEmulator inline keyboards and callback queries, driven by telegraf', () => {
  it('sends a keyboard, turns a press into a callback_query, takes one answer and removes the keyboard once', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser({ id: USER, first_name: 'Ida' });
    const bot = telegrafFor(baseUrl);
    const pressed: { data: string; queryId: string }[] = [];
    bot.on('callback_query', async (ctx) => {
      pressed.push({ data: 'data' in ctx.callbackQuery ? ctx.callbackQuery.data : '', queryId: ctx.callbackQuery.id });
      await ctx.answerCbQuery();
      await ctx.editMessageReplyMarkup(undefined);
    });
    await launchPolling(bot, emulator, defer);

    const sent = await bot.telegram.sendMessage(USER, 'Rate us', keyboard);
    expect(emulator.messagesTo(USER)[0]?.reply_markup).toEqual({ inline_keyboard: [[{ text: '1', callback_data: 'rate:1' }, { text: '5', callback_data: 'rate:5' }]] });

    const edited = new Promise((resolve) => emulator.events.once('botMessageEdited', resolve));
    // Pressed through the control API, as a person driving the bot with curl would.
    const response = await fetch(`${baseUrl}/_sandbox/users/${USER}/presses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message_id: sent.message_id, callback_data: 'rate:5' }),
    });
    expect(response.status).toBe(201);
    const { callback_query_id: queryId } = (await response.json()) as { callback_query_id: string };
    await edited;
    expect(pressed).toEqual([{ data: 'rate:5', queryId }]);
    expect(emulator.messagesTo(USER)[0]?.reply_markup).toBeUndefined();

    // A callback query is answered once; a keyboard already gone cannot be removed again.
    await expect(bot.telegram.answerCbQuery(queryId)).rejects.toThrow(/query is too old/);
    await expect(bot.telegram.editMessageReplyMarkup(USER, sent.message_id, undefined, undefined)).rejects.toThrow(/message is not modified/);
    expect(() => emulator.userPresses(USER, sent.message_id, 'rate:1')).toThrow(/no button/);
  });

  it('refuses callback_data over 64 bytes and a button without text, as Telegram does', async () => {
    const { emulator, baseUrl } = await startEmulator(defer);
    emulator.addUser({ id: USER, first_name: 'Ida' });
    const bot = telegrafFor(baseUrl);
    const tooLong = Markup.inlineKeyboard([Markup.button.callback('x', 'd'.repeat(65))]);
    await expect(bot.telegram.sendMessage(USER, 'Rate us', tooLong)).rejects.toThrow(TelegramError);
    await expect(bot.telegram.sendMessage(USER, 'Rate us', tooLong)).rejects.toThrow(/BUTTON_DATA_INVALID/);
    const noText = Markup.inlineKeyboard([Markup.button.callback('', 'rate:1')]);
    await expect(bot.telegram.sendMessage(USER, 'Rate us', noText)).rejects.toThrow(/BUTTON_TEXT_EMPTY/);
    expect(emulator.messagesTo(USER)).toEqual([]);
  });
});
