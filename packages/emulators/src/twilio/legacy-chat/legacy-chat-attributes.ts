import type { ChatChannelRecord } from './legacy-chat-state.js';

/** A channel's attributes as an object; any other JSON value (a client may set one) reads as empty. */
export function channelAttributes(channel: ChatChannelRecord): Record<string, unknown> {
  const parsed: unknown = JSON.parse(channel.attributes);
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}
