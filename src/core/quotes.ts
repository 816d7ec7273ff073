import { splitText } from './text.js';

/** A quoted message is shortened to this many characters. */
export const QUOTE_MAX = 200;

/** The start of `text` for a quote: up to QUOTE_MAX characters, cut at a word where it can be. */
export function shortQuote(text: string): string {
  const [start = ''] = splitText(text, QUOTE_MAX);
  return start === text ? text : `${start.trimEnd()}…`;
}

/** The line that tells the agent which message the customer answers; its text when the network gave it. */
export function inReplyToLine(quoted: string | undefined): string {
  return quoted ? `↩️ In reply to: “${shortQuote(quoted)}”` : '↩️ In reply to an earlier message';
}
