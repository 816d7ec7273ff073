import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, startHarnessWithDiscord, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';

const NOTICES = { CHAT_OPENED_NOTICE: 'Thanks, we got your message.', CHAT_ENDED_NOTICE: 'This chat has ended.' };

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const taskOf = (harness: Harness) => eventually(() => harness.twilio.tasks()[0], 'a Flex task');

describe('what a customer is told when the chat opens and ends (Conversations)', () => {
  it('Telegram: the acknowledgement, the agent, then the end, in that order and once each', async () => {
    h = await startHarness(NOTICES);
    const harness = h;
    harness.telegram.addUser({ id: 31, username: 'una', first_name: 'Una' });
    harness.telegram.userSends(31, 'Hello');
    const task = await taskOf(harness);
    await harness.telegram.waitForMessages(31, 1);
    harness.twilio.agentSend(task.conversationSid, 'Hi Una, how can I help?');
    await harness.telegram.waitForMessages(31, 2);
    harness.twilio.endChat(task.conversationSid);
    await harness.telegram.waitForMessages(31, 3);
    await eventually(async () => (await harness.app.store.outboxStats()).pending === 0, 'the outbox drained');
    expect(harness.telegram.messagesTo(31).map((m) => m.text)).toEqual([
      'Thanks, we got your message.',
      'Hi Una, how can I help?',
      'This chat has ended.',
    ]);
  });

  it('Telegram: the agent accepting is told by name, once, between the acknowledgement and the reply', async () => {
    h = await startHarness({ ...NOTICES, AGENT_JOINED_NOTICE: '{agent} has joined the chat.' });
    const harness = h;
    harness.telegram.addUser({ id: 32, username: 'wim', first_name: 'Wim' });
    harness.telegram.userSends(32, 'Hello');
    const task = await taskOf(harness);
    await harness.telegram.waitForMessages(32, 1);
    harness.twilio.acceptTask(task.sid); // the emulator's default agent, agent_alice, named Alice in Flex
    await harness.telegram.waitForMessages(32, 2);
    harness.twilio.agentSend(task.conversationSid, 'Hi Wim, Alice here.');
    await harness.telegram.waitForMessages(32, 3);
    harness.twilio.endChat(task.conversationSid);
    await harness.telegram.waitForMessages(32, 4);
    await eventually(async () => (await harness.app.store.outboxStats()).pending === 0, 'the outbox drained');
    expect(harness.telegram.messagesTo(32).map((m) => m.text)).toEqual([
      'Thanks, we got your message.',
      'Alice has joined the chat.',
      'Hi Wim, Alice here.',
      'This chat has ended.',
    ]);
    const joined = harness.twilio.webhookDeliveries.filter((d) => d.eventType === 'onParticipantAdded');
    expect(joined.map((d) => d.params.Identity)).toEqual(['agent_alice']);
  });

  it('Discord: the same in a DM', async () => {
    const started = await startHarnessWithDiscord(NOTICES);
    h = started.h;
    const harness = h;
    const { discord } = started;
    discord.addUser({ id: '110000000000000031', username: 'vic' });
    discord.userSendsDm('110000000000000031', 'Hello');
    const task = await taskOf(harness);
    await discord.waitForMessages('110000000000000031', 1);
    harness.twilio.agentSend(task.conversationSid, 'Hi Vic');
    await discord.waitForMessages('110000000000000031', 2);
    harness.twilio.endChat(task.conversationSid);
    await discord.waitForMessages('110000000000000031', 3);
    expect(discord.messagesInDm('110000000000000031').map((m) => m.message.content)).toEqual([
      'Thanks, we got your message.',
      'Hi Vic',
      'This chat has ended.',
    ]);
  });
});

describe('what a customer is told, in their language (CUSTOMER_TEXTS_FILE)', () => {
  it('Telegram: a pt-br customer gets the Portuguese texts, from the greeting to the end; one without a language the settings', async () => {
    h = await startHarness({
      ...NOTICES,
      AGENT_JOINED_NOTICE: '{agent} has joined the chat.',
      CUSTOMER_TEXTS_FILE: 'config/customer-texts.example.json',
    });
    const harness = h;
    harness.telegram.addUser({ id: 33, username: 'ana', first_name: 'Ana', language_code: 'pt-br' });
    harness.telegram.addUser({ id: 34, username: 'eve', first_name: 'Eve' });
    harness.telegram.userSends(33, '/start');
    await harness.telegram.waitForMessages(33, 1);
    harness.telegram.userSends(33, 'Olá');
    harness.telegram.userSends(34, 'Hello');
    await eventually(() => harness.twilio.tasks().length === 2 || undefined, 'two Flex tasks');
    const ana = await eventually(() => harness.twilio.tasks().find((t) => t.attributes.from === 'telegram:ana'), "Ana's task");
    await harness.telegram.waitForMessages(33, 2);
    harness.twilio.acceptTask(ana.sid);
    await harness.telegram.waitForMessages(33, 3);
    harness.twilio.endChat(ana.conversationSid);
    await harness.telegram.waitForMessages(33, 4);
    await harness.telegram.waitForMessages(34, 1);
    expect(harness.telegram.messagesTo(33).map((m) => m.text)).toEqual([
      'Olá! Escreva sua pergunta aqui e um atendente responderá.',
      'Obrigado, recebemos sua mensagem. Um atendente falará com você em breve.',
      'Alice entrou na conversa.',
      'Esta conversa foi encerrada. Escreva para nós a qualquer momento para começar uma nova.',
    ]);
    expect(harness.telegram.messagesTo(34).map((m) => m.text)).toEqual(['Thanks, we got your message.']);
  });
});
