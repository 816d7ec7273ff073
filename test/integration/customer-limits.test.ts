import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';

const METRICS_TOKEN = 'metrics-token-for-the-test';
let h: Harness;
afterEach(async () => {
  await h?.stop();
});

describe('what one customer may send', () => {
  it('passes a burst on, refuses the rest with one polite notice, and keeps taking other customers', async () => {
    h = await startHarness({ CUSTOMER_MESSAGE_BURST: '3', CUSTOMER_MESSAGES_PER_MINUTE: '1', METRICS_TOKEN: METRICS_TOKEN });
    h.telegram.addUser({ id: 7, username: 'flo', first_name: 'Flo' });
    h.telegram.addUser({ id: 8, username: 'gus', first_name: 'Gus' });
    for (let i = 1; i <= 6; i++) h.telegram.userSends(7, `flood ${i}`);
    h.telegram.userSends(8, 'a question');

    const [notice] = await h.telegram.waitForMessages(7, 1);
    expect(notice!.text).toMatch(/faster than we can pass them on/);
    const bodiesFrom = (handle: string) =>
      h.twilio
        .conversations()
        .filter((c) => c.friendlyName === handle)
        .flatMap((c) => h.twilio.messages(c.sid).map((m) => m.body));
    await eventually(() => bodiesFrom('telegram:flo').length === 3 && bodiesFrom('telegram:gus').length === 1, 'what passed in Flex');
    expect(bodiesFrom('telegram:flo')).toEqual(['flood 1', 'flood 2', 'flood 3']);
    expect(bodiesFrom('telegram:gus')).toEqual(['a question']);

    const metrics = () => fetch(`${h.app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }).then((res) => res.text());
    await eventually(async () => /flex_bridge_messages_limited_total\{network="telegram",reason="rate"\} 3\n/.test(await metrics()), 'three refusals counted');
    await eventually(async () => (await h.app.store.outboxStats()).pending === 0, 'the outbox drained');
    expect(h.telegram.messagesTo(7), 'told once, not once per refused message').toHaveLength(1);
  });
});
