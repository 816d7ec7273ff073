import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

describe('graceful shutdown', () => {
  it('lets a delivery in flight finish, keeps the rest for the next start, and loses nothing', async () => {
    h = await startHarness({ TWILIO_TIMEOUT_MS: '1500' });
    h.telegram.addUser({ id: 31, username: 'lee', first_name: 'Lee' });
    h.telegram.userSends(31, 'one');
    const task = await eventually(() => h.twilio.tasks()[0], 'a task');
    const path = `/v1/Conversations/${task.conversationSid}/Messages`;
    // The next post is carried out by Twilio but answered late: it is in flight when we stop.
    h.twilio.hangNext({ host: 'conversations.twilio.com', method: 'POST', path, apply: true });
    h.telegram.userSends(31, 'two');
    h.telegram.userSends(31, 'three');
    await eventually(() => h.twilio.requests.some((r) => r.fault === 'hang-after-apply'), 'the post to be in flight');

    const started = Date.now();
    await h.app.stop(5000);
    expect(Date.now() - started).toBeLessThan(5000);

    await h.restart();
    await eventually(() => h.twilio.messages(task.conversationSid).length === 3, 'all three messages', 10_000);
    await h.app.worker.stop(2000);
    expect(h.twilio.messages(task.conversationSid).map((m) => m.body)).toEqual(['one', 'two', 'three']);
  });
});
