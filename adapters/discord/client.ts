import { Client, GatewayIntentBits, Options, Partials } from 'discord.js';

/** Route prefixes of the calls `send` makes: a rate limit on them is thrown to us instead of waited out. */
const SEND_ROUTES = ['/channels/', '/users/@me/channels'];

/** The discord.js client for a DM bot (discord.md §1, §2, §4). */
export function createDiscordClient(apiBaseUrl: string): Client {
  return new Client({
    // DMs only. DirectMessages is not privileged, and Discord includes the content of DMs without
    // the privileged MessageContent intent, so the bot needs nothing switched on in the portal.
    intents: [GatewayIntentBits.DirectMessages],
    // Discord sends no CHANNEL_CREATE for DMs: without Partials.Channel a DM in a channel discord.js
    // has not cached (every DM after a start) is dropped silently.
    partials: [Partials.Channel],
    // Belt and braces: `send` sets this too. Agent text must never ping @everyone, roles or users.
    allowedMentions: { parse: [], repliedUser: false },
    // The bridge reads each message once; keeping 200 per DM channel would only grow the heap.
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
    rest: {
      api: apiBaseUrl,
      // Our delivery layer owns every wait and retry of a send, not discord.js's REST queue:
      // - a 429 (or discord.js knowing a bucket is exhausted) on a send route throws RateLimitError,
      //   which becomes a retryable DeliveryError carrying the retry-after; the outbox row waits in the
      //   store, not in memory, so a shutdown or a long global limit loses nothing. A 429 was not applied,
      //   so the later retry cannot double send. Login (GET /gateway/bot) keeps discord.js's own wait.
      // - retries 0: discord.js would re-POST after a 5xx or a timeout, when Discord may already have
      //   created the message — an invisible double send. Such failures reach the delivery layer instead.
      rejectOnRateLimit: SEND_ROUTES,
      retries: 0,
    },
  });
}
