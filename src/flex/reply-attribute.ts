/**
 * The Flex message an agent's message answers. The Flex UI has no reply of its own, so a Flex UI plugin
 * that adds one sets it in the message's Attributes as `{"replyTo": "IM…"}` (the quoted message's sid);
 * see docs/architecture.md, "Replies, quotes and deletions".
 */
export function replyToOf(attributes: string | null | undefined): string | undefined {
  if (!attributes) return undefined;
  try {
    const parsed = JSON.parse(attributes) as { replyTo?: unknown };
    return typeof parsed.replyTo === 'string' && parsed.replyTo !== '' ? parsed.replyTo : undefined;
  } catch {
    return undefined;
  }
}
