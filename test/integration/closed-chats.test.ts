import { startSandbox } from '@flex-bridge/emulators';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

/**
 * Flex's own close of a chat that fires no webhook, and a post into the closed conversation answered
 * with a plain 400 rather than 50377: neither is excluded by Twilio's documentation, and the customer's
 * next message must still reach an agent.
 */
async function silentCloseHarness(env: Record<string, string> = {}): Promise<Harness> {
  return startHarness(env, await startSandbox({}, '127.0.0.1', { twilio: { silentFlexClose: true } }));
}

const delivered = () => eventually(() => h.app.store.outboxStats().then((s) => s.pending === 0), 'the outbox to empty', 10_000);

describe('a chat Flex closed without telling the bridge', () => {
  it('is recognised when the next post fails: the message opens a new chat, nothing is dead-lettered', async () => {
    h = await silentCloseHarness();
    h.telegram.addUser({ id: 31, username: 'nia', first_name: 'Nia' });
    h.telegram.userSends(31, 'first question');
    const first = await eventually(() => h.twilio.tasks()[0], 'a task');
    h.twilio.acceptTask(first.sid);
    h.twilio.endChat(first.conversationSid);

    h.telegram.userSends(31, 'one more thing');
    const second = await eventually(() => h.twilio.tasks().find((t) => t.conversationSid !== first.conversationSid), 'a second task', 10_000);
    await delivered();

    expect(h.twilio.messages(second.conversationSid).map((m) => m.body)).toEqual(['one more thing']);
    expect(h.twilio.messages(first.conversationSid).map((m) => m.body)).toEqual(['first question']);
    expect(await h.app.store.listOutbox({ status: 'dead' })).toEqual([]);
    const mappings = await h.app.store.listMappings();
    expect(mappings.map((m) => [m.flexSid, m.status])).toEqual(
      expect.arrayContaining([
        [first.conversationSid, 'ended'],
        [second.conversationSid, 'active'],
      ]),
    );
    expect(h.twilio.requests.some((r) => r.method === 'GET' && r.path === `/v1/Conversations/${first.conversationSid}`)).toBe(true);
  });

  it('is recognised while completing an interrupted opening: the first message opens a new chat', async () => {
    h = await silentCloseHarness({ TWILIO_TIMEOUT_MS: '300' });
    const firstPost = { host: 'conversations.twilio.com', method: 'POST', path: /^\/v1\/Conversations\/CH\w+\/Messages$/ };
    h.twilio.hangNext({ ...firstPost, apply: false });
    h.telegram.addUser({ id: 32, username: 'oli', first_name: 'Oli' });
    h.telegram.userSends(32, 'are you there?');
    // The opening hangs on its first post; meanwhile the chat is closed in Flex (no task yet, so no agent saw it).
    const hung = await eventually(() => h.twilio.requests.find((r) => r.fault === 'hang'), 'the first post to hang');
    const interrupted = hung.path.split('/')[3]!;
    h.twilio.endChat(interrupted);

    const task = await eventually(() => h.twilio.tasks()[0], 'a task', 10_000);
    await delivered();

    expect(task.conversationSid).not.toBe(interrupted);
    expect(h.twilio.messages(task.conversationSid).map((m) => m.body)).toEqual(['are you there?']);
    expect(h.twilio.tasks()).toHaveLength(1);
    expect(await h.app.store.listOutbox({ status: 'dead' })).toEqual([]);
  });
});
