import { apiError, invalidFormBody } from './api-error.js';
import { isSnowflake } from './snowflake.js';
import type { DcMessage } from './types.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100;

/**
 * The page Get Channel Messages answers (https://discord.com/developers/docs/resources/message#get-channel-messages):
 * with `after`, the `limit` messages right after it; otherwise the latest `limit` ones (before
 * `before`, if given). Either way newest first, as Discord returns them. `around` is not served.
 */
export function channelMessagesPage(messages: readonly DcMessage[], query: Record<string, string | undefined>): DcMessage[] {
  const { before, after, around } = query;
  if (around !== undefined) throw invalidFormBody('around', 'UNSUPPORTED', 'The emulator does not serve "around".');
  if ([before, after].filter((anchor) => anchor !== undefined).length > 1) throw apiError(400, 50035);
  const limit = limitOf(query.limit);
  const oldestFirst = [...messages].sort((a, b) => compareIds(a.id, b.id));
  if (after !== undefined) {
    const anchor = snowflake('after', after);
    return oldestFirst.filter((m) => BigInt(m.id) > anchor).slice(0, limit).reverse();
  }
  const below = before === undefined ? oldestFirst : oldestFirst.filter((m) => BigInt(m.id) < snowflake('before', before));
  return below.slice(-limit).reverse();
}

function limitOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw invalidFormBody('limit', 'NUMBER_TYPE_MAX', `int value should be between 1 and ${MAX_LIMIT}.`);
  }
  return limit;
}

function snowflake(field: string, value: string): bigint {
  if (!isSnowflake(value)) throw invalidFormBody(field, 'NUMBER_TYPE_COERCE', `Value "${value}" is not snowflake.`);
  return BigInt(value);
}

function compareIds(a: string, b: string): number {
  const diff = BigInt(a) - BigInt(b);
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
}
