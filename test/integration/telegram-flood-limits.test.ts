import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '@flex-bridge/emulators';
import { startHarness, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';

const ANN = { id: 21, username: 'ann', first_name: 'Ann' };

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
});

describe('Telegram flood limits', () => {
  it('waits out each 429 retry_after and delivers every agent message, in order', async () => {
    // Telegram's per-chat limit, without a burst: every message after the first in a second gets a 429.
    const box = await startSandbox({}, '127.0.0.1', { telegram: { sendRateLimits: { perChatPerSecond: 1, perChatBurst: 1 } } });
    const harness = await startHarness({}, box);
    h = harness;
    harness.telegram.addUser(ANN);
    harness.telegram.userSends(ANN.id, 'hello');
    const task = await eventually(() => harness.twilio.tasks()[0], 'a Flex task');

    const replies = ['first', 'second', 'third'];
    for (const text of replies) harness.twilio.agentSend(task.conversationSid, text);
    const sent = await harness.telegram.waitForMessages(ANN.id, replies.length, 15_000);

    expect(sent.map((message) => message.text)).toEqual(replies);
    const sendCalls = harness.telegram.requests.filter((request) => request.method === 'sendMessage');
    expect(sendCalls.length).toBeGreaterThan(replies.length);
    await eventually(() => harness.app.store.outboxStats().then((stats) => stats.pending === 0 && stats.dead === 0), 'the outbox drained, nothing dead-lettered');
  });
});
