import type { Attachment, AutoReply, ExternalChatRef, InboundMessage, MediaFile, MessageDeletion, OutboundMessage, SentRef } from './messages.js';

/** Resolves once the message is durably stored; the adapter acknowledges its network only then. */
export type InboundSink = (msg: InboundMessage) => Promise<void>;

/** Resolves once the reply is durably stored for sending (or known as stored before); acknowledged like a message. */
export type AutoReplySink = (reply: AutoReply) => Promise<void>;

/** Resolves once the deletion is handled (the agent told, or nothing to tell); acknowledged like a message. */
export type DeletionSink = (deletion: MessageDeletion) => Promise<void>;

export interface AdapterCapabilities {
  readonly maxTextLength: number;
  /** Whether `send` takes a file and `download` fetches attachments. */
  readonly media: boolean;
  readonly typing: boolean;
  /** With `media`: the longest caption a file may carry; longer text is sent after it. */
  readonly maxCaptionLength?: number;
  /** With `media`: the largest file the network lets a bot send. */
  readonly maxFileBytes?: number;
}

/** An HTTP endpoint an adapter needs (e.g. the Telegram webhook); the http layer mounts it. */
export interface AdapterWebhook {
  readonly path: string;
  handle(headers: Record<string, string | string[] | undefined>, body: unknown): Promise<{ status: number }>;
}

export interface AdapterHealth {
  readonly ready: boolean;
  readonly detail: string;
}

/**
 * Receiving over a connection that only one process may hold at a time (Telegram long polling, the
 * Discord gateway). When several processes share a database only the leader runs it; it needs the
 * adapter started first, and the adapter's `stop` stops it too.
 */
export interface ExclusiveIntake {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One external network. `start` makes it ready to send and to take its webhook, and hands each
 * customer message to the sink, each answer it gives by itself (a greeting) to `replies`, and each
 * message a customer deleted to `deletions`;
 * receiving that only one process may do waits for `exclusiveIntake`.
 * `send` writes to a customer and throws a `DeliveryError` (retryable or permanent) on failure.
 */
export interface ChatAdapter {
  readonly network: string;
  readonly capabilities: AdapterCapabilities;
  readonly webhook?: AdapterWebhook;
  readonly exclusiveIntake?: ExclusiveIntake;
  /** `deletions` hears of messages a customer deleted, on a network that reports it. */
  start(sink: InboundSink, replies: AutoReplySink, deletions?: DeletionSink): Promise<void>;
  stop(): Promise<void>;
  send(to: ExternalChatRef, msg: OutboundMessage): Promise<SentRef[]>;
  /** With `media`: opens a customer's attachment as a stream; a file the network will not give is a permanent DeliveryError. */
  download?(attachment: Attachment): Promise<MediaFile>;
  health(): AdapterHealth;
}
