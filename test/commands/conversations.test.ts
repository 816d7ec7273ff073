import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { startHarness, type Harness } from '../support/harness.js';
import { envOf, runCli } from './run-cli.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const ALICE = { id: 5012345678, username: 'alice', first_name: 'Alice' };

const ALICE_KEY = { network: 'telegram', externalUserId: String(ALICE.id) };

/** Flex has the task before the bridge marks the chat active, so wait for the bridge's side too. */
async function activeChat(harness: Harness) {
  return eventually(async () => {
    const conversation = await harness.app.store.currentMapping(ALICE_KEY);
    return conversation?.status === 'active' ? conversation : undefined;
  }, 'an active conversation');
}

async function aliceOpensAChat(harness: Harness) {
  harness.telegram.addUser(ALICE);
  harness.telegram.userSends(ALICE.id, 'Hello');
  const task = await eventually(() => harness.twilio.tasks()[0], 'a Flex task');
  await activeChat(harness);
  return task;
}

describe('flex-bridge conversations', () => {
  it('lists the mappings, filtered by status', async () => {
    h = await startHarness();
    const task = await aliceOpensAChat(h);
    const env = envOf(h.config);

    const all = await runCli(['conversations', 'list'], env);
    expect(all.code).toBe(0);
    const [header, row, ...rest] = all.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+CUSTOMER\s+HANDLE\s+FLEX SID\s+UPDATED$/);
    expect(row).toMatch(new RegExp(`^1\\s+active\\s+telegram:5012345678\\s+telegram:alice\\s+${task.conversationSid}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`));
    expect(rest).toEqual([]);

    expect((await runCli(['conversations', 'list', '--status', 'ended'], env)).stdout).toBe('No ended conversations.\n');
    const wrong = await runCli(['conversations', 'list', '--status', 'closed'], env);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--status must be one of opening, active, ended');
  });

  it('ends a mapping by Flex sid, so the next message opens a new chat', async () => {
    h = await startHarness();
    const task = await aliceOpensAChat(h);
    const env = envOf(h.config);

    const ended = await runCli(['conversations', 'end', task.conversationSid], env);
    expect(ended.code).toBe(0);
    expect(ended.stdout).toContain(`Ended conversation 1 (telegram:alice, Flex ${task.conversationSid})`);
    expect(await h.app.store.currentMapping(ALICE_KEY)).toBeUndefined();

    h.telegram.userSends(ALICE.id, 'Anyone there?');
    const second = await activeChat(h);
    expect(second.flexSid).not.toBe(task.conversationSid);
    expect(h.twilio.tasks()[1]?.conversationSid).toBe(second.flexSid);
    const listed = await runCli(['conversations', 'list'], env);
    expect(listed.stdout).toMatch(new RegExp(`\\n2\\s+active\\s.*${second.flexSid}`));
    expect(listed.stdout).toMatch(new RegExp(`\\n1\\s+ended\\s.*${task.conversationSid}`));
  });

  it('refuses to end a conversation that is not open', async () => {
    h = await startHarness();
    await aliceOpensAChat(h);
    const env = envOf(h.config);
    expect((await runCli(['conversations', 'end', '1'], env)).code).toBe(0);

    const again = await runCli(['conversations', 'end', '1'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('No open conversation has the id or Flex sid 1');
    const unknown = await runCli(['conversations', 'end', '42'], env);
    expect(unknown.code).toBe(1);
  });
});
