import type { Logger } from 'pino';
import { DeliveryPostponed } from '../core/delivery-error.js';
import { userKeyOf, userKeyString, type Acceptance, type Choice, type ExternalChatRef, type InboundMessage, type OutboxPayload } from '../core/messages.js';
import { storableText } from '../core/storable-text.js';
import type { FlexBackend } from '../flex/backend.js';
import type { ChatMapping, DedupeKey, NewOutboxRow, OutboxRow, Store } from '../store/store.js';
import { inSpan, SpanKind } from '../tracing/spans.js';
import { customerNoticeRow } from './outbox-keys.js';
import { MAX_COMMENT_LENGTH, ratingChoices, ratingOf, surveyQueueKey, surveyResultRow, type SurveySettings } from './survey.js';

export interface SurveysOptions {
  readonly store: Store;
  readonly flex: FlexBackend;
  /** Absent: no survey is sent, and a press or a comment finds none. */
  readonly settings?: SurveySettings;
  /** A text for customers by its setting (SURVEY_QUESTION, SURVEY_THANKS, SURVEY_COMMENT_QUESTION) in a language; undefined: off. */
  readonly text: (key: string, language?: string | null) => string | undefined;
  /** Stores `rows` unless `dedupe` was seen (and starts their delivery); false when it was. */
  readonly storeOnce: (dedupe: DedupeKey, rows: readonly NewOutboxRow[]) => Promise<boolean>;
  /** Tells the customer of `mapping` something once per chat and `moment`, with buttons. */
  readonly tellCustomer: (mapping: ChatMapping, moment: string, text: string | undefined, choices: readonly Choice[]) => Promise<boolean>;
  /** Starts delivery of what was stored or woken. */
  readonly onEnqueued: () => void;
  /** A customer rated a chat, once per chat (metrics). */
  readonly onRated?: (network: string, rating: number) => void;
  readonly log: Logger;
}

/**
 * The satisfaction survey after a chat: the question with a button per rating, the press (once per
 * chat), the optional comment, and the result written to Flex once the comment came or its time ran out.
 */
export class Surveys {
  constructor(private readonly opts: SurveysOptions) {}

  /** Asks the customer to rate the chat that just ended, once per chat, when an agent had joined it. */
  async start(mapping: ChatMapping): Promise<void> {
    if (!this.opts.settings || !mapping.flexSid || mapping.agentJoinedAt === null) return;
    await this.opts.tellCustomer(mapping, 'survey', this.opts.text('SURVEY_QUESTION', mapping.language), ratingChoices(mapping.flexSid));
  }

  /**
   * A button the customer pressed: a rating of a chat of theirs counts once per chat, whichever press
   * or redelivery comes first, and however long after the survey was sent; anything else is ignored.
   */
  async takeRating(msg: InboundMessage, choice: string): Promise<Acceptance> {
    const { store, log } = this.opts;
    const rated = ratingOf(choice);
    const mapping = rated && (await store.mappingByFlexSid(rated.flexSid));
    if (!rated || !mapping || mapping.network !== msg.network || mapping.externalUserId !== msg.externalUserId) {
      log.info({ user: userKeyString(userKeyOf(msg)), externalMessageId: msg.externalMessageId }, 'button press ignored: no survey of this customer');
      return 'ignored';
    }
    const to = chatOf(msg);
    const { askForComment = false, commentWindowMs = 0 } = this.opts.settings ?? {};
    const language = mapping.language ?? msg.language;
    const result = { user: userKeyOf(msg), handle: mapping.handle, mappingId: mapping.id, flexSid: rated.flexSid, rating: rated.rating };
    // A comment is asked for, and waited for, only in a language that words the question.
    const commentQuestion = askForComment ? this.opts.text('SURVEY_COMMENT_QUESTION', language) : undefined;
    let rows: NewOutboxRow[];
    if (commentQuestion !== undefined) {
      // Opened first: a press offered again after a crash here finds it open and stores the rest.
      const commentUntil = Date.now() + commentWindowMs;
      await store.openSurveyComment(mapping.id, result.user, commentUntil);
      rows = [surveyResultRow({ ...result, commentUntil }), customerNoticeRow(to, commentQuestion)];
    } else {
      rows = [surveyResultRow(result), ...noticeRows(to, this.opts.text('SURVEY_THANKS', language))];
    }
    const accepted = await this.opts.storeOnce({ source: 'flex-bridge', key: `survey-rating:${mapping.id}` }, rows);
    log.info({ user: userKeyString(to), flexSid: rated.flexSid, rating: rated.rating, accepted }, accepted ? 'survey rating stored' : 'chat already rated: press dropped');
    if (!accepted) return 'duplicate';
    this.opts.onRated?.(msg.network, rated.rating);
    return 'survey';
  }

