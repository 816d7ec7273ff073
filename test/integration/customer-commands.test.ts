import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, startHarnessWithDiscord, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';

const TEXTS = {
  CHAT_ENDED_NOTICE: 'The agent ended this chat.',
  CHAT_ENDED_BY_CUSTOMER_NOTICE: 'You ended the chat.',
  NO_OPEN_CHAT_NOTICE: 'You have no open chat.',
  NO_TRANSCRIPT_NOTICE: 'No chat yet.',
  TRANSCRIPT_HEADING: 'Your chat:',
};
const AGENT_NOTICE = 'ℹ️ The customer ended the chat.';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const taskOf = (harness: Harness) => eventually(() => harness.twilio.tasks()[0], 'a Flex task');
const drained = (harness: Harness) => eventually(async () => (await harness.app.store.outboxStats()).pending === 0, 'the outbox drained');
const bodiesIn = (harness: Harness, conversationSid: string) => harness.twilio.messages(conversationSid).map((m) => m.body);

describe('/end: the customer ends their chat (Conversations)', () => {
  it('Telegram: closes the chat through its interaction, tells the agent and the customer, and is never posted as a message', async () => {
    h = await startHarness(TEXTS);
    const harness = h;
    harness.telegram.addUser({ id: 41, username: 'eda', first_name: 'Eda' });
    harness.telegram.userSends(41, 'Hello');
    const task = await taskOf(harness);
    harness.twilio.acceptTask(task.sid);
    harness.twilio.agentSend(task.conversationSid, 'Hi Eda');
    await harness.telegram.waitForMessages(41, 1);

    harness.telegram.userSends(41, '/end');
    await eventually(() => harness.twilio.conversations().find((c) => c.sid === task.conversationSid && c.state === 'closed'), 'the conversation closed');
    await harness.telegram.waitForMessages(41, 2);
    await drained(harness);

    expect(bodiesIn(harness, task.conversationSid)).toEqual(['Hello', 'Hi Eda', AGENT_NOTICE]);
    expect(harness.twilio.messages(task.conversationSid)[2]?.author).toBe('flex-bridge');
    expect(harness.twilio.interactionChannelOf(task.conversationSid)?.status).toBe('closed');
    expect(harness.twilio.tasks()[0]?.status).toBe('wrapping');
    // The close's own webhook finds the chat ended already: no "the agent ended" notice on top.
    expect(harness.telegram.messagesTo(41).map((m) => m.text)).toEqual(['Hi Eda', 'You ended the chat.']);
    expect(await harness.app.store.currentMapping({ network: 'telegram', externalUserId: '41' })).toBeUndefined();

    // The next message opens a new chat.
    harness.telegram.userSends(41, 'One more question');
    await eventually(() => harness.twilio.tasks().length === 2, 'a second task');
  });

  it('Telegram: /end without an open chat gets a short answer, and an /end delivered twice acts once', async () => {
    h = await startHarness(TEXTS);
    const harness = h;
    harness.telegram.addUser({ id: 42, username: 'fay', first_name: 'Fay' });
    harness.telegram.userSends(42, '/end');
    await harness.telegram.waitForMessages(42, 1);
    expect(harness.twilio.conversations()).toEqual([]);

    harness.telegram.userSends(42, 'Hello');
    const task = await taskOf(harness);
    const end = harness.telegram.userSends(42, '/end@flex_bridge_bot');
    harness.telegram.pushUpdate({ message: end });
    await eventually(() => harness.twilio.conversations().find((c) => c.state === 'closed'), 'the conversation closed');
    await harness.telegram.waitForMessages(42, 2);
    await drained(harness);
    expect(harness.telegram.messagesTo(42).map((m) => m.text)).toEqual(['You have no open chat.', 'You ended the chat.']);
    expect(bodiesIn(harness, task.conversationSid)).toEqual(['Hello', AGENT_NOTICE]);
  });

  it('Telegram: the bot lists /end and /transcript in its command menu', async () => {
    h = await startHarness({ TELEGRAM_TRANSCRIPT_COMMAND_DESCRIPTION: 'Send me this chat' });
    expect(h.telegram.botCommands()).toEqual([
      { command: 'end', description: 'End this chat' },
      { command: 'transcript', description: 'Send me this chat' },
    ]);
  });

  it("Telegram: each language CUSTOMER_TEXTS_FILE words the menu in gets its own, for the users whose app speaks it", async () => {
    h = await startHarness({ CUSTOMER_TEXTS_FILE: 'config/customer-texts.example.json' });
    expect(h.telegram.botCommands('de')).toEqual([
      { command: 'end', description: 'Diesen Chat beenden' },
      { command: 'transcript', description: 'Den Text dieses Chats erhalten' },
    ]);
    expect(h.telegram.botCommands('pt')).toEqual([
      { command: 'end', description: 'Encerrar esta conversa' },
      { command: 'transcript', description: 'Receber o texto desta conversa' },
    ]);
    expect(h.telegram.botCommands()).toEqual([
      { command: 'end', description: 'End this chat' },
      { command: 'transcript', description: 'Get the text of this chat' },
    ]);
  });

  it('Discord: !end in a DM does the same', async () => {
    const started = await startHarnessWithDiscord(TEXTS);
    h = started.h;
    const harness = h;
    const { discord } = started;
    const user = '110000000000000041';
    discord.addUser({ id: user, username: 'gus' });
    discord.userSendsDm(user, 'Hello');
    const task = await taskOf(harness);
    discord.userSendsDm(user, '!end');
    await eventually(() => harness.twilio.conversations().find((c) => c.state === 'closed'), 'the conversation closed');
    await discord.waitForMessages(user, 1);
    await drained(harness);
    expect(discord.messagesInDm(user).map((m) => m.message.content)).toEqual(['You ended the chat.']);
    expect(bodiesIn(harness, task.conversationSid)).toEqual(['Hello', AGENT_NOTICE]);

    discord.userSendsDm(user, '!end');
    await discord.waitForMessages(user, 2);
    expect(discord.messagesInDm(user)[1]?.message.content).toBe('You have no open chat.');
  });
});

