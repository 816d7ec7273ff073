/** The `flexBridgeId` the bridge puts in the attributes of every message it posts to Flex (see flex/conversations.ts). */
export function flexBridgeIdOf(attributes: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(attributes);
    const id = (parsed as { flexBridgeId?: unknown } | null)?.flexBridgeId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
