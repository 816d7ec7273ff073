import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const ALICE = { id: 5012345678, username: 'alice', first_name: 'Alice' };
const STUDIO_FLOW = `FW${'4'.repeat(32)}`;
const MENU = { prompt: 'Press 1 for sales, 2 for support', choices: { '1': 'Connecting you to sales…', '2': 'Connecting you to support…' } };

/** What the customer has been sent so far, once there are `count` messages. */
async function customerSees(count: number): Promise<string[]> {
  const messages = await h.telegram.waitForMessages(ALICE.id, count);
  return messages.map((m) => m.text ?? '');
}

/** How often the bridge has listed a conversation's messages. */
function messageReads(): number {
  return h.twilio.requests.filter((q) => q.method === 'GET' && q.path.endsWith('/Messages')).length;
}

describe('Studio routing: a pre-agent menu reaches the Telegram customer', () => {
  it('plays Send & Wait "Press 1 for sales, 2 for support", the answer, Send to Flex and the agent, in order', async () => {
    h = await startHarness({ FLEX_STUDIO_FLOW_SID: STUDIO_FLOW, FLEX_WORKSPACE_SID: '' });
    h.twilio.playStudioMenu(MENU);
    h.telegram.addUser(ALICE);

    h.telegram.userSends(ALICE.id, 'Hello');
    // Studio's widgets fire no webhook: only reading the conversation back brings the question.
    expect(await customerSees(1)).toEqual([MENU.prompt]);
    const conversationSid = h.twilio.conversations()[0]!.sid;
    expect(h.twilio.webhookDeliveries.some((d) => d.params.Body === MENU.prompt)).toBe(false);

    h.telegram.userSends(ALICE.id, '1');
    expect(await customerSees(2)).toEqual([MENU.prompt, 'Connecting you to sales…']);
    const task = await eventually(() => h.twilio.tasks()[0], 'the task Send to Flex creates');
    expect(task.attributes).toMatchObject({ menuChoice: '1', conversationSid });

    h.twilio.acceptTask(task.sid);
    h.twilio.agentSend(conversationSid, 'Hi Alice, sales here.');
    expect(await customerSees(3)).toEqual([MENU.prompt, 'Connecting you to sales…', 'Hi Alice, sales here.']);
    await h.app.worker.stop(2000);
    expect(h.telegram.messagesTo(ALICE.id)).toHaveLength(3);
  });

  it('stops reading the conversation back after posts once the agent has joined', async () => {
    h = await startHarness({ FLEX_STUDIO_FLOW_SID: STUDIO_FLOW, FLEX_WORKSPACE_SID: '', FLEX_STUDIO_READ_BACK_MS: '100' });
    h.twilio.playStudioMenu(MENU);
    h.telegram.addUser(ALICE);
    h.telegram.userSends(ALICE.id, 'Hello');
    await customerSees(1);
    h.telegram.userSends(ALICE.id, '2');
    // Read back, so the bridge knows every index so far: a gap would be read back regardless.
    await customerSees(2);
    const task = await eventually(() => h.twilio.tasks()[0], 'the task Send to Flex creates');
    h.twilio.acceptTask(task.sid);
    await eventually(() => h.twilio.webhookDeliveries.some((d) => d.eventType === 'onParticipantAdded' && d.statusCode === 200), 'the agent joined');
    const readsBefore = messageReads();

    h.telegram.userSends(ALICE.id, 'Thanks');
    await eventually(() => h.twilio.messages(task.conversationSid).some((m) => m.body === 'Thanks'), 'the post');
    // Five times the only delay: a read-back that was due would have come.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(messageReads()).toBe(readsBefore);
  });
});
