import { afterEach, describe, expect, it } from 'vitest';
import { envOf, runCli } from '../commands/run-cli.js';
import { sample } from '../metrics/prometheus-text.js';
import { eventually } from '../support/wait.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const METRICS_TOKEN = 'prometheus-scrape-token';

describe('a customer message Flex refuses for good', () => {
  it('is dead-lettered only after the chat is seen open, and reported: metric and outbox CLI', async () => {
    h = await startHarness({ METRICS_TOKEN });
    h.telegram.addUser({ id: 41, username: 'pia', first_name: 'Pia' });
    h.telegram.userSends(41, 'first');
    const task = await eventually(() => h.twilio.tasks()[0], 'a task');
    const messages = `/v1/Conversations/${task.conversationSid}/Messages`;
    h.twilio.failNext({ method: 'POST', path: messages, status: 400, code: 21619, message: 'A text message body or media urls must be specified.' });
    h.telegram.userSends(41, 'refused');
    const [dead] = await eventually(async () => {
      const rows = await h.app.store.listOutbox({ status: 'dead' });
      return rows.length > 0 ? rows : undefined;
    }, 'a dead-lettered row');

    expect(dead!.payload.kind).toBe('customer-message');
    // The chat was looked at (it is open), so the refusal was not taken for a closed chat.
    expect(h.twilio.requests.some((r) => r.method === 'GET' && r.path === `/v1/Conversations/${task.conversationSid}`)).toBe(true);
    expect(h.twilio.conversations()).toHaveLength(1);

    const scraped = await fetch(`${h.app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }).then((res) => res.text());
    expect(sample(scraped, 'flex_bridge_dead_customer_messages')).toBe(1);

    const listed = await runCli(['outbox', 'list', '--dead'], envOf(h.config));
    expect(listed.stdout).toMatch(new RegExp(`^${dead!.id}\\s+dead\\s+to-flex\\s+customer-message\\s+flex:telegram:41\\s`, 'm'));
    expect(listed.stdout).toContain('1 dead-lettered customer message(s) reached no agent');
  });
});
