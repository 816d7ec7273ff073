import type { FlexMedia, MediaFile } from '../core/messages.js';
import { DeliveryError } from '../core/delivery-error.js';

export interface OpenChatRequest {
  /**
   * Stable per opening attempt's record and unique to this installation: lets `discardChat` find a
   * chat whose sid was never stored, and proves (in the chat's attributes) that the bridge made it.
   */
  readonly openingKey: string;
  readonly identity: string;
  readonly handle: string;
  readonly displayName: string;
  readonly network: string;
  readonly firstMessage: PostedMessage;
  readonly context: ChatContext;
}

/** What the bridge knows of a customer beyond their name: for routing, for the agent and for reporting. */
export interface ChatContext {
  readonly language?: string;
  /** The `/start` deep-link parameter the customer came with. */
  readonly startPayload?: string;
  /** The customer had chats before this one: how many, and the latest one's Flex chat and when it ended. */
  readonly earlierChats?: { readonly count: number; readonly lastFlexSid: string; readonly lastEndedAt: number };
}

/** A message the bridge posts into Flex; `bridgeMessageId` makes a retried post detectable. */
export interface PostedMessage {
  readonly author: string;
  readonly text: string;
  readonly bridgeMessageId: string;
  /** A file uploaded with `uploadMedia` (`ME…`); `text` is then its caption and may be empty. */
  readonly mediaSid?: string;
}

/** Where a posted message is in its chat: Flex's `Index`, and its message sid (`IM…`). */
export interface PostedRef {
  readonly index: number;
  readonly sid: string;
}

/** A chat `openChat` opened, with the index (Flex's `Index`) and sid of the first message in it. */
export interface OpenedChat {
  readonly flexSid: string;
  readonly firstIndex: number;
  readonly firstSid: string;
  /** Names (`openingKey` or its variants) found held by chats the bridge did not make, and passed over. */
  readonly namesTaken?: readonly string[];
}

/** What a Flex webhook means to the bridge, once its signature is checked. */
export type FlexEvent =
  | {
      readonly type: 'message';
      readonly flexSid: string;
      readonly messageSid: string;
      readonly author: string;
      readonly body: string;
      readonly media: readonly FlexMedia[];
      readonly index?: number;
      readonly retryCount: number;
      /** The Flex message (`IM…`) it answers, when the agent's Flex UI said so (see reply-attribute.ts). */
      readonly replyTo?: string;
    }
  | { readonly type: 'ended'; readonly flexSid: string }
  /** A chat (SDK) participant or channel member joined: an agent, unless it is the customer's or the bridge's own identity. */
  | { readonly type: 'participant-joined'; readonly flexSid: string; readonly identity: string }
  | { readonly type: 'ignored'; readonly reason: string };

export type FlexMessageEvent = Extract<FlexEvent, { type: 'message' }>;

/** A message read back from a chat (not from a webhook), with when Flex created it. */
export type RecentMessage = FlexMessageEvent & { readonly createdAt: number };

export class MalformedWebhookError extends Error {
  override readonly name = 'MalformedWebhookError';
}

export type WebhookParams = Record<string, string | string[]>;

/**
 * One Flex dialect (Conversations + Interactions, or legacy Flex Channels + Programmable Chat).
 * Failures are thrown as `DeliveryError`; a chat that Flex has already closed throws `ChatClosedError`.
 */
