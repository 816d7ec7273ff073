import { knownIndexesOf } from './known-indexes.js';
import type { InboundMessage } from '../core/messages.js';
import type { ChatMapping, ChatMappingStatus, MessageLink, OutboxRow, OutboxStatus, QuarantinedMessage } from './store.js';

/** A `conversations` row as both databases return it (SQLite booleans are 0/1). */
export interface ChatMappingRecord {
  id: number;
  network: string;
  external_user_id: string;
  external_chat_id: string;
  handle: string;
  display_name: string;
  language: string | null;
  identity: string;
  flex_mode: string;
  flex_sid: string | null;
  routing_requested: boolean | number;
  flex_known_through: number | null;
  flex_known_above: string | null;
  status: ChatMappingStatus;
  agent_joined_at: number | string | null;
  created_at: number;
  updated_at: number;
}

/** An `outbox` row; `payload` is JSON text in SQLite and already parsed (JSONB) in PostgreSQL. */
export interface OutboxRecord {
  id: number;
  key: string;
  direction: OutboxRow['direction'];
  payload: string | OutboxRow['payload'];
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  ambiguous: boolean | number;
  lease_owner: string | null;
  created_at: number;
  flex_index: number | null;
}

export const toChatMapping = (r: ChatMappingRecord): ChatMapping => ({
  id: r.id,
  network: r.network,
  externalUserId: r.external_user_id,
  externalChatId: r.external_chat_id,
  handle: r.handle,
  displayName: r.display_name,
  language: r.language,
  identity: r.identity,
  flexMode: r.flex_mode,
  flexSid: r.flex_sid,
  routingRequested: Boolean(r.routing_requested),
  knownIndexes: knownIndexesOf(r.flex_known_through, r.flex_known_above),
  status: r.status,
  agentJoinedAt: r.agent_joined_at === null ? null : Number(r.agent_joined_at),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const toOutboxRow = (r: OutboxRecord): OutboxRow => ({
  id: r.id,
  key: r.key,
  direction: r.direction,
  payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as OutboxRow['payload']) : r.payload,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  // A row still leased when claimed again was held by a process that died mid-delivery.
  ambiguous: Boolean(r.ambiguous) || r.lease_owner !== null,
  createdAt: r.created_at,
  ...(typeof r.flex_index === 'number' && { flexIndex: r.flex_index }),
});

export interface QuarantineRecord {
  id: number;
  source: string;
  key: string;
  reason: string;
  message: string;
  quarantined_at: number;
}

/** Kept as base64 JSON: whatever the message holds, every store takes it. */
export const encodeQuarantined = (message: InboundMessage): string => Buffer.from(JSON.stringify(message), 'utf8').toString('base64');

export const toQuarantinedMessage = (r: QuarantineRecord): QuarantinedMessage => ({
  id: r.id,
  source: r.source,
  key: r.key,
  reason: r.reason,
  message: JSON.parse(Buffer.from(r.message, 'base64').toString('utf8')) as InboundMessage,
  quarantinedAt: r.quarantined_at,
});

/** A `message_links` row, as both databases return it. */
export interface MessageLinkRecord {
  network: string;
  external_message_id: string;
  conversation_id: number;
  flex_sid: string;
  flex_message_sid: string;
  text: string;
  created_at: number;
}

export const toMessageLink = (r: MessageLinkRecord): MessageLink => ({
  conversationId: r.conversation_id,
  flexSid: r.flex_sid,
  network: r.network,
  externalMessageId: r.external_message_id,
  flexMessageSid: r.flex_message_sid,
  text: r.text,
  createdAt: r.created_at,
});
