import type { CustomerNetwork } from './customer-network.js';
import { blockedFlowId, inboundFlowId } from './flow-ids.js';
import type { Trace } from './trace.js';

export const networkName = (network: string) => network.charAt(0).toUpperCase() + network.slice(1);

export interface CustomerNetworkTraceOptions {
  readonly handleOf: (network: string, userId: string) => string;
  /** What the bot answers to /start itself (TELEGRAM_GREETING, in each language it speaks). */
  readonly greetings: readonly string[];
}

/**
 * The customers' end of the trace: a message a customer sends starts an inbound flow; a message the
 * bot sends them is the last hop of the agent's message it carries, or the bot's own answer to /start;
 * a customer blocking the bot is a flow of its own.
 */
export function traceCustomerNetworks(trace: Trace, networks: readonly CustomerNetwork[], opts: CustomerNetworkTraceOptions): void {
  for (const net of networks) {
    const chip = networkName(net.network);
    net.onCustomerMessage(({ userId, externalMessageId, text, detail }) => {
      const subject = opts.handleOf(net.network, userId);
      trace.start(
        { id: inboundFlowId(net.network, externalMessageId), kind: 'inbound', subject, title: `${subject} → agent`, text },
        { stage: 'network', chip, label: `the customer sent it: ${detail}`, status: 'ok' },
      );
    });

    net.onBotMessage(({ userId, text }) => {
      const subject = opts.handleOf(net.network, userId);
      // The bot's message carries no Twilio id; it is the oldest agent message to this customer with this text still under way.
      const flow = trace.oldestActive((f) => f.kind === 'outbound' && f.subject === subject && f.text === text);
      if (flow) {
        trace.hop(flow.id, { stage: 'network', chip, label: "the bot's message arrived in the customer's chat", status: 'ok' });
        return;
      }
      if (!opts.greetings.includes(text)) return;
      // The bridge stores every message it forwards at once; /start it answers with the greeting and never forwards.
      const command = trace.oldestActive((f) => f.kind === 'inbound' && f.subject === subject && !f.hops.some((hop) => hop.stage === 'stored'));
      if (!command) return;
      trace.recast(command.id, { kind: 'command', title: `${subject} → bot` });
      const payload = /^\/start\s+([A-Za-z0-9_-]{1,64})$/.exec(command.text)?.[1];
      const label = payload
        ? `the bot answered with its greeting (once, through the outbox): /start is for the bot; its deep-link payload goes to Flex with the customer's next chat, as the task's startPayload "${payload}"`
        : 'the bot answered with its greeting (once, through the outbox): /start is for the bot, nothing is sent to Flex';
      trace.hop(command.id, { stage: 'network', chip, label, status: 'ok' }, 'done');
    });

    net.blocking?.onChange(({ userId, blocked, eventId, detail }) => {
      if (!blocked) return;
      const subject = opts.handleOf(net.network, userId);
      const label = `the customer blocked the bot: ${detail}. The bridge has nothing to do yet; it learns when ${chip} refuses its next message`;
      trace.start(
        { id: blockedFlowId(net.network, eventId), kind: 'blocked', subject, title: `${subject} blocked the bot`, text: '' },
        { stage: 'network', chip, label, status: 'ok' },
        'done',
      );
    });
  }
}
