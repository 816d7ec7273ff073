import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { SANDBOX_CREDENTIALS, startSandbox, twilioSignature } from '@flex-bridge/emulators';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createScratchSchema } from '../scale/scratch-schema.js';
import { startHarness, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

const ALICE = { id: 5012345678, username: 'alice', first_name: 'Alice' };
const SECRET_TEXT = 'my card number is 4111 1111 1111 1111';

beforeAll(() => {
  provider.register();
});
afterAll(async () => {
  await provider.shutdown();
});

const spans = () => exporter.getFinishedSpans();
const named = (name: string, where: (s: ReadableSpan) => boolean = () => true) =>
  eventually(() => spans().find((s) => s.name === name && where(s)), `a finished "${name}" span`);
const childrenOf = (parent: ReadableSpan) => spans().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);
const isChildOf = (child: ReadableSpan, parent: ReadableSpan) =>
  child.spanContext().traceId === parent.spanContext().traceId && child.parentSpanContext?.spanId === parent.spanContext().spanId;

/** Nothing a span carries may be message text or a credential. */
function expectNothingSecret(): void {
  const carried = JSON.stringify(spans().map((s) => [s.name, s.attributes, s.status, s.events]));
  for (const secret of [SECRET_TEXT, SANDBOX_CREDENTIALS.authToken, SANDBOX_CREDENTIALS.telegramToken]) expect(carried).not.toContain(secret);
}

describe('tracing (OpenTelemetry, in-memory exporter)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
    exporter.reset();
  });

  it('follows a customer message from Telegram intake through the store and the outbox to its Flex posts', async () => {
    h = await startHarness();
    h.telegram.addUser(ALICE);
    const first = h.telegram.userSends(ALICE.id, SECRET_TEXT);
    const task = await eventually(() => h!.twilio.tasks()[0], 'a Flex task');
    const second = h.telegram.userSends(ALICE.id, 'and one more');
    await eventually(() => h!.twilio.messages(task.conversationSid).length === 2, 'both messages in Flex');

    const receive = await named('receive telegram message', (s) => s.attributes['messaging.message.id'] === `${ALICE.id}:${first.message_id}`);
    expect(receive.parentSpanContext).toBeUndefined();
    expect(receive.attributes['messaging.system']).toBe('telegram');
    expect(childrenOf(receive).map((s) => s.name)).toContain('store accept');
    const deliver = await named('deliver customer-message', (s) => isChildOf(s, receive));
    expect(deliver.attributes['flex_bridge.outbox.attempt']).toBe(1);
    const open = await named('flex open chat', (s) => isChildOf(s, deliver));
    expect(open.attributes['flex_bridge.flex.conversation_sid']).toBe(task.conversationSid);
    const calls = childrenOf(open).filter((s) => s.name === 'POST conversations.twilio.com');
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => String(c.attributes['url.path']).startsWith('/v1/Conversations'))).toBe(true);

    // The next message of the chat: its own trace, posted into the open chat.
    const receiveSecond = await named('receive telegram message', (s) => s.attributes['messaging.message.id'] === `${ALICE.id}:${second.message_id}`);
    expect(receiveSecond.spanContext().traceId).not.toBe(receive.spanContext().traceId);
    const deliverSecond = await named('deliver customer-message', (s) => isChildOf(s, receiveSecond));
    const post = await named('flex post message', (s) => isChildOf(s, deliverSecond));
    expect(post.attributes).toMatchObject({ 'flex_bridge.flex.conversation_sid': task.conversationSid, 'flex_bridge.flex.message_index': 1 });
    expect(childrenOf(post).map((s) => [s.name, s.attributes['http.response.status_code']])).toContainEqual(['POST conversations.twilio.com', 201]);
    expectNothingSecret();
  });

  it('follows an agent reply from the Flex webhook through the store and the outbox to the Telegram send', async () => {
    h = await startHarness();
    h.telegram.addUser(ALICE);
    h.telegram.userSends(ALICE.id, 'Hello');
    const task = await eventually(() => h!.twilio.tasks()[0], 'a Flex task');
    const sent = h.twilio.agentSend(task.conversationSid, SECRET_TEXT);
    const [reply] = await h.telegram.waitForMessages(ALICE.id, 1);

    const receive = await named('receive flex message', (s) => s.attributes['flex_bridge.flex.message_sid'] === sent.sid);
    expect(receive.attributes['flex_bridge.flex.conversation_sid']).toBe(task.conversationSid);
    const webhook = spans().find((s) => s.spanContext().spanId === receive.parentSpanContext?.spanId);
    expect(webhook?.name).toBe('POST /flex/conversations/events');
    expect(webhook?.parentSpanContext).toBeUndefined();
    expect(childrenOf(receive).map((s) => s.name)).toContain('store accept');
    const deliver = await named('deliver agent-message', (s) => isChildOf(s, receive));
    const send = await named('telegram send', (s) => isChildOf(s, deliver));
    expect(send.attributes).toMatchObject({ 'messaging.system': 'telegram', 'messaging.message.id': String(reply!.message_id), 'flex_bridge.flex.message_sid': sent.sid });
    expectNothingSecret();
  });

  it('continues the trace a webhook request brings in its traceparent header', async () => {
    h = await startHarness();
    const url = `${h.config.PUBLIC_BASE_URL}/flex/conversations/events`;
    const params = { EventType: 'onConversationStateUpdated', ConversationSid: `CH${'a'.repeat(32)}`, StateTo: 'active' };
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(SANDBOX_CREDENTIALS.authToken, url, params),
        traceparent: `00-${traceId}-${parentId}-01`,
      },
      body: new URLSearchParams(params).toString(),
    });
    expect(res.status).toBe(200);
    const webhook = await named('POST /flex/conversations/events');
    expect(webhook.spanContext().traceId).toBe(traceId);
    expect(webhook.parentSpanContext?.spanId).toBe(parentId);
  });

  it('keeps one trace when one bridge stores a message and another, sharing PostgreSQL, delivers it', async () => {
    const schema = await createScratchSchema('tracing');
    const box = await startSandbox();
    const receiving = await startHarness({ DATABASE_URL: schema.url }, box);
    const delivering = await startHarness({ DATABASE_URL: schema.url }, box).catch(async (err: unknown) => {
      await receiving.stop();
      throw err;
    });
    try {
      // Only the second bridge claims outbox rows; the first only takes messages in (it is the leader).
      await receiving.app.worker.stop(0);
      await eventually(async () => {
        const body = (await (await fetch(`${receiving.app.url}/readyz`)).json()) as { role?: string };
        return body.role === 'leader';
      }, 'the first bridge leading intake');
      box.telegram.addUser(ALICE);
      const sent = box.telegram.userSends(ALICE.id, SECRET_TEXT);
      await eventually(() => box.twilio.tasks()[0], 'a Flex task');

      const receive = await named('receive telegram message', (s) => s.attributes['messaging.message.id'] === `${ALICE.id}:${sent.message_id}`);
      const deliver = await named('deliver customer-message', (s) => isChildOf(s, receive));
      // The first bridge's worker never ran after the message came, so the row's trace crossed the database.
      expect(receiving.app.worker.busy).toBe(0);
      expect(deliver.spanContext().traceId).toBe(receive.spanContext().traceId);
      expectNothingSecret();
    } finally {
      await delivering.app.stop(1000);
      await receiving.app.stop(1000);
      await box.stop();
      await schema.drop();
    }
  });
});
