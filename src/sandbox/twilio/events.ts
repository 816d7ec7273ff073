import type { EventEmitter } from 'node:events';
import type { RequestRecord } from './request-log.js';
import type { ConversationState, MessageRecord, StateChangeReason, TaskRecord } from './state.js';
import type { WebhookDelivery } from './webhooks.js';

export interface StateChange {
  conversationSid: string;
  from: ConversationState;
  to: ConversationState;
  reason: StateChangeReason;
  at: Date;
}

/** What the emulator reports as it happens (the demo console traces these). */
export interface EmulatorEventMap {
  /** An API request arrived (after its body was parsed, before it was answered). */
  request: [RequestRecord];
  /** A webhook delivery finished: answered, failed or timed out. */
  webhook: [WebhookDelivery];
  /** A message was added to a conversation, by REST or by an agent. */
  message: [MessageRecord];
  /** A task was created or changed status. */
  task: [TaskRecord];
  /** A conversation changed state. */
  state: [StateChange];
}

export type EmulatorEvents = EventEmitter<EmulatorEventMap>;
