import { DiscordAPIError, HTTPError, RateLimitError } from '@discordjs/rest';
import { DeliveryPostponed, fromHttpStatus, networkCodeOf, permanent, retryable, type DeliveryError } from '../../src/core/delivery-error.js';

/**
 * Every 429 of Discord's own says how long to wait; one that does not is Cloudflare restricting the
 * IP after too many invalid requests (https://discord.com/developers/docs/topics/rate-limits#invalid-request-limit-aka-cloudflare-bans),
 * which lasts about an hour. Retrying at once would only hammer it, so such a row waits a minute.
 */
const IP_BAN_WAIT_MS = 60_000;

/**
 * Discord's answer to a send, as the delivery layer needs it (https://discord.com/developers/docs/topics/opcodes-and-status-codes#http).
 * A rate limit (a 429, or the REST client declining to send into an empty bucket) sent nothing, so
 * the row waits for the bucket without using an attempt (https://discord.com/developers/docs/topics/rate-limits).
 */
export function toDeliveryError(err: unknown): DeliveryError | DeliveryPostponed {
  if (err instanceof RateLimitError && err.retryAfter <= 0) {
    return new DeliveryPostponed(`discord 429 without Retry-After: Cloudflare restricts this IP (the invalid request limit), retry after ${IP_BAN_WAIT_MS} ms`, IP_BAN_WAIT_MS);
  }
  if (err instanceof RateLimitError) {
    const scope = err.global ? 'global' : err.route;
    const retryAfterMs = Math.max(0, Math.ceil(err.retryAfter));
    return new DeliveryPostponed(`discord 429: rate limited (${scope}), retry after ${retryAfterMs} ms`, retryAfterMs);
  }
  if (err instanceof DiscordAPIError) {
    const message = `discord ${err.status}/${err.code}: ${err.message}`;
    // 401 is the operator's to fix (a revoked token), or passes; Discord did not apply the call, so a retry cannot double it.
    if (err.status === 401) return retryable(`${message} (the bot token was refused)`, { code: err.code, status: err.status });
    // Every other 4xx repeats on a retry: 50007 and 50278 (the user cannot be DMed), 10003, 10013, 50035…
    return permanent(message, { code: err.code, status: err.status });
  }
  if (err instanceof HTTPError) return fromHttpStatus(err.status, `discord ${err.status}: ${err.message}`, { code: err.status });
  const code = networkCodeOf(err);
  const detail = code ?? (err instanceof Error ? err.message : String(err));
  // A timeout or a dropped connection may come after Discord created the message; there is no way to ask.
  return retryable(`discord request failed: ${detail}`, { code, ambiguous: true });
}

/**
 * A send not made because Discord refused the token and has not accepted it since: nothing reached
 * Discord, so the reply waits without using an attempt (the adapter is not ready meanwhile, which alerts).
 */
export function tokenRefused(retryAfterMs: number): DeliveryPostponed {
  return new DeliveryPostponed('not sent: Discord refused the bot token (401) and has not accepted it since', retryAfterMs);
}

/** Why the token check (`GET /users/@me`) or connecting the gateway failed, in words an operator can act on. Never includes the token. */
export function describeLoginFailure(err: unknown, token: string): string {
  const detail = err instanceof Error ? err.message : String(err);
  let message: string;
  if (err instanceof DiscordAPIError && err.status === 401) {
    message = `Discord rejected the bot token (401 on ${err.method.toUpperCase()} ${routeOf(err.url)}): check DISCORD_BOT_TOKEN`;
  } else if (detail === 'Authentication failed') {
    // @discordjs/ws reports gateway close codes as plain Errors named by their meaning.
    message = 'Discord rejected the bot token (gateway close 4004): check DISCORD_BOT_TOKEN';
  } else if (detail === 'Used disallowed intents') {
    message =
      'Discord refused the gateway intents (close 4014): the bot asked for a privileged intent that is not enabled for it in the developer portal';
  } else {
    message = `Discord login failed: ${detail}`;
  }
  return `Discord adapter could not start. ${token ? message.split(token).join('[REDACTED]') : message}`;
}

/** `https://discord.com/api/v10/gateway/bot` → `/gateway/bot`. */
function routeOf(url: string): string {
  return new URL(url).pathname.replace(/^.*?\/v\d+(?=\/)/, '');
}
