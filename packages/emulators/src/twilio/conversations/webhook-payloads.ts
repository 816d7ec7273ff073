import { twilioTimestamp } from '../sids.js';
import type {
  ConversationRecord,
  ConversationState,
  EmulatedAccount,
  MessageRecord,
  ParticipantRecord,
  StateChangeReason,
} from '../state.js';

/** Form parameters of the Conversations post-event webhooks (https://www.twilio.com/docs/conversations/conversations-webhooks), without the common ones. */
export type EventParams = Record<string, string>;

export function messageAddedParams(
  account: EmulatedAccount,
  conversation: ConversationRecord,
  message: MessageRecord,
): EventParams {
  return withoutNulls({
    ConversationSid: conversation.sid,
    MessageSid: message.sid,
    MessagingServiceSid: conversation.messagingServiceSid,
    ChatServiceSid: account.chatServiceSid,
    Index: String(message.index),
    DateCreated: twilioTimestamp(message.dateCreated),
    Body: message.body,
    Author: message.author,
    ParticipantSid: message.participantSid,
    Attributes: message.attributes,
    Media: message.media
      ? JSON.stringify(
          message.media.map((m) => ({
            Sid: m.sid,
            Filename: m.filename,
            ContentType: m.contentType,
            Size: m.size,
            Category: 'media',
          })),
        )
      : null,
  });
}

/** A chat (SDK) participant: `Identity`, no `MessagingBinding.*` (non-chat participants are not emulated). */
export function participantAddedParams(
  account: EmulatedAccount,
  conversation: ConversationRecord,
  participant: ParticipantRecord,
): EventParams {
  return withoutNulls({
    ConversationSid: conversation.sid,
    MessagingServiceSid: conversation.messagingServiceSid,
    ChatServiceSid: account.chatServiceSid,
    ParticipantSid: participant.sid,
    Identity: participant.identity,
    Attributes: participant.attributes,
    RoleSid: participant.roleSid,
    DateCreated: twilioTimestamp(participant.dateCreated),
  });
}

export function stateUpdatedParams(
  account: EmulatedAccount,
  conversation: ConversationRecord,
  from: ConversationState,
  reason: StateChangeReason,
): EventParams {
  return {
    ConversationSid: conversation.sid,
    MessagingServiceSid: conversation.messagingServiceSid,
    ChatServiceSid: account.chatServiceSid,
    StateFrom: from,
    StateTo: conversation.state,
    Reason: reason,
    StateUpdated: twilioTimestamp(conversation.dateUpdated),
  };
}

export function conversationUpdatedParams(account: EmulatedAccount, conversation: ConversationRecord): EventParams {
  return withoutNulls({
    ConversationSid: conversation.sid,
    MessagingServiceSid: conversation.messagingServiceSid,
    ChatServiceSid: account.chatServiceSid,
    DateCreated: twilioTimestamp(conversation.dateCreated),
    DateUpdated: twilioTimestamp(conversation.dateUpdated),
    FriendlyName: conversation.friendlyName,
    UniqueName: conversation.uniqueName,
    Attributes: conversation.attributes,
    State: conversation.state,
  });
}

function withoutNulls(params: Record<string, string | null>): EventParams {
  const result: EventParams = {};
  for (const [name, value] of Object.entries(params)) if (value !== null) result[name] = value;
  return result;
}
