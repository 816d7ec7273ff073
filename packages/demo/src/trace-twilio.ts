import type { WebhookDelivery } from '@flex-bridge/emulators';
import { flexBridgeIdOf } from './flex-attributes.js';
import type { FlexSide } from './flex-side.js';
import { endedFlowId, forgedFlowId, inboundFlowIdOfBridgeId, noticeFlowId, noticeOutboxId, outboundFlowId, shortSid } from './flow-ids.js';
import type { Trace } from './trace.js';
import type { Hop } from './views.js';

/**
 * Flex's part of the trace, from what the Twilio emulator reports: messages landing in a chat, tasks
 * created, the agent's messages and "end chat", and each webhook Twilio sends the bridge with the
 * status the bridge answered.
 */
export function traceTwilio(trace: Trace, flex: FlexSide): void {
  /** Each chat's latest customer message, which is the one that opened it when Flex makes the task. */
  const latestInbound = new Map<string, string>();
  const handleOf = (chatSid: string) => flex.handleOf(chatSid) ?? shortSid(chatSid);

  flex.onMessage((message) => {
    const chat = shortSid(message.chatSid);
    const bridgeId = flexBridgeIdOf(message.attributes);
    if (bridgeId === undefined) {
      const subject = handleOf(message.chatSid);
      trace.start(
        { id: outboundFlowId(message.sid), kind: 'outbound', subject, title: `agent → ${subject}`, text: message.body },
        { stage: 'flex', chip: 'Flex', label: `${message.author} wrote in chat ${chat}`, status: 'ok' },
      );
      return;
    }
    const outboxId = noticeOutboxId(bridgeId);
    if (outboxId === undefined) {
      const flowId = inboundFlowIdOfBridgeId(bridgeId);
      latestInbound.set(message.chatSid, flowId);
      trace.hop(flowId, { stage: 'flex', chip: 'Flex', label: `the bridge added it to chat ${chat}`, status: 'ok' });
      return;
    }
    const subject = handleOf(message.chatSid);
    trace.start(
      { id: noticeFlowId(outboxId), kind: 'notice', subject, title: `bridge → agent about ${subject}`, text: message.body },
      { stage: 'flex', chip: 'Flex', label: `the bridge told the agent in chat ${chat}`, status: 'ok' },
    );
  });

  flex.onTask((task) => {
    // Tasks are reported when created (pending) and on each change; only creation is a hop.
    if (task.status !== 'pending') return;
    const flowId = latestInbound.get(task.chatSid);
    const label = `Flex made a task named “${task.handle}”; it waits for an agent`;
    if (flowId) trace.hop(flowId, { stage: 'flex', chip: 'Flex', label, status: 'ok' });
  });

  flex.onChatEnded((chatSid, how) => {
    const subject = handleOf(chatSid);
    trace.start(
      { id: endedFlowId(chatSid), kind: 'ended', subject, title: `chat with ${subject} ended`, text: '' },
      { stage: 'flex', chip: 'Flex', label: `the agent ended the chat: ${how}`, status: 'ok' },
    );
  });

  flex.onWebhook((delivery, topic) => {
    if (delivery.forged) {
      const subject = handleOf(delivery.conversationSid);
      const refused = delivery.statusCode === 403;
      const title = `forged webhook into ${subject}'s chat`;
      trace.start(
        { id: forgedFlowId(delivery.id), kind: 'forged', subject, title, text: delivery.params.Body ?? '' },
        webhookHop(delivery, refused ? 'refused, nothing stored and nothing sent to the customer' : 'ACCEPTED although the signature is wrong'),
        refused ? 'done' : 'failed',
      );
      return;
    }
    if (topic === 'agent-message' && delivery.messageSid) {
      const hop = webhookHop(delivery, 'stored for the customer');
      trace.hop(outboundFlowId(delivery.messageSid), hop, hop.status === 'ok' ? undefined : 'failed');
    }
    if (topic === 'chat-ended') {
      const hop = webhookHop(delivery, "the bridge ended the mapping: the customer's next message opens a new chat");
      trace.hop(endedFlowId(delivery.conversationSid), hop, hop.status === 'ok' ? 'done' : 'failed');
    }
  });
}

/** What the bridge answered a webhook, and what that means when it is 200. */
function webhookHop(delivery: WebhookDelivery, meaning: string): Omit<Hop, 'at'> {
  const sent = `Twilio → bridge: ${delivery.eventType}${delivery.forged ? ' signed with a wrong key' : ''}`;
  if (delivery.statusCode === null) {
    const label = `${sent}: no answer from the bridge (${delivery.error ?? 'unknown error'})`;
    return { stage: 'webhook', chip: 'webhook', label, status: 'error' };
  }
  const answered = `${sent}, answered ${delivery.statusCode} in ${delivery.durationMs ?? 0} ms`;
  // A forged webhook is an error whatever the bridge answered; the label says what it did about it.
  if (delivery.forged) return { stage: 'webhook', chip: 'webhook', label: `${answered}: ${meaning}`, status: 'error' };
  const ok = delivery.statusCode === 200;
  return { stage: 'webhook', chip: 'webhook', label: ok ? `${answered}: ${meaning}` : answered, status: ok ? 'ok' : 'error' };
}
