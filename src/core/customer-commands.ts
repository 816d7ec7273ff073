import type { CustomerCommand } from './messages.js';

const COMMANDS: readonly CustomerCommand[] = ['end', 'transcript'];

/**
 * The command a whole message is, written with the network's `prefix` (`/end`, `!transcript`);
 * Telegram may add the bot's name (`/end@acme_bot`, https://core.telegram.org/bots/features#commands).
 */
export function customerCommandIn(text: string, prefix: '/' | '!'): CustomerCommand | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith(prefix)) return undefined;
  const match = /^(\w+)(?:@\w+)?$/.exec(trimmed.slice(prefix.length));
  const name = match?.[1]?.toLowerCase();
  return COMMANDS.find((command) => command === name);
}
