import type { Logger } from 'pino';
import { userKeyOf, userKeyString, type CustomerCommand, type ExternalChatRef, type InboundMessage } from '../core/messages.js';
import { ChatClosedError, type FlexBackend } from '../flex/backend.js';
import type { ChatMapping, DedupeKey, NewOutboxRow, OutboxRow, Store } from '../store/store.js';
import { closeChatRow, customerNoticeRow, transcriptRow } from './outbox-keys.js';

export interface CustomerCommandsOptions {
  readonly store: Store;
  readonly flex: FlexBackend;
  /** Author of the notices the bridge posts into Flex. */
  readonly bridgeIdentity: string;
  /** A text for customers by its setting (CHAT_ENDED_BY_CUSTOMER_NOTICE, NO_OPEN_CHAT_NOTICE, NO_TRANSCRIPT_NOTICE) in a language; undefined: off. */
  readonly text: (key: string, language?: string | null) => string | undefined;
  /** Whether a chat the customer ends sends them its transcript too. */
  readonly transcriptOnClose: boolean;
  /** Stores `rows` unless `dedupe` was seen (and starts their delivery); false when it was. */
  readonly storeOnce: (dedupe: DedupeKey, rows: readonly NewOutboxRow[]) => Promise<boolean>;
  /** The customer's chat ended by their command (after their notice is stored). */
  readonly onEnded: (mapping: ChatMapping) => Promise<void>;
  readonly log: Logger;
}

/** What the agent reads in Flex when the customer ends the chat. */
const ENDED_BY_CUSTOMER_FOR_AGENT = 'ℹ️ The customer ended the chat.';

/**
 * Carries out what a customer asks of the bridge (`/end`, `/transcript`). A command travels in its
 * customer's queue to Flex like a message, so it acts after everything they wrote before it, and only
 * once: each step is either repeatable or stored once, so a retried row does no step twice.
 */
export class CustomerCommands {
  constructor(private readonly opts: CustomerCommandsOptions) {}

  run(row: OutboxRow, msg: InboundMessage, command: CustomerCommand): Promise<void> {
    return command === 'end' ? this.end(row, msg) : this.transcript(msg);
  }

  /**
   * The agent is told first; then, stored together, the customer's notice and the close (a row behind
   * this one, so the chat closes only once the mapping below has ended and its close webhook tells
   * nobody). A retry after the mapping ended finds its answer stored and stores no "no open chat".
   */
  private async end(row: OutboxRow, msg: InboundMessage): Promise<void> {
    const { store, flex } = this.opts;
    const to = chatOf(msg);
    const mapping = await store.currentMapping(userKeyOf(msg));
    if (!mapping?.flexSid) {
      await this.reply(msg, this.opts.text('NO_OPEN_CHAT_NOTICE', msg.language));
      return;
    }
    const { flexSid } = mapping;
    try {
      // A row tried before may have posted it already: look first (a rare command can afford the read).
      const checkFirst = row.ambiguous || row.attempts > 0;
      await flex.postMessage(flexSid, { author: this.opts.bridgeIdentity, text: ENDED_BY_CUSTOMER_FOR_AGENT, bridgeMessageId: `end-${row.id}` }, { checkFirst });
    } catch (err) {
      // Flex closed it already (its webhook lost): the customer still ends their side of it.
      if (!(err instanceof ChatClosedError)) throw err;
    }
    const ended = this.opts.text('CHAT_ENDED_BY_CUSTOMER_NOTICE', mapping.language ?? msg.language);
    await this.opts.storeOnce(replyKey(msg), [
      ...(ended === undefined ? [] : [customerNoticeRow(to, ended)]),
      ...(this.opts.transcriptOnClose ? [transcriptRow(to, mapping, flexSid)] : []),
      closeChatRow(to, flexSid),
    ]);
    await store.endMapping(mapping.id);
    await this.opts.onEnded(mapping);
    this.opts.log.info({ flexSid, conversationId: mapping.id, user: userKeyString(to) }, 'chat ended by the customer');
  }

  /** The customer's open chat, or else their latest one. */
  private async transcript(msg: InboundMessage): Promise<void> {
    const mapping = await this.opts.store.latestMapping(userKeyOf(msg));
    if (!mapping?.flexSid) {
      await this.reply(msg, this.opts.text('NO_TRANSCRIPT_NOTICE', msg.language));
      return;
    }
    await this.opts.storeOnce(replyKey(msg), [transcriptRow(chatOf(msg), mapping, mapping.flexSid)]);
  }

  private async reply(msg: InboundMessage, text: string | undefined): Promise<void> {
    if (text === undefined) return;
    await this.opts.storeOnce(replyKey(msg), [customerNoticeRow(chatOf(msg), text)]);
  }
}

/** A command's answer is stored once per command message, like the adapters' own replies. */
function replyKey(msg: InboundMessage): DedupeKey {
  return { source: msg.network, key: `${msg.externalMessageId}:reply` };
}

function chatOf(msg: InboundMessage): ExternalChatRef {
  return { network: msg.network, externalUserId: msg.externalUserId, externalChatId: msg.externalChatId };
}