  /**
   * The chat whose survey takes this text message as its comment: one the customer rated within the
   * comment window, while they have no chat open (a rating of an older chat must not swallow a message
   * meant for the agent).
   */
  async awaitingComment(msg: InboundMessage): Promise<number | undefined> {
    // A command (`/transcript` right after rating) is for the bridge, never a comment.
    if (!this.opts.settings?.askForComment || msg.attachments.length > 0 || msg.command !== undefined) return undefined;
    const user = userKeyOf(msg);
    const surveyed = await this.opts.store.surveyAwaitingComment(user, Date.now());
    if (surveyed === undefined || (await this.opts.store.currentMapping(user))) return undefined;
    return surveyed;
  }

  /**
   * The customer's words after rating a chat: kept as the survey's comment (not passed to a new chat),
   * thanked for, and the rating waiting for them goes to Flex now. A message offered again is a duplicate.
   */
  async takeComment(msg: InboundMessage, dedupe: DedupeKey, mappingId: number): Promise<Acceptance> {
    const { store } = this.opts;
    const to = chatOf(msg);
    if (!(await this.opts.storeOnce(dedupe, noticeRows(to, this.opts.text('SURVEY_THANKS', msg.language))))) return 'duplicate';
    await store.saveSurveyComment(mappingId, storableText(msg.text).slice(0, MAX_COMMENT_LENGTH));
    await store.wakeKey(surveyQueueKey(mappingId));
    this.opts.onEnqueued();
    this.opts.log.info({ user: userKeyString(to), externalMessageId: msg.externalMessageId, conversationId: mappingId }, 'survey comment stored');
    return 'survey';
  }

  /** Writes a rating to Flex, with the comment once it came; until then (within its window) the row waits. */
  async record(row: OutboxRow, payload: Extract<OutboxPayload, { kind: 'survey-result' }>): Promise<void> {
    const { flexSid, handle, rating, mappingId, commentUntil } = payload;
    const comment = commentUntil === undefined ? undefined : await this.opts.store.surveyComment(mappingId);
    const waitMs = (commentUntil ?? 0) - Date.now();
    if (comment === null && waitMs > 0) throw new DeliveryPostponed("waiting for the customer's comment", waitMs);
    const recordSurvey = this.opts.flex.recordSurvey?.bind(this.opts.flex);
    const result = { flexSid, handle, rating, ...(comment ? { comment } : {}) };
    if (recordSurvey) await inSpan('flex record survey', { kind: SpanKind.CLIENT }, () => recordSurvey(result));
    this.opts.log.info({ outboxId: row.id, flexSid, rating, inFlex: recordSurvey !== undefined }, 'survey rating recorded');
  }
}

function noticeRows(to: ExternalChatRef, text: string | undefined): NewOutboxRow[] {
  return text === undefined ? [] : [customerNoticeRow(to, text)];
}

function chatOf(msg: InboundMessage): ExternalChatRef {
  return { network: msg.network, externalUserId: msg.externalUserId, externalChatId: msg.externalChatId };
}
