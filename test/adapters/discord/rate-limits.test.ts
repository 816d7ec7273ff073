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
  it('waits out a shared-scope 429 (a busy resource) without using an attempt or counting towards the IP ban, then sends once', async () => {
    const started = await startHarnessWithDiscord();
    h = started.h;
    const { discord } = started;
    discord.addUser(ALICE);
    discord.userSendsDm(ALICE.id, 'hi');
    const task = await eventually(() => started.h.twilio.tasks()[0], 'a Flex task');
    discord.failNext({ route: MESSAGES, status: 429, retryAfter: 2, scope: 'shared' });

    started.h.twilio.agentSend(task.conversationSid, 'after the busy second');
    const postponed = await eventually(
      () => started.h.app.store.listOutbox({ status: 'pending' }).then((rows) => rows.find((row) => row.nextAttemptAt > Date.now())),
      'the reply postponed after the 429',
    );
    expect(postponed.attempts).toBe(0);
    expect(postponed.nextAttemptAt).toBeGreaterThanOrEqual(discord.requestsTo(MESSAGES)[0]!.at + 2000);
    const [sent] = await discord.waitForMessages(ALICE.id, 1, 10_000);

    expect(sent!.message.content).toBe('after the busy second');
    expect(discord.requestsTo(MESSAGES).map((r) => r.status)).toEqual([429, 200]);
    expect(discord.invalidRequests).toBe(0);
  });

  it('holds replies back a minute when Cloudflare has banned the IP (a 429 with no Retry-After), instead of hammering it', async () => {
    const started = await startHarnessWithDiscord({}, { rateLimits: { invalidRequests: { limit: 1, windowMs: 60_000, banMs: 3_600_000 } } });
    h = started.h;
    const { discord } = started;
    discord.addUser(ALICE);
    discord.userSendsDm(ALICE.id, 'hi');
    const task = await eventually(() => started.h.twilio.tasks()[0], 'a Flex task');
    // Someone else on the same IP used a wrong token: one invalid request is the limit here.
    await fetch(`${discord.restBaseUrl}/v10/users/@me`, { headers: { authorization: 'Bot not-the-token' } });
    expect(discord.bannedForInvalidRequests).toBe(true);
    const before = discord.requests.length;

    started.h.twilio.agentSend(task.conversationSid, 'during the ban');
    const row = await eventually(
      () => started.h.app.store.listOutbox({ status: 'pending' }).then((rows) => rows.find((r) => r.nextAttemptAt > Date.now())),
      'the reply held back after the ban’s 429',
    );

    const duringBan = discord.requests.slice(before);
    expect(duringBan.map((r) => r.status)).toEqual([429]);
    expect(row.attempts).toBe(0);
    expect(row.nextAttemptAt).toBeGreaterThanOrEqual(duringBan[0]!.at + 59_000);
    expect((await started.h.app.store.outboxStats()).dead).toBe(0);
  });
});
