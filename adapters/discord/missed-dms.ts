import type { REST } from '@discordjs/rest';
import { Routes, type APIMessage } from 'discord-api-types/v10';
import type { Logger } from 'pino';
import type { InboundMessage } from '../../src/core/messages.js';
import { classifyMessage } from './to-inbound.js';

const DISCORD_EPOCH_MS = 1_420_070_400_000n;
/** Discord's largest page (https://discord.com/developers/docs/resources/message#get-channel-messages). */
const PAGE_SIZE = 100;
/** A channel with more messages than this since the time asked is read no further (they are most likely stored). */
const MAX_PAGES_PER_CHANNEL = 10;
/** Channels read at once; the REST client queues and waits out rate limits per route. */
const CONCURRENT_CHANNELS = 4;

export interface MissedDmReadBack {
  readonly rest: REST;
  /** DM channels to read, the most important first. */
  readonly channelIds: readonly string[];
  /** Messages created at or after this (epoch ms) are read. */
  readonly since: number;
  /** Takes one message, as a gateway MESSAGE_CREATE would be taken; resolves once it is stored (or known). */
  readonly deliver: (message: InboundMessage) => Promise<void>;
  readonly log: Logger;
  /** Aborted when this process gives the gateway up: the read-back stops. */
  readonly signal: AbortSignal;
}

/**
 * Reads each channel's messages since `since` (Get Channel Messages with `after`) and delivers the
 * customers' ones oldest first, the way the gateway would have. A failed channel is logged and
 * skipped (a failed delivery ends its channel, so its later messages do not go first); returns how
 * many messages were delivered.
 */
export async function readBackMissedDms(opts: MissedDmReadBack): Promise<number> {
  const after = snowflakeAt(opts.since);
  const queue = [...opts.channelIds];
  let delivered = 0;
  const worker = async () => {
    for (let channelId = queue.shift(); channelId !== undefined && !opts.signal.aborted; channelId = queue.shift()) {
      try {
        delivered += await readBackChannel(opts, channelId, after);
      } catch (err) {
        if (opts.signal.aborted) return;
        opts.log.warn({ err, channelId }, 'could not read a discord DM channel back; DMs missed in it stay missed');
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_CHANNELS }, worker));
  return delivered;
}

async function readBackChannel(opts: MissedDmReadBack, channelId: string, after: string): Promise<number> {
  const oldestFirst: APIMessage[] = [];
  for (let page = 0, cursor = after; page < MAX_PAGES_PER_CHANNEL; page++) {
    const query = new URLSearchParams({ after: cursor, limit: String(PAGE_SIZE) });
    // Discord answers the messages right after `after`, newest first.
    const messages = (await opts.rest.get(Routes.channelMessages(channelId), { query, signal: opts.signal })) as APIMessage[];
    oldestFirst.push(...[...messages].reverse());
    if (messages.length < PAGE_SIZE) break;
    cursor = messages[0]!.id;
  }
  let delivered = 0;
  for (const message of oldestFirst) {
    const item = classifyMessage(message);
    if (item.kind !== 'message') continue;
    await opts.deliver(item.message);
    delivered += 1;
  }
  return delivered;
}

/** Just below the first snowflake of a time: `after` it, Discord answers the messages created from then on. */
function snowflakeAt(epochMs: number): string {
  return (((BigInt(Math.floor(epochMs)) - DISCORD_EPOCH_MS) << 22n) - 1n).toString();
}
