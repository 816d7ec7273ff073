/** The `flexBridgeId` the bridge puts in the attributes of every message it posts to Flex (see flex/bridge-message-id.ts). */
export function flexBridgeIdOf(attributes: string): string | undefined {
  return stringAt(attributes, 'flexBridgeId');
}

/** A legacy chat channel's `status` (ACTIVE or INACTIVE) from its attributes. */
export function channelStatusOf(attributes: string): string | undefined {
  return stringAt(attributes, 'status');
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
