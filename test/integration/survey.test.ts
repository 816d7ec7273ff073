import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TgMessage } from '@flex-bridge/emulators';
import { sample } from '../metrics/prometheus-text.js';
import { startHarness, startHarnessWithDiscord, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';

const METRICS_TOKEN = 'prometheus-scrape-token';
const SURVEY = { SURVEY: 'on', SURVEY_QUESTION: 'How did we do?', SURVEY_THANKS: 'Thanks for rating us!', SURVEY_COMMENT_QUESTION: 'off', METRICS_TOKEN };
const WITH_COMMENT = { ...SURVEY, SURVEY_COMMENT_QUESTION: 'Anything to add?' };

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const scrape = async (harness: Harness) =>
  (await fetch(`${harness.app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();

/** A customer's chat, answered and ended by the agent; resolves to its conversation sid. */
async function endedChat(harness: Harness, userId: number, messagesBefore = 0): Promise<string> {
  harness.telegram.userSends(userId, 'Hello');
  const task = await eventually(() => harness.twilio.tasks().find((t) => t.attributes.from === `telegram:${userId}` && t.status === 'pending'), 'a Flex task');
  harness.twilio.agentSend(task.conversationSid, 'Hi, how can I help?');
  await harness.telegram.waitForMessages(userId, messagesBefore + 1);
  harness.twilio.endChat(task.conversationSid);
  return task.conversationSid;
}

const buttonsOf = (message: TgMessage) =>
  ((message.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] } | undefined)?.inline_keyboard ?? []).flat();

describe('satisfaction survey on Telegram', () => {
  it('asks for a 1-5 rating with inline buttons once the agent ended the chat, records the answer in Flex and counts it', async () => {
    h = await startHarness(SURVEY);
    const harness = h;
    harness.telegram.addUser({ id: 41, first_name: 'Ada' });
    const chatSid = await endedChat(harness, 41);
    const [, question] = await harness.telegram.waitForMessages(41, 2);
    expect(question?.text).toBe('How did we do?');
    const buttons = buttonsOf(question as TgMessage);
    expect(buttons.map((b) => b.text)).toEqual(['⭐', '⭐⭐', '⭐⭐⭐', '⭐⭐⭐⭐', '⭐⭐⭐⭐⭐']);
    expect(buttons.every((b) => Buffer.byteLength(b.callback_data) <= 64)).toBe(true);

    const answered = harness.telegram.waitForRequest('answerCallbackQuery');
    harness.telegram.userPresses(41, (question as TgMessage).message_id, (buttons[3] as { callback_data: string }).callback_data);
    await answered;
    const [, , thanks] = await harness.telegram.waitForMessages(41, 3);
    expect(thanks?.text).toBe('Thanks for rating us!');
    // The buttons are taken off the question, so it cannot be answered again by mistake.
    await eventually(() => buttonsOf(harness.telegram.messagesTo(41)[1] as TgMessage).length === 0, 'the buttons removed');

    const survey = await eventually(() => harness.twilio.apiTasks().find((t) => t.attributes.surveyOf === chatSid && t.status === 'canceled'), 'the survey task');
    const chatTask = harness.twilio.tasks().find((t) => t.conversationSid === chatSid);
    expect(survey.attributes).toMatchObject({
      type: 'survey',
      rating: 4,
      from: 'telegram:41',
      conversations: { conversation_id: chatTask?.sid, conversation_measure_1: 4 },
    });
    expect(sample(await scrape(harness), 'flex_bridge_survey_ratings_total', { network: 'telegram', rating: '4' })).toBe(1);
  });

  it('counts a chat once: a second press, and the same press delivered again, change nothing', async () => {
    h = await startHarness(SURVEY);
    const harness = h;
    harness.telegram.addUser({ id: 42, first_name: 'Bo' });
    await endedChat(harness, 42);
    const [, question] = await harness.telegram.waitForMessages(42, 2);
    const message = question as TgMessage;
    const [one, , , , five] = buttonsOf(message);
    const fiveData = (five as { callback_data: string }).callback_data;
    // Two presses before the bridge took the keyboard off: the first one counts.
    const pressId = harness.telegram.userPresses(42, message.message_id, fiveData);
    harness.telegram.userPresses(42, message.message_id, (one as { callback_data: string }).callback_data);
    // And the first press's update delivered a second time (as after a getUpdates answer that was lost).
    const from = { id: 42, is_bot: false, first_name: 'Bo' };
    harness.telegram.pushUpdate({ callback_query: { id: pressId, from, message, chat_instance: '42', data: fiveData } });
    await harness.telegram.waitForMessages(42, 3);
    await eventually(() => harness.telegram.pendingUpdates === 0, 'every press taken in');
    await eventually(async () => (await harness.app.store.outboxStats()).pending === 0, 'the outbox drained');
    await eventually(() => harness.twilio.apiTasks().length === 1 && harness.twilio.apiTasks()[0]?.status === 'canceled', 'one survey task');
    expect(harness.twilio.apiTasks()[0]?.attributes.rating).toBe(5);
    expect(harness.telegram.messagesTo(42).map((m) => m.text)).toEqual(['Hi, how can I help?', 'How did we do?', 'Thanks for rating us!']);
    const scraped = await scrape(harness);
    expect(sample(scraped, 'flex_bridge_survey_ratings_total', { network: 'telegram', rating: '5' })).toBe(1);
    expect(sample(scraped, 'flex_bridge_survey_ratings_total', { network: 'telegram', rating: '1' })).toBeUndefined();
  });

  it('counts a press on the survey of an earlier chat, after the customer started a new one and the bridge restarted', async () => {
    h = await startHarness(SURVEY);
    const harness = h;
    harness.telegram.addUser({ id: 43, first_name: 'Cy' });
    const firstChat = await endedChat(harness, 43);
    const [, oldQuestion] = await harness.telegram.waitForMessages(43, 2);
    await endedChat(harness, 43, 2);
    await harness.telegram.waitForMessages(43, 4);
    await harness.restart();
    const oldButtons = buttonsOf(oldQuestion as TgMessage);
    harness.telegram.userPresses(43, (oldQuestion as TgMessage).message_id, (oldButtons[1] as { callback_data: string }).callback_data);
    const survey = await eventually(() => harness.twilio.apiTasks().find((t) => t.status === 'canceled'), 'the survey task');
    expect(survey.attributes).toMatchObject({ surveyOf: firstChat, rating: 2 });
    expect(harness.twilio.apiTasks()).toHaveLength(1);
  });

  it('takes the next message after the rating as the comment, opens no chat for it, and records rating and comment together', async () => {
    h = await startHarness(WITH_COMMENT);
    const harness = h;
    harness.telegram.addUser({ id: 45, first_name: 'Flo' });
    const chatSid = await endedChat(harness, 45);
    const [, question] = await harness.telegram.waitForMessages(45, 2);
    const buttons = buttonsOf(question as TgMessage);
    harness.telegram.userPresses(45, (question as TgMessage).message_id, (buttons[4] as { callback_data: string }).callback_data);
    const [, , askedForComment] = await harness.telegram.waitForMessages(45, 3);
    expect(askedForComment?.text).toBe('Anything to add?');
    // The rating waits for the comment (the window is 10 minutes by default).
    expect(harness.twilio.apiTasks()).toEqual([]);

    harness.telegram.userSends(45, 'Quick and friendly, thank you');
    const survey = await eventually(() => harness.twilio.apiTasks().find((t) => t.status === 'canceled'), 'the survey task');
    expect(survey.attributes).toMatchObject({ surveyOf: chatSid, rating: 5, comment: 'Quick and friendly, thank you' });
    const [, , , thanks] = await harness.telegram.waitForMessages(45, 4);
    expect(thanks?.text).toBe('Thanks for rating us!');
    expect(harness.twilio.tasks().filter((t) => t.attributes.from === 'telegram:45')).toHaveLength(1);

    // The window is used up: the next message opens a new chat.
    harness.telegram.userSends(45, 'One more question');
    await eventually(() => harness.twilio.tasks().filter((t) => t.attributes.from === 'telegram:45').length === 2, 'a new chat');
  });

  it('answers a command sent after the rating (/transcript) instead of taking it as the comment', async () => {
    h = await startHarness(WITH_COMMENT);
    const harness = h;
    harness.telegram.addUser({ id: 48, first_name: 'Ida' });
    await endedChat(harness, 48);
    const [, question] = await harness.telegram.waitForMessages(48, 2);
    harness.telegram.userPresses(48, (question as TgMessage).message_id, (buttonsOf(question as TgMessage)[3] as { callback_data: string }).callback_data);
    await harness.telegram.waitForMessages(48, 3);
    harness.telegram.userSends(48, '/transcript');
    const [, , , transcript] = await harness.telegram.waitForMessages(48, 4);
    expect(transcript?.text).toContain('Ida: Hello');
    harness.telegram.userSends(48, 'Very helpful');
    const survey = await eventually(() => harness.twilio.apiTasks().find((t) => t.status === 'canceled'), 'the survey task');
    expect(survey.attributes).toMatchObject({ rating: 4, comment: 'Very helpful' });
  });

  it("asks for no comment, and waits for none, in a language that switches the question off", async () => {
    const texts = join(mkdtempSync(join(tmpdir(), 'texts-')), 'texts.json');
    writeFileSync(texts, JSON.stringify({ de: { SURVEY_COMMENT_QUESTION: 'off', SURVEY_THANKS: 'Danke für Ihre Bewertung!' } }));
    h = await startHarness({ ...WITH_COMMENT, CUSTOMER_TEXTS_FILE: texts });
    const harness = h;
    harness.telegram.addUser({ id: 49, first_name: 'Jan', language_code: 'de' });
    await endedChat(harness, 49);
    const [, question] = await harness.telegram.waitForMessages(49, 2);
    harness.telegram.userPresses(49, (question as TgMessage).message_id, (buttonsOf(question as TgMessage)[2] as { callback_data: string }).callback_data);
    const [, , thanks] = await harness.telegram.waitForMessages(49, 3);
    expect(thanks?.text).toBe('Danke für Ihre Bewertung!');
    const survey = await eventually(() => harness.twilio.apiTasks().find((t) => t.status === 'canceled'), 'the survey task, at once');
    expect(survey.attributes).toMatchObject({ rating: 3 });
    harness.telegram.userSends(49, 'Noch eine Frage');
    await eventually(() => harness.twilio.tasks().filter((t) => t.attributes.from === 'telegram:49').length === 2, 'a new chat for the next message');
  });

  it('rating an earlier chat while a new one is open leaves the next message to the open chat', async () => {
    h = await startHarness(WITH_COMMENT);
    const harness = h;
    harness.telegram.addUser({ id: 47, first_name: 'Hal' });
    await endedChat(harness, 47);
    const [, oldQuestion] = await harness.telegram.waitForMessages(47, 2);
    harness.telegram.userSends(47, 'New question');
    const open = await eventually(() => harness.twilio.tasks().find((t) => t.status === 'pending'), 'the new chat');
    harness.telegram.userPresses(47, (oldQuestion as TgMessage).message_id, (buttonsOf(oldQuestion as TgMessage)[2] as { callback_data: string }).callback_data);
    await harness.telegram.waitForMessages(47, 3);
    harness.telegram.userSends(47, 'And one more detail');
    await eventually(() => harness.twilio.messages(open.conversationSid).some((m) => m.body === 'And one more detail'), 'the message in the open chat');
  });

  it('records the rating without a comment once the comment window closed', async () => {
    h = await startHarness({ ...WITH_COMMENT, SURVEY_COMMENT_WINDOW_MS: '300' });
    const harness = h;
    harness.telegram.addUser({ id: 46, first_name: 'Gus' });
    await endedChat(harness, 46);
    const [, question] = await harness.telegram.waitForMessages(46, 2);
    harness.telegram.userPresses(46, (question as TgMessage).message_id, (buttonsOf(question as TgMessage)[0] as { callback_data: string }).callback_data);
    const survey = await eventually(() => harness.twilio.apiTasks().find((t) => t.status === 'canceled'), 'the survey task');
    expect(survey.attributes).toMatchObject({ rating: 1 });
    expect(survey.attributes).not.toHaveProperty('comment');
  });

  it('records one survey task however the writing fails: a create applied but answered 500, then a cancel refused with 503', async () => {
    h = await startHarness(SURVEY);
    const harness = h;
    harness.telegram.addUser({ id: 48, first_name: 'Ivy' });
    await endedChat(harness, 48);
    const [, question] = await harness.telegram.waitForMessages(48, 2);
    harness.twilio.failNext({ host: 'taskrouter.twilio.com', method: 'POST', path: /^\/v1\/Workspaces\/WS\w+\/Tasks$/, status: 500, apply: true });
    harness.twilio.failNext({ host: 'taskrouter.twilio.com', method: 'POST', path: /^\/v1\/Workspaces\/WS\w+\/Tasks\/WT\w+$/, status: 503 });
    harness.telegram.userPresses(48, (question as TgMessage).message_id, (buttonsOf(question as TgMessage)[2] as { callback_data: string }).callback_data);
    await eventually(() => harness.twilio.apiTasks()[0]?.status === 'canceled', 'the survey task canceled', 15_000);
    expect(harness.twilio.apiTasks()).toHaveLength(1);
    expect(harness.twilio.apiTasks()[0]?.attributes.rating).toBe(3);
    const faults = harness.twilio.requests.filter((q) => q.host === 'taskrouter.twilio.com' && q.fault !== null).map((q) => q.fault);
    expect(faults).toEqual(['fail-after-apply', 'fail']);
  });

  it('asks nothing after a chat no agent joined: the customer ended it with /end while it waited', async () => {
    h = await startHarness({ ...SURVEY, CHAT_ENDED_BY_CUSTOMER_NOTICE: 'You ended the chat.' });
    const harness = h;
    harness.telegram.addUser({ id: 50, first_name: 'Kai' });
    harness.telegram.userSends(50, 'Hello');
    const task = await eventually(() => harness.twilio.tasks().find((t) => t.attributes.from === 'telegram:50'), 'a Flex task');
    await eventually(async () => (await harness.app.store.currentMapping({ network: 'telegram', externalUserId: '50' }))?.status === 'active' || undefined, 'the chat open');
    harness.telegram.userSends(50, '/end');
    await harness.telegram.waitForMessages(50, 1);
    await eventually(async () => (await harness.app.store.outboxStats()).pending === 0, 'the outbox drained');
    expect(harness.telegram.messagesTo(50).map((m) => m.text)).toEqual(['You ended the chat.']);
    expect(task.agentIdentity).toBeNull();
  });

  it('is off unless SURVEY=on: the chat ends with no question', async () => {
    h = await startHarness({ CHAT_ENDED_NOTICE: 'This chat has ended.' });
    const harness = h;
    harness.telegram.addUser({ id: 44, first_name: 'Di' });
    await endedChat(harness, 44);
    await harness.telegram.waitForMessages(44, 2);
    await eventually(async () => (await harness.app.store.outboxStats()).pending === 0, 'the outbox drained');
    expect(harness.telegram.messagesTo(44).map((m) => m.text)).toEqual(['Hi, how can I help?', 'This chat has ended.']);
    expect(harness.telegram.messagesTo(44).every((m) => m.reply_markup === undefined)).toBe(true);
  });
});

describe('satisfaction survey on Discord', () => {
  const USER = '110000000000000051';

  it('asks with buttons in the DM, records a click in Flex and takes the buttons off, so it cannot be clicked again', async () => {
    const started = await startHarnessWithDiscord(SURVEY);
    h = started.h;
    const harness = h;
    const { discord } = started;
    discord.addUser({ id: USER, username: 'eve' });
    discord.userSendsDm(USER, 'Hello');
    const task = await eventually(() => harness.twilio.tasks()[0], 'a Flex task');
    harness.twilio.agentSend(task.conversationSid, 'Hi Eve');
    await discord.waitForMessages(USER, 1);
    harness.twilio.endChat(task.conversationSid);
    const [, question] = await discord.waitForMessages(USER, 2);
    const message = question?.message;
    expect(message?.content).toBe('How did we do?');
    const buttons = (message?.components as { components: { label: string; custom_id: string }[] }[]).flatMap((row) => row.components);
    expect(buttons.map((b) => b.label)).toEqual(['⭐', '⭐⭐', '⭐⭐⭐', '⭐⭐⭐⭐', '⭐⭐⭐⭐⭐']);

    const answered = discord.waitForRequest('POST /interactions/:interaction_id/:interaction_token/callback');
    discord.userClicks(USER, message?.id as string, (buttons[2] as { custom_id: string }).custom_id);
    expect((await answered).status).toBe(204);
    // The buttons came off the question with the answer to the click.
    expect(discord.messagesInDm(USER)[1]?.message.components).toEqual([]);
    const [, , thanks] = await discord.waitForMessages(USER, 3);
    expect(thanks?.message.content).toBe('Thanks for rating us!');

    const survey = await eventually(() => harness.twilio.apiTasks().find((t) => t.status === 'canceled'), 'the survey task');
    expect(survey.attributes).toMatchObject({ type: 'survey', surveyOf: task.conversationSid, rating: 3, from: 'discord:eve' });
    expect(() => discord.userClicks(USER, message?.id as string, (buttons[4] as { custom_id: string }).custom_id)).toThrow(/no button/);
    expect(sample(await scrape(harness), 'flex_bridge_survey_ratings_total', { network: 'discord', rating: '3' })).toBe(1);
  });

  it('counts two quick clicks once and takes the comment from the DM, without opening a chat', async () => {
    const started = await startHarnessWithDiscord(WITH_COMMENT);
    h = started.h;
    const harness = h;
    const { discord } = started;
    const user = '110000000000000052';
    discord.addUser({ id: user, username: 'fay' });
    discord.userSendsDm(user, 'Hello');
    const task = await eventually(() => harness.twilio.tasks()[0], 'a Flex task');
    harness.twilio.agentSend(task.conversationSid, 'Hi Fay');
    await discord.waitForMessages(user, 1);
    harness.twilio.endChat(task.conversationSid);
    const [, question] = await discord.waitForMessages(user, 2);
    const message = question?.message;
    const ids = (message?.components as { components: { custom_id: string }[] }[]).flatMap((row) => row.components.map((b) => b.custom_id));
    // Both clicks land before the bridge took the buttons off: the first one counts.
    discord.userClicks(user, message?.id as string, ids[4] as string);
    discord.userClicks(user, message?.id as string, ids[0] as string);
    const [, , asked] = await discord.waitForMessages(user, 3);
    expect(asked?.message.content).toBe('Anything to add?');

    discord.userSendsDm(user, 'Very helpful');
    const survey = await eventually(() => harness.twilio.apiTasks().find((t) => t.status === 'canceled'), 'the survey task');
    expect(survey.attributes).toMatchObject({ surveyOf: task.conversationSid, rating: 5, comment: 'Very helpful', from: 'discord:fay' });
    await discord.waitForMessages(user, 4);
    await eventually(async () => (await harness.app.store.outboxStats()).pending === 0, 'the outbox drained');
    expect(harness.twilio.apiTasks()).toHaveLength(1);
    expect(harness.twilio.tasks()).toHaveLength(1);
    const scraped = await scrape(harness);
    expect(sample(scraped, 'flex_bridge_survey_ratings_total', { network: 'discord', rating: '5' })).toBe(1);
    expect(sample(scraped, 'flex_bridge_survey_ratings_total', { network: 'discord', rating: '1' })).toBeUndefined();
  });
});
