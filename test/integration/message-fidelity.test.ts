import { afterEach, describe, expect, it } from 'vitest';
import type { DiscordEmulator } from '@flex-bridge/emulators';
import { startHarness, startHarnessWithDiscord, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';

const ALICE = { id: '1100000000000000001', username: 'alice', global_name: 'Alice Liddell' } as const;
const ALICE_IDENTITY = `discord_${ALICE.id}`;

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const taskOf = (harness: Harness) => eventually(() => harness.twilio.tasks()[0], 'a Flex task');

/** The customer's messages in the Flex chat, once there are `count`. */
function customerPosts(harness: Harness, conversationSid: string, author: string, count: number) {
  return eventually(() => {
    const posts = harness.twilio.messages(conversationSid).filter((m) => m.author === author);
    return posts.length >= count ? posts : undefined;
  }, `${count} customer message(s) in Flex`);
}

/** Waits until the bridge has linked the customer message to its Flex message (just after posting it). */
const linked = (harness: Harness, network: string, externalMessageId: string) =>
  eventually(() => harness.app.store.messageLinkByExternalId(network, externalMessageId), `a link of ${externalMessageId}`);

async function startTelegram(): Promise<Harness> {
  h = await startHarness();
  h.telegram.addUser({ id: 61, username: 'tess', first_name: 'Tess' });
  return h;
}

async function startDiscord(): Promise<{ harness: Harness; discord: DiscordEmulator }> {
  const started = await startHarnessWithDiscord();
  h = started.h;
  started.discord.addUser(ALICE);
  return { harness: started.h, discord: started.discord };
}

describe('Telegram: replies, quotes and hidden links', () => {
  it("shows the agent which message the customer's reply answers, with its text", async () => {
    const harness = await startTelegram();
    const order = harness.telegram.userSends(61, 'My order 4411 never came');
    harness.telegram.userSends(61, { text: 'It was due on Monday', reply_to_message: order });
    const task = await taskOf(harness);
    const [, reply] = await customerPosts(harness, task.conversationSid, 'telegram_61', 2);
    expect(reply!.body).toBe('↩️ In reply to: “My order 4411 never came”\nIt was due on Monday');
  });

  it('keeps the url of a text link, of a mention without username and of a link preview', async () => {
    const harness = await startTelegram();
    harness.telegram.userSends(61, {
      text: 'See this page, says Bob',
      entities: [
        { type: 'text_link', offset: 9, length: 4, url: 'https://shop.example/faq' },
        { type: 'text_mention', offset: 20, length: 3, user: { id: 77, is_bot: false, first_name: 'Bob' } },
      ],
      link_preview_options: { url: 'https://shop.example/preview' },
    });
    const task = await taskOf(harness);
    const [post] = await customerPosts(harness, task.conversationSid, 'telegram_61', 1);
    expect(post!.body).toBe('See this page (https://shop.example/faq), says Bob (tg://user?id=77)\n🔗 https://shop.example/preview');
  });

  it('sends an agent message a Flex UI plugin marked as a reply (Attributes replyTo) as a native reply', async () => {
    const harness = await startTelegram();
    const question = harness.telegram.userSends(61, 'Can I pay by card?');
    harness.telegram.userSends(61, 'And do you ship to Norway?');
    const task = await taskOf(harness);
    const [first] = await customerPosts(harness, task.conversationSid, 'telegram_61', 2);
    await linked(harness, 'telegram', `61:${question.message_id}`);
    harness.twilio.agentSend(task.conversationSid, 'Yes, every major card.', undefined, { replyTo: first!.sid });
    const [answer] = await harness.telegram.waitForMessages(61, 1);
    expect(answer!.text).toBe('Yes, every major card.');
    expect(answer!.reply_to_message).toMatchObject({ message_id: question.message_id, text: 'Can I pay by card?' });
  });

  it('sends an agent message that starts with a Markdown quote of a customer message as a native reply, without the quote', async () => {
    const harness = await startTelegram();
    harness.telegram.userSends(61, 'Can I pay by card?');
    const shipping = harness.telegram.userSends(61, 'And do you ship to Norway? I live in Tromsø.');
    const task = await taskOf(harness);
    await customerPosts(harness, task.conversationSid, 'telegram_61', 2);
    await linked(harness, 'telegram', `61:${shipping.message_id}`);
    harness.twilio.agentSend(task.conversationSid, '> do you ship to   Norway?…\n\nWe do, in 3–5 days.');
    const [answer] = await harness.telegram.waitForMessages(61, 1);
    expect(answer!.text).toBe('We do, in 3–5 days.');
    expect(answer!.reply_to_message).toMatchObject({ message_id: shipping.message_id });
  });

  it('sends a reply to a message the bridge does not know, and a quote that matches none, as plain messages', async () => {
    const harness = await startTelegram();
    const hello = harness.telegram.userSends(61, 'Hello');
    const task = await taskOf(harness);
    await customerPosts(harness, task.conversationSid, 'telegram_61', 1);
    await linked(harness, 'telegram', `61:${hello.message_id}`);
    harness.twilio.agentSend(task.conversationSid, 'Hi there', undefined, { replyTo: 'IM00000000000000000000000000000000' });
    harness.twilio.agentSend(task.conversationSid, '> something nobody wrote\nHi again');
    const [first, second] = await harness.telegram.waitForMessages(61, 2);
    expect(first).toMatchObject({ text: 'Hi there' });
    expect(second).toMatchObject({ text: '> something nobody wrote\nHi again' });
    expect(first!.reply_to_message).toBeUndefined();
    expect(second!.reply_to_message).toBeUndefined();
  });
});

describe('Discord: replies, quotes and deletions', () => {
  it("shows the agent which message the customer's reply answers, with its text", async () => {
    const { harness, discord } = await startDiscord();
    const order = discord.userSendsDm(ALICE.id, 'My order 4411 never came');
    discord.userSendsDm(ALICE.id, { content: 'It was due on Monday', replyTo: order.id });
    const task = await taskOf(harness);
    const [, reply] = await customerPosts(harness, task.conversationSid, ALICE_IDENTITY, 2);
    expect(reply!.body).toBe('↩️ In reply to: “My order 4411 never came”\nIt was due on Monday');
  });

  it('sends an agent message marked as a reply as a native Discord reply (message_reference)', async () => {
    const { harness, discord } = await startDiscord();
    const question = discord.userSendsDm(ALICE.id, 'Can I pay by card?');
    const task = await taskOf(harness);
    const [post] = await customerPosts(harness, task.conversationSid, ALICE_IDENTITY, 1);
    await linked(harness, 'discord', question.id);
    harness.twilio.agentSend(task.conversationSid, 'Yes, every major card.', undefined, { replyTo: post!.sid });
    const [answer] = await eventually(() => {
      const sent = discord.messagesInDm(ALICE.id);
      return sent.length > 0 ? sent : undefined;
    }, 'the answer in the DM');
    expect(answer!.message).toMatchObject({
      content: 'Yes, every major card.',
      type: 19,
      message_reference: { message_id: question.id },
      referenced_message: { id: question.id, content: 'Can I pay by card?' },
    });
  });

  it('tells the agent, with a quote, that the customer deleted a message', async () => {
    const { harness, discord } = await startDiscord();
    const wrong = discord.userSendsDm(ALICE.id, 'My card number is 4111 1111 1111 1111');
    const task = await taskOf(harness);
    await customerPosts(harness, task.conversationSid, ALICE_IDENTITY, 1);
    await linked(harness, 'discord', wrong.id);
    discord.userDeletesDm(ALICE.id, wrong.id);
    const notice = await eventually(
      () => harness.twilio.messages(task.conversationSid).find((m) => m.author === 'flex-bridge'),
      'the deletion notice',
    );
    expect(notice.body).toBe('🗑 The customer deleted their message: “My card number is 4111 1111 1111 1111”');
  });
});
