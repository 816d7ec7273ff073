import type { AppObserver } from '../../../src/index.js';
import type { TwilioEmulator } from '@flex-bridge/emulators';
import type { AgentActions } from './agent-actions.js';
import type { CustomerNetwork } from './customer-network.js';
import { CustomerDirectory } from './customers.js';
import type { DemoHours } from './demo-hours.js';
import { DemoFaults } from './faults.js';
import { FileShelf } from './files.js';
import { FlexDesk } from './flex-desk.js';
import type { FlexSide } from './flex-side.js';
import { Trace } from './trace.js';
import { traceBridge } from './trace-bridge.js';
import { traceMcs } from './trace-mcs.js';
import { traceCustomerNetworks } from './trace-networks.js';
import { traceTwilio } from './trace-twilio.js';
import type { ConsoleSnapshot, ConsoleUpdate } from './views.js';

export interface DemoConsoleOptions {
  readonly bridgeUrl: string;
  readonly bridgeIdentity: string;
  readonly agentIdentity: string;
  /** What the bot answers to /start (TELEGRAM_GREETING). */
  /** What the bot answers to /start, in each language it speaks. */
  readonly greetings: readonly string[];
  readonly twilio: TwilioEmulator;
  /** Flex in the bridge's FLEX_MODE. */
  readonly flex: FlexSide;
  readonly networks: readonly CustomerNetwork[];
  /** The clock the bridge judges business hours by, and the console's switch for it. */
  readonly hours: DemoHours;
  /** Where live updates go (the page's event stream). */
  readonly publish: (update: ConsoleUpdate) => void;
}

/**
 * Everything the console shows and does for one running bridge, without HTTP: the customers, the
 * agent's Flex desk, the trace and the fault buttons, kept live from the emulators' events and the
 * bridge's observer.
 */
export class DemoConsole {
  readonly customers: CustomerDirectory;
  readonly desk: FlexDesk;
  readonly faults: DemoFaults;
  readonly hours: DemoHours;
  readonly agent: AgentActions;
  /** The files in the customers' chats and in Flex, for the page to load. */
  readonly files = new FileShelf();
  /** Hand this to startApp: the bridge reports what it stored and delivered. */
  readonly observer: AppObserver;
  private readonly trace: Trace;

  constructor(private readonly opts: DemoConsoleOptions) {
    const { publish } = opts;
    this.agent = opts.flex.agent;
    this.hours = opts.hours;
    this.customers = new CustomerDirectory(opts.networks, this.files, (customer) => publish({ type: 'customer', customer }));
    this.desk = new FlexDesk(opts.flex, opts.bridgeIdentity, this.files, (change) =>
      publish('task' in change ? { type: 'task', task: change.task } : { type: 'chat', chat: change.chat }),
    );
    this.trace = new Trace((flow) => publish({ type: 'flow', flow }));
    this.faults = new DemoFaults(opts.twilio, opts.flex, this.trace, (faults) => publish({ type: 'faults', faults }));
    this.observer = traceBridge(this.trace);
    traceCustomerNetworks(this.trace, opts.networks, { handleOf: (network, userId) => this.handleOf(network, userId), greetings: opts.greetings });
    // Before traceTwilio: a customer's file is uploaded to MCS before its message lands in the chat.
    traceMcs(this.trace, opts.twilio, opts.flex);
    traceTwilio(this.trace, opts.flex);
    for (const network of this.customers.networkNames) this.customers.add(network);
  }

  snapshot(): ConsoleSnapshot {
    return {
      mode: this.opts.flex.mode,
      bridgeUrl: this.opts.bridgeUrl,
      agentIdentity: this.opts.agentIdentity,
      networks: this.customers.networkNames,
      customers: this.customers.list(),
      tasks: this.desk.taskList(),
      chats: this.desk.chatList(),
      flows: this.trace.list(),
      faults: this.faults.view(),
      afterHours: this.hours.closed,
    };
  }

  private handleOf(network: string, userId: string): string {
    return this.customers.list().find((c) => c.network === network && c.userId === userId)?.handle ?? `${network}:${userId}`;
  }
}
