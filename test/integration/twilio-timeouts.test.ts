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
