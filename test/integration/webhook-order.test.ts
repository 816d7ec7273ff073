import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '@flex-bridge/emulators';
import { eventually } from '../support/wait.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const ALICE = { id: 5012345678, username: 'alice', first_name: 'Alice' };
const REPLIES = Array.from({ length: 12 }, (_, i) => `reply ${i + 1}`);

describe('agent replies when Twilio delivers one conversation’s webhooks out of order', () => {
  it('reach the customer in the order Flex gave them (message Index), each once', async () => {
    // Seeded: the same replies are overtaken in every run.
    const box = await startSandbox({}, '127.0.0.1', { twilio: { webhookReordering: { seed: 19, probability: 0.5 } } });
    h = await startHarness({}, box);
    h.telegram.addUser(ALICE);
    h.telegram.userSends(ALICE.id, 'Hello');
    const task = await eventually(() => h!.twilio.tasks()[0], 'a Flex task');
    h.twilio.acceptTask(task.sid);
    await eventually(() => h!.twilio.webhookDeliveries.some((d) => d.eventType === 'onParticipantAdded' && d.statusCode === 200), 'the agent joined');

    for (const reply of REPLIES) h.twilio.agentSend(task.conversationSid, reply);
    await h.telegram.waitForMessages(ALICE.id, REPLIES.length);
    await h.app.worker.stop(2000);

    const delivered = h.twilio.webhookDeliveries.filter((d) => d.eventType === 'onMessageAdded').map((d) => Number(d.params.Index));
    expect(delivered, 'some webhooks came after a later message’s').not.toEqual([...delivered].sort((a, b) => a - b));
    expect(h.telegram.messagesTo(ALICE.id).map((m) => m.text)).toEqual(REPLIES);
  });
});
