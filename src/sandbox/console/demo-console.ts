import type { AppObserver } from '../../app.js';
import type { TwilioEmulator } from '../twilio/emulator.js';
import { conversationsAgent, type AgentActions } from './agent-actions.js';
import type { CustomerNetwork } from './customer-network.js';
import { CustomerDirectory } from './customers.js';
import { EventStream } from './event-stream.js';
import { DemoFaults } from './faults.js';
import { FlexDesk } from './flex-desk.js';
import { Trace } from './trace.js';
import { traceBridge } from './trace-bridge.js';
import { traceCustomerNetworks } from './trace-networks.js';
import { traceTwilio } from './trace-twilio.js';
import type { ConsoleSnapshot, ConsoleUpdate } from './views.js';

export interface DemoConsoleOptions {
  readonly mode: 'conversations';
  readonly bridgeUrl: string;
  readonly bridgeIdentity: string;
  readonly agentIdentity: string;
  readonly twilio: TwilioEmulator;
  readonly networks: readonly CustomerNetwork[];
}

/**
 * Everything the console shows and does, without HTTP: the customers, the agent's Flex desk, the
 * trace and the fault buttons, kept live from the emulators' events and the bridge's observer.
 */
export class DemoConsole {
  readonly stream = new EventStream();
  readonly customers: CustomerDirectory;
  readonly desk: FlexDesk;
  readonly agent: AgentActions;
  readonly faults: DemoFaults;
  /** Hand this to startApp: the bridge reports what it stored and delivered. */
  readonly observer: AppObserver;
  private readonly trace: Trace;

  constructor(private readonly opts: DemoConsoleOptions) {
    const publish = (update: ConsoleUpdate) => this.stream.broadcast(update);
    this.customers = new CustomerDirectory(opts.networks, (customer) => publish({ type: 'customer', customer }));
    this.desk = new FlexDesk(opts.twilio, opts.bridgeIdentity, (change) =>
      publish('task' in change ? { type: 'task', task: change.task } : { type: 'chat', chat: change.chat }),
    );
    this.agent = conversationsAgent(opts.twilio, opts.agentIdentity);
    this.trace = new Trace((flow) => publish({ type: 'flow', flow }));
    this.faults = new DemoFaults(opts.twilio, this.trace, (faults) => publish({ type: 'faults', faults }));
    this.observer = traceBridge(this.trace);
    traceCustomerNetworks(this.trace, opts.networks, (network, userId) => this.handleOf(network, userId));
    traceTwilio(this.trace, opts.twilio);
    for (const network of this.customers.networkNames) this.customers.add(network);
  }

  snapshot(): ConsoleSnapshot {
    return {
      mode: this.opts.mode,
      bridgeUrl: this.opts.bridgeUrl,
      agentIdentity: this.opts.agentIdentity,
      networks: this.customers.networkNames,
      customers: this.customers.list(),
      tasks: this.desk.taskList(),
      chats: this.desk.chatList(),
      flows: this.trace.list(),
      faults: this.faults.view(),
    };
  }

  private handleOf(network: string, userId: string): string {
    return this.customers.list().find((c) => c.network === network && c.userId === userId)?.handle ?? `${network}:${userId}`;
  }
}
