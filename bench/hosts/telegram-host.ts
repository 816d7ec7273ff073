import { SANDBOX_CREDENTIALS } from '@flex-bridge/emulators';
import { TelegramEmulator } from '@flex-bridge/emulators';
import { serve } from '../rpc.js';
import { burst, benchText, paced, seqOf, Stamps, type LoadSpec } from './load.js';

/**
 * The Telegram side in its own process: one emulated bot for the bridge and one for the relay, their
 * customers writing (customer → agent load) and the receipt of what the bots send (agent → customer).
 */

const RELAY_BOT_TOKEN = '100000002:bench-relay-telegram-token-not-a-secret';

export type Target = 'bridge' | 'relay';

const bots: Record<Target, TelegramEmulator> = {
  bridge: new TelegramEmulator({ token: SANDBOX_CREDENTIALS.telegramToken, recordRequests: false }),
  relay: new TelegramEmulator({ token: RELAY_BOT_TOKEN, botUsername: 'bench_relay_bot', recordRequests: false }),
};
const sent = new Stamps();
const received = new Stamps();
for (const bot of Object.values(bots)) {
  bot.events.on('botMessage', (message) => {
    const seq = seqOf(message.text, 'a');
    if (seq !== undefined) received.mark(seq);
  });
}

const urls = { bridge: await bots.bridge.start(), relay: await bots.relay.start() };

/** Customers `ids` of `target`'s bot write the numbered messages of `spec`, round robin. */
type CustomerLoad = LoadSpec & { readonly target: Target; readonly ids: readonly number[] };

const sender = ({ target, ids }: CustomerLoad) => (i: number, seq: number) => {
  bots[target].userSends(ids[i % ids.length] as number, benchText('c', seq));
};

const api = {
  addCustomers({ target, ids }: { target: Target; ids: readonly number[] }): void {
    for (const id of ids) bots[target].addUser({ id, first_name: 'Customer', last_name: String(id), username: `customer${id}` });
  },
  burst: (load: CustomerLoad) => burst(load, sent, sender(load)),
  paced: (load: CustomerLoad & { ratePerSecond: number }) => paced(load, sent, sender(load)),
  sentTimes: ({ from, to }: { from: number; to: number }) => sent.take(from, to),
  waitReceived: ({ from, to, timeoutMs }: { from: number; to: number; timeoutMs: number }) => received.waitFor(from, to, timeoutMs),
  receivedTimes: ({ from, to }: { from: number; to: number }) => received.take(from, to),
  /** The bridge's bot answers every sendMessage with 502 Bad Gateway while `down`, as Telegram does in an outage. */
  outage({ down }: { down: boolean }): void {
    if (down) bots.bridge.failNext({ method: 'sendMessage', times: Number.MAX_SAFE_INTEGER, error_code: 502 });
    else bots.bridge.clearFaults();
  },
};

export type TelegramHostApi = typeof api;

serve(api, { urls, tokens: { bridge: SANDBOX_CREDENTIALS.telegramToken, relay: RELAY_BOT_TOKEN } });
