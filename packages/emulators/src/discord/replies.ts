import { invalidFormBody } from './api-error.js';
import type { DiscordState } from './state.js';
import type { DcMessage } from './types.js';

/** `type` of a reply message, and of the reference it carries (https://discord.com/developers/docs/resources/message#message-object-message-types). */
const REPLY_MESSAGE_TYPE = 19;
const DEFAULT_REFERENCE = 0;

/** What `message_reference` of a create asks for; the spec already checked its field types. */
export interface ReferenceRequest {
  message_id?: unknown;
  channel_id?: unknown;
  fail_if_not_exists?: unknown;
}

/**
 * Makes `message` a reply to the message of its channel that `reference` names. A message that is
 * not there fails the create (`fail_if_not_exists` defaults to true), or else the message is sent as a
 * plain one (https://discord.com/developers/docs/resources/message#message-reference-structure).
 */
export function asReply(message: DcMessage, reference: ReferenceRequest | undefined, state: DiscordState): DcMessage {
  if (reference === undefined || reference === null) return message;
  const channelId = typeof reference.channel_id === 'string' ? reference.channel_id : message.channel_id;
  const answered = typeof reference.message_id === 'string' ? state.message(reference.message_id) : undefined;
  if (!answered || answered.channel_id !== channelId || channelId !== message.channel_id) {
    if (reference.fail_if_not_exists === false) return message;
    throw invalidFormBody('message_reference', 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
  }
  return replyTo(message, answered);
}

/** `message` as a reply to `answered`: the reply type, the reference and a copy of the answered message. */
export function replyTo(message: DcMessage, answered: DcMessage): DcMessage {
  const { referenced_message: _nested, ...copy } = answered;
  return {
    ...message,
    type: REPLY_MESSAGE_TYPE,
    message_reference: { type: DEFAULT_REFERENCE, channel_id: answered.channel_id, message_id: answered.id },
    referenced_message: copy,
  };
}
