import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

describe('a customer the bridge cannot reach', () => {
  it('dead-letters the reply and tells the agent in Flex, as the bridge identity', async () => {
    h = await startHarness();
    h.telegram.addUser({ id: 11, username: 'jo', first_name: 'Jo' });
    h.telegram.userSends(11, 'hi');
    const task = await eventually(() => h.twilio.tasks()[0], 'a task');
    h.telegram.blockBot(11);
    h.twilio.agentSend(task.conversationSid, 'are you there?');
    const notice = await eventually(
      () => h.twilio.messages(task.conversationSid).find((m) => m.author === 'flex-bridge'),
      'a notice in Flex',
    );
    expect(notice.body).toContain('could not deliver a message to the customer on telegram');
    expect(notice.body).toContain('bot was blocked by the user');
    const [dead] = await h.app.store.listOutbox({ status: 'dead' });
    expect(dead?.payload).toMatchObject({ kind: 'agent-message', text: 'are you there?' });
    expect(h.telegram.messagesTo(11)).toHaveLength(0);
    // The notice itself is never sent back to the customer.
    await h.app.worker.stop(2000);
    expect(h.telegram.messagesTo(11)).toHaveLength(0);
  });
});