describe('/transcript: the customer gets the text of their chat (Conversations)', () => {
  it('Telegram: a short chat comes as a message, each line timed and named, the agent by their Flex name', async () => {
    h = await startHarness(TEXTS);
    const harness = h;
    harness.telegram.addUser({ id: 43, username: 'hal', first_name: 'Hal', last_name: 'Ng' });
    harness.telegram.userSends(43, '/transcript');
    await harness.telegram.waitForMessages(43, 1);
    expect(harness.telegram.messagesTo(43)[0]?.text).toBe('No chat yet.');

    harness.telegram.userSends(43, 'Hello');
    const task = await taskOf(harness);
    harness.twilio.acceptTask(task.sid); // agent_alice, named Alice in Flex
    harness.twilio.agentSend(task.conversationSid, 'Hi Hal, how can I help?');
    await harness.telegram.waitForMessages(43, 2);
    harness.telegram.userSends(43, '/transcript');
    await harness.telegram.waitForMessages(43, 3);

    const transcript = harness.telegram.messagesTo(43)[2]?.text ?? '';
    const line = /^\[\d{4}-\d\d-\d\d \d\d:\d\d UTC\] /;
    const [heading, blank, ...lines] = transcript.split('\n');
    expect([heading, blank]).toEqual(['Your chat:', '']);
    expect(lines.every((l) => line.test(l))).toBe(true);
    expect(lines.map((l) => l.replace(line, ''))).toEqual(['Hal Ng: Hello', 'Alice: Hi Hal, how can I help?']);
    // The command itself never reached the agent.
    expect(bodiesIn(harness, task.conversationSid)).toEqual(['Hello', 'Hi Hal, how can I help?']);
  });

  it('Telegram: a long chat comes as a .txt file with every message in order; with no open chat, the last one', async () => {
    h = await startHarness(TEXTS);
    const harness = h;
    harness.telegram.addUser({ id: 44, username: 'ida', first_name: 'Ida' });
    harness.telegram.userSends(44, 'Hello');
    const task = await taskOf(harness);
    const answers = ['first', 'second', 'third'].map((word) => `${word} ${'x'.repeat(1800)}`);
    for (const answer of answers) harness.twilio.agentSend(task.conversationSid, answer);
    await harness.telegram.waitForMessages(44, 3);
    harness.twilio.endChat(task.conversationSid);
    await eventually(async () => (await harness.app.store.currentMapping({ network: 'telegram', externalUserId: '44' })) === undefined, 'the chat ended');

    harness.telegram.userSends(44, '/transcript');
    const messages = await harness.telegram.waitForMessages(44, 5);
    const document = messages[4]?.document as { file_id: string; file_name: string };
    expect(document.file_name).toMatch(/^chat-transcript-\d{4}-\d\d-\d\d\.txt$/);
    expect(messages[4]?.caption).toBe('Your chat:');
    const text = harness.telegram.fileContents(document.file_id)!.toString('utf8');
    const bodies = text.split('\n').slice(2).map((l) => l.replace(/^\[[^\]]+\] /, ''));
    expect(bodies).toEqual(['Ida: Hello', ...answers.map((a) => `Alice: ${a}`)]);
  });

  it('Telegram: with TRANSCRIPT_ON_CLOSE the transcript follows the end notice, whoever ends the chat', async () => {
    h = await startHarness({ ...TEXTS, TRANSCRIPT_ON_CLOSE: 'true' });
    const harness = h;
    harness.telegram.addUser({ id: 45, username: 'jo', first_name: 'Jo' });
    harness.telegram.userSends(45, 'Hello');
    const first = await taskOf(harness);
    harness.twilio.agentSend(first.conversationSid, 'Hi Jo');
    await harness.telegram.waitForMessages(45, 1);
    harness.twilio.endChat(first.conversationSid);
    await harness.telegram.waitForMessages(45, 3);

    harness.telegram.userSends(45, 'Back again');
    const second = await eventually(() => harness.twilio.tasks().find((t) => t.conversationSid !== first.conversationSid), 'a second task');
    await eventually(() => harness.twilio.tasks().length === 2 && bodiesIn(harness, second.conversationSid).length === 1, 'the second chat open');
    harness.telegram.userSends(45, '/end');
    await harness.telegram.waitForMessages(45, 5);
    await drained(harness);

    const texts = harness.telegram.messagesTo(45).map((m) => m.text?.replace(/\[[^\]]+\] /g, ''));
    expect(texts).toEqual([
      'Hi Jo',
      'The agent ended this chat.',
      'Your chat:\n\nJo: Hello\nAlice: Hi Jo',
      'You ended the chat.',
      'Your chat:\n\nJo: Back again',
    ]);
  });

  it('Discord: !transcript in a DM, as a message and, once the chat is long, as a file', async () => {
    const started = await startHarnessWithDiscord(TEXTS);
    h = started.h;
    const harness = h;
    const { discord } = started;
    const user = '110000000000000046';
    discord.addUser({ id: user, username: 'kai', global_name: 'Kai' });
    discord.userSendsDm(user, 'Hello');
    const task = await taskOf(harness);
    harness.twilio.agentSend(task.conversationSid, 'Hi Kai');
    await discord.waitForMessages(user, 1);
    discord.userSendsDm(user, '!transcript');
    await discord.waitForMessages(user, 2);
    expect(discord.messagesInDm(user)[1]?.message.content.replace(/\[[^\]]+\] /g, '')).toBe('Your chat:\n\nKai: Hello\nAlice: Hi Kai');
    expect(bodiesIn(harness, task.conversationSid)).toEqual(['Hello', 'Hi Kai']);

    // Longer than one Discord message (2000 characters): a file.
    const long = `Details: ${'y'.repeat(1990)}`;
    harness.twilio.agentSend(task.conversationSid, long);
    await discord.waitForMessages(user, 3);
    discord.userSendsDm(user, '!transcript');
    const [, , , sent] = await discord.waitForMessages(user, 4);
    const [attachment] = sent!.message.attachments;
    expect(attachment?.filename).toMatch(/^chat-transcript-\d{4}-\d\d-\d\d\.txt$/);
    const text = discord.attachmentContents(attachment!.url)!.toString('utf8');
    expect(text.replace(/\[[^\]]+\] /g, '')).toBe(`Your chat:\n\nKai: Hello\nAlice: Hi Kai\nAlice: ${long}`);
  });
});
