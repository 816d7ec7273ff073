import type { Choice, UserKey } from '../core/messages.js';
import type { NewOutboxRow } from '../store/store.js';

/**
 * The satisfaction survey after a chat. Its texts are customer texts (SURVEY_QUESTION, SURVEY_THANKS,
 * SURVEY_COMMENT_QUESTION); with `askForComment`, a customer whose language words the comment question
 * is asked it, and their next message within `commentWindowMs` of their rating is its comment.
 */
export interface SurveySettings {
  readonly askForComment: boolean;
  readonly commentWindowMs: number;
}

/** A comment longer than this is cut: it goes into a task's attributes. */
export const MAX_COMMENT_LENGTH = 2000;

export const RATINGS = [1, 2, 3, 4, 5] as const;

/** `csat:<chat sid>:<rating>`: well within Telegram's 64 bytes of `callback_data` for a 34-character sid. */
const RATING_CHOICE = /^csat:([A-Za-z0-9]{1,50}):([1-5])$/;

/** One button per rating, as stars: the same in every language. */
export function ratingChoices(flexSid: string): Choice[] {
  return RATINGS.map((rating) => ({ id: `csat:${flexSid}:${rating}`, label: '⭐'.repeat(rating) }));
}

/** The chat and rating a pressed button names, or undefined when it is no rating button of ours. */
export function ratingOf(choice: string): { flexSid: string; rating: number } | undefined {
  const parsed = RATING_CHOICE.exec(choice);
  return parsed ? { flexSid: parsed[1] as string, rating: Number(parsed[2]) } : undefined;
}

/** Each chat's survey result waits in a queue of its own (for a comment, perhaps), holding up nothing else. */
export const surveyQueueKey = (mappingId: number) => `survey:${mappingId}`;

export function surveyResultRow(result: { user: UserKey; handle: string; mappingId: number; flexSid: string; rating: number; commentUntil?: number }): NewOutboxRow {
  return { key: surveyQueueKey(result.mappingId), direction: 'to-flex', payload: { kind: 'survey-result', ...result } };
}