export interface FlexBackend {
  readonly mode: 'conversations' | 'legacy-chat';
  /** Paths (under PUBLIC_BASE_URL) whose webhooks this back end parses. */
  readonly webhookPaths: readonly string[];
  /**
   * Opens a chat and posts the first message. `onCreated` is awaited as soon as the chat has a sid, so a
   * crash mid-open leaves a record the next attempt can clean up; `beforeRouting` just before the step
   * that may hand the chat to agents, after which a retry calls `completeRouting` instead of discarding;
   * `onFirstPosted` with the first message's index as soon as it is posted, before routing finishes, so
   * that an agent who answers at once is not held back for a predecessor the bridge posted itself.
   * A failed step removes the half-made chat.
   */
  openChat(
    req: OpenChatRequest,
    onCreated: (flexSid: string) => Promise<void>,
    beforeRouting: () => Promise<void>,
    onFirstPosted?: (index: number) => Promise<void>,
  ): Promise<OpenedChat>;
  /**
   * Finishes an opening that died after `beforeRouting`: posts the first message and routes, unless
   * done. Resolves to where the first message is.
   */
  completeRouting?(flexSid: string, req: OpenChatRequest): Promise<PostedRef>;
  /**
   * Posts a message and resolves to where it is in the chat; after an ambiguous failure `checkFirst`
   * asks it to look for an earlier copy (which it then returns).
   */
  postMessage(flexSid: string, msg: PostedMessage, opts: { checkFirst: boolean }): Promise<PostedRef>;
  /**
   * The chat's latest messages (at most `limit`; by default enough to read a chat back), oldest first:
   * how the bridge finds agent messages whose webhook never came (Twilio does not retry a Conversations
   * webhook that failed), and what a transcript holds (a closed chat stays readable).
   */
  recentMessages?(flexSid: string, limit?: number): Promise<RecentMessage[]>;
  /** Stores a file in Twilio's Media Content Service and returns its sid, for `PostedMessage.mediaSid`. */
  uploadMedia(file: MediaFile): Promise<string>;
  /** Opens a file of a Flex message (from MCS) as a stream. */
  fetchMedia(media: FlexMedia): Promise<MediaFile>;
  /**
   * Removes a chat whose opening did not finish (found by sid, or by `openingKey`), only if it can
   * prove it made the chat for that opening; anything else is left alone. Missing chats are fine.
   */
  discardChat(flexSid: string | null, openingKey: string): Promise<void>;
  parseWebhook(path: string, params: WebhookParams): FlexEvent;
  /** The display name of a chat participant (an agent), if Flex knows one. */
  participantName?(identity: string): Promise<string | undefined>;
  /**
   * Whether the chat's routing ended without an agent: its task canceled (a workflow timeout, every
   * agent rejecting it, someone canceling it) or deleted. Undefined while a task is open or was handled.
   */
  routingEnded?(flexSid: string): Promise<RoutingEnd | undefined>;
  /** Closes a chat whose routing ended, the way Flex wants it closed (its interaction channel); a closed chat is fine. */
  closeChat?(flexSid: string, end: RoutingEnd): Promise<void>;
  /** Closes a chat the customer ended, the way Flex wants it closed; a closed chat is fine. */
  endChat?(flexSid: string): Promise<void>;
  /** Writes a customer's satisfaction rating where Flex reporting reads it; idempotent. Absent: this back end cannot. */
  recordSurvey?(result: SurveyResult): Promise<void>;
}

/** A customer's answer to the satisfaction survey after the chat `flexSid`. */
export interface SurveyResult {
  readonly flexSid: string;
  /** The customer's handle, as the chat's task showed it. */
  readonly handle: string;
  /** 1 (worst) to 5 (best). */
  readonly rating: number;
  /** What the customer added in words, if anything. */
  readonly comment?: string;
}

/** How a chat's routing ended without an agent, and where to close it. */
export interface RoutingEnd {
  readonly reason: 'task-canceled' | 'task-deleted';
  /** TaskRouter's `reason` for a canceled task. */
  readonly detail?: string;
  /** The interaction channel that routed the chat (`KD…`, `UO…`), when Flex named it in the task. */
  readonly interaction?: { readonly sid: string; readonly channelSid: string };
}

/**
 * Flex could not route the chat to agents however often the bridge asked; the chat is closed, and the
 * customer must be told. Permanent: asking again with the same chat does not help.
 */
export class RoutingFailedError extends DeliveryError {
  constructor(
    readonly flexSid: string,
    why: string,
  ) {
    super('permanent', `Flex could not route chat ${flexSid} to an agent: ${why}`, { code: 'routing-failed' });
  }
}

/** Flex has closed the chat (e.g. the end-of-chat webhook was lost): the mapping is stale. */
export class ChatClosedError extends DeliveryError {
  constructor(flexSid: string) {
    super('permanent', `Flex chat ${flexSid} is closed`, { code: 'chat-closed' });
  }
}
