import { twilioTimestamp } from '../sids.js';
import { timersJson } from './timers.js';
import type {
  ConversationRecord,
  ConversationWebhookRecord,
  EmulatedAccount,
  MessageRecord,
  ParticipantRecord,
} from '../state.js';

/** Conversations v1 resources in Twilio's JSON shape (https://www.twilio.com/docs/conversations/api). */

const BASE_URL = 'https://conversations.twilio.com/v1';

const conversationUrl = (sid: string) => `${BASE_URL}/Conversations/${sid}`;

export function conversationJson(account: EmulatedAccount, conversation: ConversationRecord) {
  const url = conversationUrl(conversation.sid);
  return {
    account_sid: account.accountSid,
    chat_service_sid: account.chatServiceSid,
    messaging_service_sid: conversation.messagingServiceSid,
    sid: conversation.sid,
    friendly_name: conversation.friendlyName,
    unique_name: conversation.uniqueName,
    attributes: conversation.attributes,
    state: conversation.state,
    date_created: twilioTimestamp(conversation.dateCreated),
    date_updated: twilioTimestamp(conversation.dateUpdated),
    timers: timersJson(conversation.timers),
    url,
    links: {
      participants: `${url}/Participants`,
      messages: `${url}/Messages`,
      webhooks: `${url}/Webhooks`,
    },
    bindings: null,
  };
}

export function participantJson(account: EmulatedAccount, participant: ParticipantRecord) {
  return {
    account_sid: account.accountSid,
    conversation_sid: participant.conversationSid,
    sid: participant.sid,
    identity: participant.identity,
    attributes: participant.attributes,
    messaging_binding: null,
    role_sid: participant.roleSid,
    date_created: twilioTimestamp(participant.dateCreated),
    date_updated: twilioTimestamp(participant.dateUpdated),
    url: `${conversationUrl(participant.conversationSid)}/Participants/${participant.sid}`,
    last_read_message_index: null,
    last_read_timestamp: null,
  };
}

export function messageJson(account: EmulatedAccount, message: MessageRecord) {
  const url = `${conversationUrl(message.conversationSid)}/Messages/${message.sid}`;
  return {
    account_sid: account.accountSid,
    conversation_sid: message.conversationSid,
    sid: message.sid,
    index: message.index,
    author: message.author,
    body: message.body,
    media:
      message.media?.map((m) => ({
        sid: m.sid,
        size: m.size,
        content_type: m.contentType,
        filename: m.filename,
        category: 'media',
      })) ?? null,
    attributes: message.attributes,
    participant_sid: message.participantSid,
    date_created: twilioTimestamp(message.dateCreated),
    date_updated: twilioTimestamp(message.dateUpdated),
    url,
    delivery: null,
    links: { delivery_receipts: `${url}/Receipts`, channel_metadata: `${url}/ChannelMetadata` },
    content_sid: null,
  };
}

export function webhookJson(account: EmulatedAccount, webhook: ConversationWebhookRecord) {
  const configuration: Record<string, unknown> = {};
  if (webhook.url !== null) configuration.url = webhook.url;
  if (webhook.target === 'webhook') configuration.method = webhook.method;
  if (webhook.filters.length > 0) configuration.filters = webhook.filters;
  if (webhook.triggers.length > 0) configuration.triggers = webhook.triggers;
  if (webhook.flowSid !== null) configuration.flow_sid = webhook.flowSid;
  return {
    sid: webhook.sid,
    account_sid: account.accountSid,
    conversation_sid: webhook.conversationSid,
    target: webhook.target,
    url: `${conversationUrl(webhook.conversationSid)}/Webhooks/${webhook.sid}`,
    configuration,
    date_created: twilioTimestamp(webhook.dateCreated),
    date_updated: twilioTimestamp(webhook.dateUpdated),
  };
}

export function participantConversationJson(
  account: EmulatedAccount,
  conversation: ConversationRecord,
  participant: ParticipantRecord,
) {
  return {
    account_sid: account.accountSid,
    chat_service_sid: account.chatServiceSid,
    participant_sid: participant.sid,
    participant_user_sid: participant.userSid,
    participant_identity: participant.identity,
    participant_messaging_binding: null,
    conversation_sid: conversation.sid,
    conversation_unique_name: conversation.uniqueName,
    conversation_friendly_name: conversation.friendlyName,
    conversation_attributes: conversation.attributes,
    conversation_date_created: twilioTimestamp(conversation.dateCreated),
    conversation_date_updated: twilioTimestamp(conversation.dateUpdated),
    conversation_created_by: null,
    conversation_state: conversation.state,
    conversation_timers: {},
    links: {
      participant: `${conversationUrl(conversation.sid)}/Participants/${participant.sid}`,
      conversation: conversationUrl(conversation.sid),
    },
  };
}

/** A Conversations User (https://www.twilio.com/docs/conversations/api/user-resource). */
export function userJson(account: EmulatedAccount, user: { sid: string; identity: string; friendlyName: string | null }) {
  return {
    account_sid: account.accountSid,
    chat_service_sid: account.chatServiceSid,
    sid: user.sid,
    identity: user.identity,
    friendly_name: user.friendlyName,
    attributes: '{}',
    role_sid: null,
    is_online: null,
    is_notifiable: null,
    date_created: null,
    date_updated: null,
    url: `${BASE_URL}/Users/${user.sid}`,
    links: { user_conversations: `${BASE_URL}/Users/${user.sid}/Conversations` },
  };
}
