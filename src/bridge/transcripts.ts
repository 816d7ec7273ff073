import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { ChatAdapter } from '../core/chat-adapter.js';
import { permanent } from '../core/delivery-error.js';
import { identityOf, userKeyOf, userKeyString, type OutboxPayload } from '../core/messages.js';
import type { FlexBackend } from '../flex/backend.js';
import type { OutboxRow } from '../store/store.js';
import { renderTranscript, transcriptFileName } from './transcript.js';

export interface TranscriptOptions {
  readonly flex: FlexBackend;
  readonly adapterFor: (network: string) => ChatAdapter;
  /** Author of the notices the bridge posts into Flex. */
  readonly bridgeIdentity: string;
  /** The transcript's first line in a customer's language; undefined: none. */
  readonly heading: (language?: string) => string | undefined;
  readonly log: Logger;
}

/** The most messages a transcript holds (the chat's latest); a chat with more is cut at its start. */
export const TRANSCRIPT_MAX_MESSAGES = 1_000;

/** How an agent whose name Flex does not know is named in the customer's transcript. */
const UNNAMED_AGENT_LABEL = 'Agent';

type TranscriptPayload = Extract<OutboxPayload, { kind: 'transcript' }>;

/**
 * Sends a customer the text of a chat, read from Flex when it is sent (a closed conversation stays
 * readable): as a message when it fits in one, otherwise as a `.txt` file.
 */
export class Transcripts {
  constructor(private readonly opts: TranscriptOptions) {}

  async send(row: OutboxRow, payload: TranscriptPayload): Promise<void> {
    const { flex } = this.opts;
    if (!flex.recentMessages) throw permanent(`the ${flex.mode} back end cannot read a chat's messages`);
    // The bridge's own posts are notes for the agent (a returning customer, a failed delivery): not the customer's to read.
    const messages = (await flex.recentMessages(payload.flexSid, TRANSCRIPT_MAX_MESSAGES)).filter((m) => m.author !== this.opts.bridgeIdentity);
    const labels = await this.labels(messages.map((m) => m.author), identityOf(userKeyOf(payload.to)), payload.customerName);
    const heading = this.opts.heading(payload.language);
    const text = renderTranscript(heading, messages, (author) => labels.get(author) ?? UNNAMED_AGENT_LABEL);
    const adapter = this.opts.adapterFor(payload.to.network);
    const idempotencyKey = `fb${row.id}`;
    const { maxTextLength, media, maxCaptionLength = 0 } = adapter.capabilities;
    const asFile = media && text.length > maxTextLength;
    if (!asFile) {
      await adapter.send(payload.to, { text, idempotencyKey });
    } else {
      const bytes = Buffer.from(text, 'utf8');
      const caption = heading && heading.length <= maxCaptionLength ? heading : '';
      const file = { stream: Readable.from([bytes]), contentType: 'text/plain', fileName: transcriptFileName(messages), size: bytes.length };
      await adapter.send(payload.to, { text: caption, file, idempotencyKey });
    }
    this.opts.log.info({ outboxId: row.id, user: userKeyString(payload.to), messages: messages.length, asFile }, 'transcript sent to the customer');
  }

  /** Each author's name: the customer's, each agent's name in Flex (looked up once). */
  private async labels(authors: readonly string[], customer: string, customerName: string): Promise<Map<string, string>> {
    const labels = new Map([[customer, customerName]]);
    for (const author of new Set(authors)) {
      if (!labels.has(author)) labels.set(author, (await this.agentName(author)) ?? UNNAMED_AGENT_LABEL);
    }
    return labels;
  }

  private async agentName(identity: string): Promise<string | undefined> {
    try {
      return await this.opts.flex.participantName?.(identity);
    } catch (err) {
      this.opts.log.warn({ err }, 'agent name lookup failed: the transcript names them without it');
      return undefined;
    }
  }
}
