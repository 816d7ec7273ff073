import { Client, Events, GatewayIntentBits, Partials, REST, type ClientEvents, type RESTOptions } from 'discord.js';
import { DiscordEmulator, type DiscordEmulatorOptions } from '../../src/discord/emulator.js';

export const TOKEN = 'emulator-test-token-0123456789';
export const ALICE = { id: '1100000000000000001', username: 'alice', global_name: 'Alice' } as const;
export const BOB = { id: '1100000000000000002', username: 'bob' } as const;

/** Tracks what a test started, so afterEach can destroy clients and stop emulators. */
export class Rig {
  private readonly clients: Client[] = [];
  private readonly emulators: DiscordEmulator[] = [];

  async emulator(options: Partial<DiscordEmulatorOptions> = {}): Promise<DiscordEmulator> {
    const emulator = new DiscordEmulator({ token: TOKEN, ...options });
    this.emulators.push(emulator);
    await emulator.start();
    return emulator;
  }

  /**
   * A DM bot client whose `rest.api` points at the emulator (https://discord.js.org/docs/packages/discord.js/stable/ClientOptions:Interface);
   * re-IDENTIFY is not throttled so tests stay fast.
   */
  client(emulator: DiscordEmulator, intents: number[] = [GatewayIntentBits.DirectMessages]): Client {
    const client = new Client({
      intents,
      partials: [Partials.Channel],
      rest: { api: emulator.restBaseUrl },
      ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) },
    });
    this.clients.push(client);
    return client;
  }

  async loggedIn(emulator: DiscordEmulator, intents?: number[]): Promise<Client> {
    const client = this.client(emulator, intents);
    const ready = nextEvent(client, Events.ClientReady);
    await client.login(TOKEN);
    await ready;
    return client;
  }

  /** Stops everything; fails the test when an emulator answered in a shape Discord's OpenAPI definition refuses. */
  async tearDown(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((client) => client.destroy()));
    const emulators = this.emulators.splice(0);
    await Promise.all(emulators.map((emulator) => emulator.stop()));
    const wrongAnswers = emulators.flatMap((emulator) => emulator.contractViolations.filter((violation) => violation.kind === 'invalid response'));
    if (wrongAnswers.length > 0) throw new Error(`answers Discord's OpenAPI definition refuses: ${JSON.stringify(wrongAnswers)}`);
  }
}

export function rest(emulator: DiscordEmulator, options: Partial<RESTOptions> = {}, token = TOKEN): REST {
  return new REST({ api: emulator.restBaseUrl, ...options }).setToken(token);
}

/** The next `event` from the client whose arguments pass `accept`. */
export function nextEvent<E extends keyof ClientEvents>(
  client: Client,
  event: E,
  accept: (...args: ClientEvents[E]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<ClientEvents[E]> {
  return new Promise((resolve, reject) => {
    const listener = (...args: ClientEvents[E]) => {
      if (!accept(...args)) return;
      clearTimeout(timer);
      client.off(event, listener);
      resolve(args);
    };
    const timer = setTimeout(() => {
      client.off(event, listener);
      reject(new Error(`timed out waiting for ${String(event)}`));
    }, timeoutMs);
    client.on(event, listener);
  });
}
