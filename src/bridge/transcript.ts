import type { RecentMessage } from '../flex/backend.js';

/**
 * A chat as plain text, one line per message, oldest first: `[2026-12-07 19:14 UTC] Una: Hello`, with
 * the files a message carried named after its text. Times are UTC: the bridge does not know the customer's zone.
 */
export function renderTranscript(heading: string | undefined, messages: readonly RecentMessage[], labelOf: (author: string) => string): string {
  const lines = messages.map((m) => {
    const files = m.media.map((file) => `[file: ${file.fileName ?? file.contentType}]`);
    const body = [m.body, ...files].filter((part) => part !== '').join(' ');
    return `[${utcMinute(m.createdAt)}] ${labelOf(m.author)}: ${body}`;
  });
  return [...(heading ? [heading, ''] : []), ...lines].join('\n');
}

/** `chat-transcript-2026-12-07.txt`, after the chat's first message. */
export function transcriptFileName(messages: readonly RecentMessage[]): string {
  const first = messages[0]?.createdAt ?? Date.now();
  return `chat-transcript-${new Date(first).toISOString().slice(0, 10)}.txt`;
}

function utcMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
