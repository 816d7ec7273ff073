import type { AppObserver } from '../../../src/index.js';
import { inboundFlowId, noticeFlowId, outboundFlowId } from './flow-ids.js';
import type { Trace } from './trace.js';
import { networkName } from './trace-networks.js';

type Outcome = 'delivered' | 'retried' | 'postponed' | 'dead-lettered';

/** The bridge's own part of the trace: storing a customer message, and each outbox delivery's outcome. */
export function traceBridge(trace: Trace): AppObserver {
  return {
    onCustomerMessage(msg, acceptance) {
      const id = inboundFlowId(msg.network, msg.externalMessageId);
      if (acceptance === 'duplicate') {
        const label = 'the bridge has seen it before: dropped as a duplicate';
        trace.hop(id, { stage: 'stored', chip: 'stored', label, status: 'ok' }, 'done');
        return;
      }
      if (acceptance === 'quarantined') {
        const label = 'could not be stored however often it was offered: kept aside for an operator (flex-bridge quarantine)';
        trace.hop(id, { stage: 'stored', chip: 'quarantined', label, status: 'error' }, 'failed');
        return;
      }
      if (acceptance === 'survey') {
        const label = 'an answer to the satisfaction survey: stored for Flex reporting, not passed to a chat';
        trace.hop(id, { stage: 'stored', chip: 'survey', label, status: 'ok' }, 'done');
        return;
      }
      if (acceptance === 'limited') {
        const label = 'over the limit of what one customer may send: not passed on, and the customer is told';
        trace.hop(id, { stage: 'stored', chip: 'limited', label, status: 'error' }, 'failed');
        return;
      }
      const label = 'the bridge saved it in its outbox (SQLite): from here it cannot be lost';
      trace.hop(id, { stage: 'stored', chip: 'stored', label, status: 'ok' });
    },
    onOutcome(row, outcome, ms) {
      const { payload } = row;
      const attempt = row.attempts + 1;
      const onAttempt = attempt > 1 ? ` on attempt ${attempt}` : '';
      switch (payload.kind) {
        case 'customer-message':
          return hopOutcome(trace, inboundFlowId(payload.message.network, payload.message.externalMessageId), outcome, {
            delivered: `outbox row done: posted to Flex in ${Math.round(ms)} ms${onAttempt}`,
            retried: `attempt ${attempt} failed: the message stays in the outbox and is retried after Retry-After`,
            deadLettered: `gave up after ${attempt} attempts: dead-lettered with the reason, not lost`,
          });
        case 'agent-message': {
          const network = networkName(payload.to.network);
          return hopOutcome(trace, outboundFlowId(payload.messageSid), outcome, {
            delivered: `outbox row done: sent through the ${network} API in ${Math.round(ms)} ms${onAttempt}`,
            retried: `${network} refused attempt ${attempt}: the reply stays in the outbox and is retried`,
            deadLettered: `gave up on attempt ${attempt}: ${network} would not take it, so it is dead-lettered and the bridge tells the agent in the chat`,
          });
        }
        case 'notice':
          return hopOutcome(trace, noticeFlowId(row.id), outcome, {
            delivered: `outbox row done: notice posted to Flex in ${Math.round(ms)} ms`,
            retried: `posting the notice failed: retried`,
            deadLettered: `could not post the notice`,
          });
        case 'customer-notice':
        case 'close-chat':
        case 'transcript':
        case 'survey-result':
          return;
      }
    },
  };
}

function hopOutcome(
  trace: Trace,
  flowId: string,
  outcome: Outcome,
  labels: { delivered: string; retried: string; deadLettered: string },
): void {
  if (outcome === 'delivered') trace.hop(flowId, { stage: 'delivered', chip: 'delivered', label: labels.delivered, status: 'ok' }, 'done');
  else if (outcome === 'retried') trace.hop(flowId, { stage: 'delivered', chip: 'retry', label: labels.retried, status: 'retry' });
  else if (outcome === 'postponed') {
    const label = 'waits its turn: new chats are over NEW_CHATS_PER_MINUTE (no attempt used)';
    trace.hop(flowId, { stage: 'delivered', chip: 'waits', label, status: 'retry' });
  }
  else trace.hop(flowId, { stage: 'delivered', chip: 'dead letter', label: labels.deadLettered, status: 'error' }, 'failed');
}
