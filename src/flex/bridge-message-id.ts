/**
 * Every message the bridge posts into Flex carries its id in the message attributes, so a post whose
 * outcome is unknown (a timeout) can be looked for before it is sent again.
 */
export function bridgeAttributes(bridgeMessageId: string): string {
  return JSON.stringify({ flexBridgeId: bridgeMessageId });
}

export function bridgeIdOf(attributes: string | null | undefined): string | undefined {
  if (!attributes) return undefined;
  try {
    const parsed = JSON.parse(attributes) as { flexBridgeId?: unknown };
    return typeof parsed.flexBridgeId === 'string' ? parsed.flexBridgeId : undefined;
  } catch {
    return undefined;
  }
}
