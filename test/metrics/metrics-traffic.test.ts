import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { startHarness, type Harness } from '../support/harness.js';
import { sample } from './prometheus-text.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const ALICE = { id: 5012345678, username: 'alice', first_name: 'Alice' };
const CUSTOMER = { network: 'telegram', direction: 'to-customer' };
const TO_FLEX = { network: 'telegram', direction: 'to-flex' };
/** Scraped without a token, as from a network only Prometheus reaches. */
const PUBLIC = { METRICS_PUBLIC: 'true' };

async function scrape(harness: Harness): Promise<string> {
  const res = await fetch(`${harness.app.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  return res.text();
}

async function openChat(harness: Harness) {
  harness.telegram.addUser(ALICE);
  harness.telegram.userSends(ALICE.id, 'Hello');
  const task = await eventually(() => harness.twilio.tasks()[0], 'a Flex task');
  // The task exists a moment before the bridge has seen its routing confirmed and counts the opening.
  await eventually(async () => (await harness.app.store.listMappings())[0]?.status === 'active' || undefined, 'the chat opened');
  return task;
}

describe('/metrics', () => {
  it('counts a conversation: messages each way, Twilio calls, webhooks, open chats', async () => {
    h = await startHarness(PUBLIC);
    const before = await scrape(h);
    expect(sample(before, 'flex_bridge_messages_received_total', { source: 'telegram' })).toBeUndefined();
    expect(sample(before, 'flex_bridge_open_conversations')).toBe(0);
    expect(sample(before, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(before).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');

    const task = await openChat(h);
    const sent = h.twilio.agentSend(task.conversationSid, 'Hi Alice');
    await h.telegram.waitForMessages(ALICE.id, 1);
    await h.twilio.redeliver(sent.sid);
    await h.twilio.sendForgedWebhook(task.conversationSid);

    const after = await eventually(async () => {
      const text = await scrape(h);
      return sample(text, 'flex_bridge_deliveries_total', { ...CUSTOMER, outcome: 'delivered' }) === 1 ? text : undefined;
    }, 'the agent message to be counted');
    expect(sample(after, 'flex_bridge_messages_received_total', { source: 'telegram' })).toBe(1);
    expect(sample(after, 'flex_bridge_messages_received_total', { source: 'flex' })).toBe(1);
    expect(sample(after, 'flex_bridge_duplicates_dropped_total', { source: 'flex' })).toBe(1);
    expect(sample(after, 'flex_bridge_deliveries_total', { ...TO_FLEX, outcome: 'delivered' })).toBe(1);
    expect(sample(after, 'flex_bridge_delivery_duration_seconds_count', { ...TO_FLEX, outcome: 'delivered' })).toBe(1);
    // Opening a chat: create, participant, webhook, first message; then the Interaction, and reading its channel back until it is live.
    expect(sample(after, 'flex_bridge_upstream_request_duration_seconds_count', { api: 'conversations.twilio.com', status: '201' })).toBe(4);
    expect(sample(after, 'flex_bridge_upstream_request_duration_seconds_count', { api: 'flex-api.twilio.com', status: '200' })).toBeGreaterThanOrEqual(2);
    const route = '/flex/conversations/events';
    // The agent joining (onParticipantAdded), the agent's message, and that message again.
    expect(sample(after, 'flex_bridge_http_requests_total', { method: 'POST', route, status: '200' })).toBe(3);
    expect(sample(after, 'flex_bridge_http_requests_total', { method: 'POST', route, status: '403' })).toBe(1);
    expect(sample(after, 'flex_bridge_http_request_duration_seconds_count', { method: 'POST', route })).toBe(4);
    expect(sample(after, 'flex_bridge_webhook_signature_rejections_total', { source: 'twilio' })).toBe(1);
    expect(sample(after, 'flex_bridge_open_conversations')).toBe(1);
    expect(sample(after, 'flex_bridge_outbox_rows', { status: 'pending' })).toBe(0);
    expect(sample(after, 'flex_bridge_chats_opened_total', { network: 'telegram' })).toBe(1);
    expect(sample(after, 'flex_bridge_adapter_ready', { network: 'telegram' })).toBe(1);
    expect(sample(after, 'flex_bridge_intake_leader')).toBe(1);

    h.twilio.endChat(task.conversationSid);
    const ended = await eventually(async () => {
      const text = await scrape(h);
      return sample(text, 'flex_bridge_chats_ended_total', { network: 'telegram', reason: 'ended-in-flex' }) === 1 ? text : undefined;
    }, 'the ended chat to be counted');
    expect(sample(ended, 'flex_bridge_open_conversations')).toBe(0);
  });

  it('reads an adapter that cannot work as not ready', async () => {
    h = await startHarness(PUBLIC);
    expect(sample(await scrape(h), 'flex_bridge_adapter_ready', { network: 'telegram' })).toBe(1);
    h.telegram.failNext({ method: 'getUpdates', error_code: 401 });
    h.telegram.addUser(ALICE);
    h.telegram.userSends(ALICE.id, 'ends the long poll that is waiting, so the next one meets the 401');
    await eventually(async () => sample(await scrape(h), 'flex_bridge_adapter_ready', { network: 'telegram' }) === 0, 'the adapter to read not ready');
  });

  it('counts retries, dead letters and what waits in the outbox', async () => {
    h = await startHarness(PUBLIC);
    const task = await openChat(h);
    h.twilio.failNext({ host: 'conversations.twilio.com', method: 'POST', path: `/v1/Conversations/${task.conversationSid}/Messages`, status: 503 });
    h.telegram.userSends(ALICE.id, 'second');
    await eventually(() => h.twilio.messages(task.conversationSid).length === 2, 'the retried message in Flex');

    h.telegram.failNext({ method: 'sendMessage', error_code: 429, retry_after: 60 });
    h.twilio.agentSend(task.conversationSid, 'waits out a long flood limit');
    const waiting = await eventually(async () => {
      const text = await scrape(h);
      return sample(text, 'flex_bridge_deliveries_total', { ...CUSTOMER, outcome: 'retried' }) === 1 ? text : undefined;
    }, 'the flood-limited reply to be retried later');
    expect(sample(waiting, 'flex_bridge_deliveries_total', { ...TO_FLEX, outcome: 'retried' })).toBe(1);
    expect(sample(waiting, 'flex_bridge_deliveries_total', { ...TO_FLEX, outcome: 'delivered' })).toBe(2);
    expect(sample(waiting, 'flex_bridge_upstream_request_duration_seconds_count', { api: 'conversations.twilio.com', status: '503' })).toBe(1);
    expect(sample(waiting, 'flex_bridge_outbox_rows', { status: 'pending' })).toBe(1);
    expect(sample(waiting, 'flex_bridge_outbox_oldest_pending_age_seconds')).toBeGreaterThan(0);

    h.telegram.blockBot(ALICE.id, true);
    const [row] = await h.app.store.listOutbox({ status: 'pending' });
    await h.app.store.retryLater(row!.id, Date.now(), 'made due by the test', false);
    h.app.worker.wake();
    const dead = await eventually(async () => {
      const text = await scrape(h);
      return sample(text, 'flex_bridge_deliveries_total', { ...CUSTOMER, outcome: 'dead-lettered' }) === 1 ? text : undefined;
    }, 'the reply to be dead-lettered');
    expect(sample(dead, 'flex_bridge_outbox_rows', { status: 'dead' })).toBe(1);
  });

  it('refuses every scrape when neither METRICS_TOKEN nor METRICS_PUBLIC is set', async () => {
    h = await startHarness();
    const res = await fetch(`${h.app.url}/metrics`);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'metrics are closed: set METRICS_TOKEN, or METRICS_PUBLIC=true' });
  });

  it('asks for the bearer token when METRICS_TOKEN is set', async () => {
    const token = 'metrics-token-for-the-test';
    h = await startHarness({ METRICS_TOKEN: token });
    const url = `${h.app.url}/metrics`;

    const missing = await fetch(url);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Basic ${token}` } })).status).toBe(401);
    const allowed = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('flex_bridge_open_conversations 0');
  });
});
