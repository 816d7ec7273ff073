import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

describe('what the Telegram adapter forwards', () => {
  it('answers /start with the greeting and does not forward it', async () => {
    h = await startHarness({ TELEGRAM_GREETING: 'Welcome to ACME support!' });
    h.telegram.addUser({ id: 1, username: 'dan', first_name: 'Dan' });
    h.telegram.userSends(1, '/start');
    const [greeting] = await h.telegram.waitForMessages(1, 1);
    expect(greeting!.text).toBe('Welcome to ACME support!');
    h.telegram.userSends(1, 'real question');
    await eventually(() => h.twilio.conversations()[0], 'a conversation');
    const sid = h.twilio.conversations()[0]!.sid;
    await eventually(() => h.twilio.messages(sid).length === 1, 'one message');
    expect(h.twilio.messages(sid).map((m) => m.body)).toEqual(['real question']);
  });

  it('tells the customer politely and the agent briefly when it cannot carry content', async () => {
    h = await startHarness();
    h.telegram.addUser({ id: 2, username: 'erin', first_name: 'Erin' });
    h.telegram.userSends(2, { story: { chat: { id: 9, type: 'private' }, id: 1 } } as never);
    const [reply] = await h.telegram.waitForMessages(2, 1);
    expect(reply!.text).toMatch(/cannot pass this kind of message/);
    const sid = await eventually(() => h.twilio.conversations()[0]?.sid, 'a conversation');
    const [placeholder] = await eventually(() => {
      const msgs = h.twilio.messages(sid);
      return msgs.length ? msgs : undefined;
    }, 'the placeholder');
    expect(placeholder!.body).toBe('[the customer sent a message of a kind the bridge does not know]');
  });

  it('ignores group chats and keeps polling after an update of an unknown kind', async () => {
    h = await startHarness();
    const date = Math.floor(Date.now() / 1000);
    h.telegram.pushUpdate({ message: { message_id: 1, date, chat: { id: -100, type: 'group', title: 'g' }, from: { id: 3, is_bot: false, first_name: 'G' }, text: 'in a group' } });
    h.telegram.pushUpdate({ some_future_kind: { id: 1 } });
    h.telegram.addUser({ id: 4, username: 'fay', first_name: 'Fay' });
    h.telegram.userSends(4, 'after the odd ones');
    const task = await eventually(() => h.twilio.tasks()[0], 'a task');
    expect(task.attributes.from).toBe('telegram:fay');
    expect(h.twilio.conversations()).toHaveLength(1);
  });
});
