import type { FlexMessageEvent } from '../flex/backend.js';
import type { ChatMapping, MessageLink, Store } from '../store/store.js';

/** How many of the chat's latest customer messages a Markdown quote is looked for in. */
const QUOTABLE_MESSAGES = 50;

/** What an agent's message becomes for the customer: its text, and the customer message it answers, if known. */
export interface AgentReply {
  readonly body: string;
  /** The answered customer message's network id (MessageLink.externalMessageId). */
  readonly replyTo?: string;
}

/**
 * Which customer message an agent answers, when it says so: the message a Flex UI plugin named in the
 * Attributes (`replyTo`), or else one the agent quoted in Markdown (`> words of it` as the first
 * lines), whose quote is then left out since the native reply shows it. A message of another chat, or
 * one the bridge no longer knows (an ended chat's, or too old), leaves the text as it is and unanswered.
 */
export async function agentReplyOf(store: Store, mapping: ChatMapping, event: FlexMessageEvent): Promise<AgentReply> {
  if (event.replyTo) {
    const link = await store.messageLinkByFlexSid(event.replyTo);
    return { body: event.body, ...(link?.conversationId === mapping.id && { replyTo: link.externalMessageId }) };
  }
  const quote = leadingQuote(event.body);
  if (!quote) return { body: event.body };
  const links = await store.recentMessageLinks(mapping.id, QUOTABLE_MESSAGES);
  const quoted = links.find((link) => quotes(link, quote.quoted));
  return quoted ? { body: quote.rest, replyTo: quoted.externalMessageId } : { body: event.body };
}

/** The `>` lines a message starts with, and the rest; undefined without both. */
function leadingQuote(body: string): { quoted: string; rest: string } | undefined {
  const lines = body.split('\n');
  const count = lines.findIndex((line) => !line.startsWith('>'));
  if (count <= 0) return undefined;
  const quoted = lines.slice(0, count).map((line) => line.replace(/^>\s?/, '')).join('\n');
  const rest = lines.slice(count).join('\n').trim();
  return normalized(quoted) === '' || rest === '' ? undefined : { quoted, rest };
}

/** A quote may be shortened (`…`) and have its spacing changed by the agent's editor. */
function quotes(link: MessageLink, quoted: string): boolean {
  return normalized(link.text).includes(normalized(quoted.replace(/(…|\.\.\.)\s*$/, '')));
}

function normalized(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
