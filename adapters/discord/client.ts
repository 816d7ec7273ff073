import { Client, GatewayIntentBits, Options, Partials } from 'discord.js';

/** The discord.js client that holds the gateway and receives DMs (discord.md §1, §4); sending is REST (rest-sender.ts). */
export function createGatewayClient(apiBaseUrl: string): Client {
  return new Client({
    // DMs only. DirectMessages is not privileged, and Discord includes the content of DMs without
    // the privileged MessageContent intent, so the bot needs nothing switched on in the portal.
    intents: [GatewayIntentBits.DirectMessages],
    // Discord sends no CHANNEL_CREATE for DMs: without Partials.Channel a DM in a channel discord.js
    // has not cached (every DM after a start) is dropped silently.
    partials: [Partials.Channel],
    // The bridge reads each message once; keeping 200 per DM channel would only grow the heap.
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
    // Only GET /gateway/bot goes through this client's REST; login keeps discord.js's own waits.
    rest: { api: apiBaseUrl },
  });
}
