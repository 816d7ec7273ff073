import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const delivered = () => eventually(() => h.app.store.outboxStats().then((s) => s.pending === 0), 'the outbox to empty', 10_000);

/** Twilio does not promise that a 5xx left a write undone: the fault here answers 502 after carrying the request out. */
describe('a Twilio write answered 5xx after it was applied', () => {
  it('posts a customer message once: the retry looks for it first', async () => {
    h = await startHarness();
    h.telegram.addUser({ id: 21, username: 'kim', first_name: 'Kim' });
    h.telegram.userSends(21, 'first');
    const task = await eventually(() => h.twilio.tasks()[0], 'a task');
    h.twilio.failNext({ method: 'POST', path: `/v1/Conversations/${task.conversationSid}/Messages`, status: 502, apply: true });
    h.telegram.userSends(21, 'second');
    h.telegram.userSends(21, 'third');
    await eventually(() => h.twilio.messages(task.conversationSid).length >= 3, 'three messages', 10_000);
    await delivered();
    expect(h.twilio.messages(task.conversationSid).map((m) => m.body)).toEqual(['first', 'second', 'third']);
    expect(h.twilio.requests.filter((r) => r.fault === 'fail-after-apply')).toHaveLength(1);
  });

  it('keeps the chat whose Interaction was created: one conversation, one task, the first message once', async () => {
    h = await startHarness();
    h.twilio.failNext({ host: 'flex-api.twilio.com', method: 'POST', path: '/v1/Interactions', status: 503, apply: true });
    h.telegram.addUser({ id: 22, username: 'lou', first_name: 'Lou' });
    h.telegram.userSends(22, 'hello');
    await eventually(() => h.twilio.tasks().length === 1, 'a task', 10_000);
    await delivered();
    expect(h.twilio.conversations()).toHaveLength(1);
    const [conversation] = h.twilio.conversations();
    expect(conversation!.state).toBe('active');
    expect(h.twilio.tasks()).toHaveLength(1);
    expect(h.twilio.tasks()[0]!.conversationSid).toBe(conversation!.sid);
    expect(h.twilio.messages(conversation!.sid).map((m) => m.body)).toEqual(['hello']);
    expect(h.twilio.requests.some((r) => r.method === 'DELETE')).toBe(false);
  });

  it('opens one chat when creating the conversation was applied', async () => {
    h = await startHarness();
    h.twilio.failNext({ host: 'conversations.twilio.com', method: 'POST', path: '/v1/Conversations', status: 500, apply: true });
    h.telegram.addUser({ id: 23, username: 'max', first_name: 'Max' });
    h.telegram.userSends(23, 'hi there');
    await eventually(() => h.twilio.tasks().length === 1, 'a task', 10_000);
    await delivered();
    const live = h.twilio.conversations();
    expect(live).toHaveLength(1);
    expect(h.twilio.messages(live[0]!.sid).map((m) => m.body)).toEqual(['hi there']);
  });
});
