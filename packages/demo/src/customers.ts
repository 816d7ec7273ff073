import { handleOf } from '../../../src/index.js';
import type { CustomerNetwork, NewPerson } from './customer-network.js';
import type { FileShelf, NewFile } from './files.js';
import { ConsoleRequestError } from './request-error.js';
import type { ButtonView, ChatLine, CustomerView, Network } from './views.js';

type Person = Omit<NewPerson, 'userId'>;

/** Who the console plays, in the order "add customer" brings them in. */
const CAST: Record<Network, readonly Person[]> = {
  telegram: [
    { username: 'maria', firstName: 'Maria', lastName: 'López', language: 'en' },
    { username: 'tom', firstName: 'Tom', lastName: 'Becker', language: 'de' },
    { username: 'aiko', firstName: 'Aiko', lastName: 'Tanaka', language: 'ja' },
  ],
  discord: [
    { username: 'sam', firstName: 'Sam', lastName: 'Okafor' },
    { username: 'lena', firstName: 'Lena', lastName: 'Fischer' },
    { username: 'ravi', firstName: 'Ravi', lastName: 'Patel' },
  ],
};

/** Telegram ids above 2^32 and Discord snowflakes, as the real networks hand out. */
const FIRST_USER_ID: Record<Network, bigint> = { telegram: 5_012_345_678n, discord: 412_345_678_901_234_567n };

interface Customer {
  readonly view: Omit<CustomerView, 'lines' | 'blocked'>;
  readonly lines: ChatLine[];
  blocked: boolean;
}

/** The customers on the emulated networks and what each sees in their chat with the bot. */
export class CustomerDirectory {
  private readonly networks: ReadonlyMap<Network, CustomerNetwork>;
  private readonly customers = new Map<string, Customer>();
  private readonly added = new Map<Network, number>();

  constructor(
    networks: readonly CustomerNetwork[],
    private readonly shelf: FileShelf,
    private readonly onChange: (customer: CustomerView) => void,
  ) {
    this.networks = new Map(networks.map((n) => [n.network, n]));
    for (const network of networks) {
      network.onBotMessage(({ userId, text, files, inReplyTo, messageId, buttons }) =>
        this.append(`${network.network}-${userId}`, {
          from: 'bot',
          text,
          files: files.map((f) => shelf.shelve(f)),
          at: Date.now(),
          ...(inReplyTo !== undefined && { inReplyTo }),
          messageId,
          buttons,
        }),
      );
      network.onButtonsChanged(({ userId, messageId, buttons }) => this.setButtons(`${network.network}-${userId}`, messageId, buttons));
      network.blocking?.onChange(({ userId, blocked }) => this.setBlocked(`${network.network}-${userId}`, blocked));
    }
  }

  get networkNames(): Network[] {
    return [...this.networks.keys()];
  }

  /** The next person of the cast on `network`; past the cast, numbered ones. */
  add(network: Network): CustomerView {
    const net = this.networks.get(network);
    if (!net) throw new ConsoleRequestError(404, `the ${network} emulator is not running in this demo`);
    const index = this.added.get(network) ?? 0;
    this.added.set(network, index + 1);
    const person = CAST[network][index] ?? { username: `${network}_user${index + 1}`, firstName: 'Customer', lastName: String(index + 1) };
    const userId = String(FIRST_USER_ID[network] + BigInt(index));
    const displayName = net.addPerson({ ...person, userId });
    const handle = handleOf({ network, externalUserId: userId, username: person.username });
    const view = { id: `${network}-${userId}`, network, userId, handle, displayName };
    this.customers.set(view.id, { view, lines: [], blocked: false });
    const shown = this.view(view.id);
    this.onChange(shown);
    return shown;
  }

  send(customerId: string, text: string): void {
    const customer = this.require(customerId);
    this.networks.get(customer.view.network)?.send(customer.view.userId, text);
    this.append(customerId, { from: 'customer', text, files: [], at: Date.now() });
  }

  sendFile(customerId: string, file: NewFile): void {
    const customer = this.require(customerId);
    const sent = this.networks.get(customer.view.network)?.sendFile(customer.view.userId, file) ?? [];
    this.append(customerId, { from: 'customer', text: file.caption ?? '', files: sent.map((f) => this.shelf.shelve(f)), at: Date.now() });
  }

  /** The customer presses a button under one of the bot's messages. */
  press(customerId: string, messageId: string, data: string): void {
    const { view } = this.require(customerId);
    this.networks.get(view.network)?.press(view.userId, messageId, data);
  }

  /** The customer blocks the bot, where their network lets the console play that; writing again unblocks it. */
  blockBot(customerId: string): void {
    const { view } = this.require(customerId);
    const blocking = this.networks.get(view.network)?.blocking;
    if (!blocking) throw new ConsoleRequestError(409, `a ${view.network} customer cannot block the bot in this demo: try a Telegram customer`);
    blocking.block(view.userId);
  }

  list(): CustomerView[] {
    return [...this.customers.keys()].map((id) => this.view(id));
  }

  private append(customerId: string, line: ChatLine): void {
    const customer = this.customers.get(customerId);
    if (!customer) return;
    customer.lines.push(line);
    this.onChange(this.view(customerId));
  }

  private setButtons(customerId: string, messageId: string, buttons: readonly ButtonView[]): void {
    const customer = this.customers.get(customerId);
    const index = customer?.lines.findIndex((line) => line.from === 'bot' && line.messageId === messageId) ?? -1;
    if (!customer || index < 0) return;
    customer.lines[index] = { ...(customer.lines[index] as ChatLine), buttons };
    this.onChange(this.view(customerId));
  }

  private setBlocked(customerId: string, blocked: boolean): void {
    const customer = this.customers.get(customerId);
    if (!customer) return;
    customer.blocked = blocked;
    this.onChange(this.view(customerId));
  }

  private view(customerId: string): CustomerView {
    const { view, lines, blocked } = this.require(customerId);
    return { ...view, blocked, lines: [...lines] };
  }

  private require(customerId: string): Customer {
    const customer = this.customers.get(customerId);
    if (!customer) throw new ConsoleRequestError(404, `no customer ${customerId}`);
    return customer;
  }
}

