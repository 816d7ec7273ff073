/** The `flexBridgeId` the bridge puts in the attributes of every message it posts to Flex (see flex/bridge-message-id.ts). */
export function flexBridgeIdOf(attributes: string): string | undefined {
  return stringAt(attributes, 'flexBridgeId');
}

/** A legacy chat channel's `status` (ACTIVE or INACTIVE) from its attributes. */
export function channelStatusOf(attributes: string): string | undefined {
  return stringAt(attributes, 'status');
}

/** What the routing and the Flex UI use, or Flex sets itself: shown elsewhere, or not at all. */
const NOT_CONTEXT = new Set([
  'from',
  'customerName',
  'handle',
  'network',
  'channelType',
  'conversationSid',
  'flexInteractionSid',
  'flexInteractionChannelSid',
  'direction',
  'conversations',
  'customers',
  'flexBridgeOpening',
]);

/**
 * What a chat's attributes tell the agent about the customer beyond their name: their language, the
 * deep-link payload they came with, their earlier chats, the operator's own attributes.
 */
export function contextOf(attributes: unknown): { name: string; value: string }[] {
  if (attributes === null || typeof attributes !== 'object') return [];
  return Object.entries(attributes as Record<string, unknown>)
    .filter(([name]) => !NOT_CONTEXT.has(name))
    .map(([name, value]) => ({ name, value: typeof value === 'string' ? value : JSON.stringify(value) }));
}

/** A string field of a JSON attributes string; anything unparsable or of another type reads as absent. */
export function stringAt(attributes: string | Record<string, unknown>, key: string): string | undefined {
  let parsed: unknown = attributes;
  if (typeof attributes === 'string') {
    try {
      parsed = JSON.parse(attributes);
    } catch {
      return undefined;
    }
  }
  const value = (parsed as Record<string, unknown> | null)?.[key];
  return typeof value === 'string' ? value : undefined;
}
