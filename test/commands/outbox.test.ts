import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { startHarness, type Harness } from '../support/harness.js';
import { envOf, runCli } from './run-cli.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const ALICE = { id: 5012345678, username: 'alice', first_name: 'Alice' };
const REPLY = 'Your refund is on its way';

/** Alice blocks the bot, so the agent's reply is dead-lettered (Telegram 403 is permanent). */
async function deadLetteredReply(harness: Harness) {
  harness.telegram.addUser(ALICE);
  harness.telegram.userSends(ALICE.id, 'Hello');
  const task = await eventually(() => harness.twilio.tasks()[0], 'a Flex task');
  harness.telegram.blockBot(ALICE.id, true);
  harness.twilio.agentSend(task.conversationSid, REPLY);
  const [dead] = await eventually(async () => {
    const rows = await harness.app.store.listOutbox({ status: 'dead' });
    return rows.length > 0 ? rows : undefined;
  }, 'a dead-lettered row');
  return dead!;
}

describe('flex-bridge outbox', () => {
  it('lists dead-lettered rows with the reason and without the message text', async () => {
    h = await startHarness();
    const dead = await deadLetteredReply(h);
    const listed = await runCli(['outbox', 'list', '--dead'], envOf(h.config));

    expect(listed.code).toBe(0);
    const [header, row] = listed.stdout.split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+DIRECTION\s+KIND\s+KEY\s+ATTEMPTS\s+CREATED\s+NEXT ATTEMPT\s+LAST ERROR$/);
    expect(row).toMatch(
      new RegExp(`^${dead.id}\\s+dead\\s+to-customer\\s+agent-message\\s+customer:telegram:5012345678\\s+1\\s+\\S+ \\S+\\s+-\\s+telegram 403: Forbidden: bot was blocked by the user$`),
    );
    expect(listed.stdout).toContain('0 pending, 1 dead-lettered in all.');
    expect(listed.stdout).not.toContain(REPLY);
  });

  it('retries a dead-lettered row, which the running bridge then delivers', async () => {
    h = await startHarness();
    const dead = await deadLetteredReply(h);
    const env = envOf(h.config);
    h.telegram.blockBot(ALICE.id, false);

    const wrong = await runCli(['outbox', 'retry', String(dead.id), '999'], env);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe('Requeued 1 dead-lettered row(s).\n');
    expect(wrong.stderr).toContain('Not dead-lettered (delivered, still pending, or unknown): 999');

    const [delivered] = await h.telegram.waitForMessages(ALICE.id, 1);
    expect(delivered!.text).toBe(REPLY);
    await eventually(async () => (await h.app.store.outboxStats()).pending === 0, 'the outbox to drain');
    expect((await runCli(['outbox', 'list'], env)).stdout).toBe('The outbox is empty.\n');
  });

  it('retries every dead-lettered row when no id is given', async () => {
    h = await startHarness();
    await deadLetteredReply(h);
    const sends = () => h.telegram.requests.filter((r) => r.method === 'sendMessage' && r.params.text === REPLY).length;
    expect(sends()).toBe(1);
    const retried = await runCli(['outbox', 'retry'], envOf(h.config));
    expect(retried.code).toBe(0);
    expect(retried.stdout).toBe('Requeued 1 dead-lettered row(s).\n');
    // Alice still blocks the bot: the bridge tries again, and the row is dead-lettered again.
    await eventually(() => sends() === 2, 'a second attempt');
    await eventually(async () => (await h.app.store.outboxStats()).dead === 1, 'the row to be dead-lettered again');
  });
});
