import { startSandbox } from '@flex-bridge/emulators';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

/** Conversations an earlier database (or another deployment) of the bridge left on the account, names and all. */
const EARLIER = [
  { uniqueName: 'flex-bridge-1', friendlyName: 'telegram:someone', attributes: '{"network":"telegram","handle":"telegram:someone"}' },
  { uniqueName: 'flex-bridge-2', friendlyName: 'discord:other', attributes: '{"network":"discord","handle":"discord:other"}', closed: true },
];

describe('a fresh database on a Twilio account with chats of an earlier one', () => {
  it('opens chats under names of its own, and never deletes the earlier chats', async () => {
    h = await startHarness({}, await startSandbox({}, '127.0.0.1', { twilio: { conversations: EARLIER } }));
    const earlier = h.twilio.conversations();
    h.twilio.agentSend(earlier[0]!.sid, 'an agent still talking to someone');
    h.telegram.addUser({ id: 51, username: 'quinn', first_name: 'Quinn' });
    h.telegram.addUser({ id: 52, username: 'rae', first_name: 'Rae' });
    h.telegram.userSends(51, 'hello from quinn');
    h.telegram.userSends(52, 'hello from rae');

    await eventually(() => h.twilio.tasks().length === 2, 'two tasks', 10_000);
    await eventually(() => h.app.store.outboxStats().then((s) => s.pending === 0), 'the outbox to empty', 10_000);

    const installation = await h.app.store.installationId();
    const ours = h.twilio.conversations().filter((c) => !earlier.some((e) => e.sid === c.sid));
    expect(ours).toHaveLength(2);
    for (const c of ours) expect(c.uniqueName).toMatch(new RegExp(`^flex-bridge-${installation}-\\d+-[0-9a-z]+$`));
    expect(h.twilio.conversations().filter((c) => earlier.some((e) => e.sid === c.sid)).map((c) => [c.uniqueName, c.state])).toEqual([
      ['flex-bridge-1', 'active'],
      ['flex-bridge-2', 'closed'],
    ]);
    expect(h.twilio.requests.some((r) => r.method === 'DELETE')).toBe(false);
    expect(await h.app.store.listOutbox({ status: 'dead' })).toEqual([]);
  });
});
