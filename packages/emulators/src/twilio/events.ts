import type { EventEmitter } from 'node:events';
import type { ChatMessageRecord, ChatTaskRecord } from './legacy-chat/legacy-chat-state.js';
import type { RequestRecord } from './http/request-log.js';
import type { ApiTaskRecord, ConversationState, InteractionChannelRecord, MessageRecord, StateChangeReason, TaskRecord } from './state.js';
import type { WebhookDelivery } from './http/webhooks.js';

export interface StateChange {
  conversationSid: string;
  from: ConversationState;
  to: ConversationState;
  reason: StateChangeReason;
  at: Date;
}

/** A legacy chat channel's attributes after an update (Flex ends a chat by setting `status: INACTIVE` in them). */
export interface ChannelChange {
  channelSid: string;
  /** The JSON string, as stored. */
  attributes: string;
  at: Date;
}

/** What the emulator reports as it happens (the demo console traces these). */
export interface EmulatorEventMap {
  /** An API request arrived (after its body was parsed, before it was answered). */
  request: [RequestRecord];
  /** A webhook delivery finished: answered, failed or timed out (Conversations and legacy chat alike). */
  webhook: [WebhookDelivery];
  /** A message was added to a conversation, by REST or by an agent. */
  message: [MessageRecord];
  /** An interaction channel's asynchronous setup ended: `active`, or `failed` with its error. */
  interactionChannel: [InteractionChannelRecord];
  /** A task was created or changed status. */
  task: [TaskRecord];
  /** A task was created, changed or canceled through the TaskRouter API (a survey's record). */
  apiTask: [ApiTaskRecord];
  /** A conversation changed state. */
  state: [StateChange];
  /** Legacy chat: a message was added to a channel, by REST or by an agent. */
  chatMessage: [ChatMessageRecord];
  /** Legacy chat: Studio "Send to Flex" created a task, or a task changed status. */
  chatTask: [ChatTaskRecord];
  /** Legacy chat: a channel was updated. */
  chatChannel: [ChannelChange];
}

export type EmulatorEvents = EventEmitter<EmulatorEventMap>;
