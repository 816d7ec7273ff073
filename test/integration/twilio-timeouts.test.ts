import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

describe('a Twilio request that never answers', () => {
  it('is not posted twice when Twilio applied it before the client timed out', async () => {
    h = await startHarness({ TWILIO_TIMEOUT_MS: '300' });
    h.telegram.addUser({ id: 7, username: 'gus', first_name: 'Gus' });
    h.telegram.userSends(7, 'first');
    const task = await eventually(() => h.twilio.tasks()[0], 'a task');
    h.twilio.hangNext({ host: 'conversations.twilio.com', method: 'POST', path: `/v1/Conversations/${task.conversationSid}/Messages`, apply: true });
    h.telegram.userSends(7, 'second');
    h.telegram.userSends(7, 'third');
    await eventually(() => h.twilio.messages(task.conversationSid).length >= 3, 'three messages', 10_000);
    await h.app.worker.stop(2000);
    expect(h.twilio.messages(task.conversationSid).map((m) => m.body)).toEqual(['first', 'second', 'third']);
    const check = h.twilio.requests.find((r) => r.method === 'GET' && r.path.endsWith('/Messages'));
    expect(check?.query.Order).toBe('desc');
  });

  it('is posted again when Twilio did not apply it', async () => {
    h = await startHarness({ TWILIO_TIMEOUT_MS: '300' });
    h.telegram.addUser({ id: 8, username: 'hal', first_name: 'Hal' });
    h.telegram.userSends(8, 'first');
    const task = await eventually(() => h.twilio.tasks()[0], 'a task');
    h.twilio.hangNext({ host: 'conversations.twilio.com', method: 'POST', path: `/v1/Conversations/${task.conversationSid}/Messages`, apply: false });
    h.telegram.userSends(8, 'second');
    await eventually(() => h.twilio.messages(task.conversationSid).length >= 2, 'two messages', 10_000);
    await h.app.worker.stop(2000);
    expect(h.twilio.messages(task.conversationSid).map((m) => m.body)).toEqual(['first', 'second']);
  });
});

describe('an opening interrupted while routing the chat to agents', () => {
  it.each([true, false])('ends with one conversation, one task and the first message once (Interaction applied: %s)', async (apply) => {
    // A lost Interaction is waited for up to ROUTING_CONFIRM_MS before the chat is routed again.
    h = await startHarness({ TWILIO_TIMEOUT_MS: '300', ROUTING_CONFIRM_MS: '1000' });
    h.twilio.hangNext({ host: 'flex-api.twilio.com', method: 'POST', path: '/v1/Interactions', apply });
    h.telegram.addUser({ id: 9, username: 'ida', first_name: 'Ida' });
    h.telegram.userSends(9, 'first words');
    await eventually(() => h.twilio.tasks().length === 1, 'a task', 10_000);
    await eventually(() => h.app.store.outboxStats().then((s) => s.pending === 0), 'the message to be delivered', 10_000);
    expect(h.twilio.conversations()).toHaveLength(1);
    expect(h.twilio.tasks()).toHaveLength(1);
    const sid = h.twilio.conversations()[0]!.sid;
    expect(h.twilio.messages(sid).map((m) => m.body)).toEqual(['first words']);
    expect(h.twilio.tasks()[0]!.conversationSid).toBe(sid);
    expect(h.twilio.requests.some((r) => r.host === 'taskrouter.twilio.com')).toBe(true);
  });
});
