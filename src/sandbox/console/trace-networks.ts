import type { CustomerNetwork } from './customer-network.js';
import { inboundFlowId } from './flow-ids.js';
import type { Trace } from './trace.js';

export const networkName = (network: string) => network.charAt(0).toUpperCase() + network.slice(1);

/**
 * The customers' end of the trace: a message a customer sends starts an inbound flow; a message the
 * bot sends them is the last hop of the agent's message it carries.
 */
export function traceCustomerNetworks(
  trace: Trace,
  networks: readonly CustomerNetwork[],
  handleOf: (network: string, userId: string) => string,
): void {
  for (const net of networks) {
    const chip = networkName(net.network);
    net.onCustomerMessage(({ userId, externalMessageId, text, detail }) => {
      const subject = handleOf(net.network, userId);
      trace.start(
        { id: inboundFlowId(net.network, externalMessageId), kind: 'inbound', subject, title: `${subject} → agent`, text },
        { stage: 'network', chip, label: `the customer sent it: ${detail}`, status: 'ok' },
      );
    });
    net.onBotMessage(({ userId, text }) => {
      const subject = handleOf(net.network, userId);
      // The bot's message carries no Twilio id; it is the oldest agent message to this customer with this text still under way.
      const flow = trace.oldestActive((f) => f.kind === 'outbound' && f.subject === subject && f.text === text);
      if (flow) trace.hop(flow.id, { stage: 'network', chip, label: "the bot's message arrived in the customer's chat", status: 'ok' });
    });
  }
}
