import { afterEach, describe, expect, it } from 'vitest';
import { startHarnessWithDiscord, type Harness } from '../../support/harness.js';
import { eventually } from '../../support/wait.js';
import { ALICE } from './harness.js';

const MESSAGES = 'POST /channels/:id/messages';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop(); // stops the emulators too
  h = undefined;
});

describe('Discord rate limits, through the bridge', () => {
  it('sends a burst of agent replies through a tight per-channel bucket in order, exactly once, holding back on the headers', async () => {
    // Discord's typical message bucket is 5 per 5 s per channel; a smaller one keeps the test short.
    const started = await startHarnessWithDiscord({}, { rateLimits: { perRoute: { limit: 2, windowMs: 1000 } } });
    h = started.h;
    const { discord } = started;
    discord.addUser(ALICE);
    discord.userSendsDm(ALICE.id, 'hi');
    const task = await eventually(() => started.h.twilio.tasks()[0], 'a Flex task');

    const replies = ['one', 'two', 'three', 'four', 'five', 'six'];
    for (const text of replies) started.h.twilio.agentSend(task.conversationSid, text);
    const sent = await discord.waitForMessages(ALICE.id, replies.length, 15_000);

    expect(sent.map((m) => m.message.content)).toEqual(replies);
    await eventually(
      () => started.h.app.store.outboxStats().then((stats) => stats.pending === 0 && stats.dead === 0),
      'the outbox drained, nothing dead-lettered',
    );
    // The REST client saw each bucket run out in the headers and held the next reply back instead of sending it into a 429.
    expect(discord.requestsTo(MESSAGES).filter((r) => r.status === 429)).toEqual([]);
    expect(discord.requestsTo(MESSAGES)).toHaveLength(replies.length);
    expect(discord.invalidRequests).toBe(0);
    expect(discord.messagesInDm(ALICE.id).map((m) => m.message.content)).toEqual(replies);
  });
});
