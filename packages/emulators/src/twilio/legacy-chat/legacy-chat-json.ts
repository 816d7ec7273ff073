import type { ChatChannelRecord, ChatMessageRecord, ChatUserRecord, ChatWebhookRecord, FlexFlowRecord } from './legacy-chat-state.js';
import { twilioTimestamp } from '../sids.js';
import type { EmulatedAccount } from '../state.js';

/**
 * Flex v1 and Chat v2 resources in Twilio's JSON shape: Flex Flows (https://www.twilio.com/docs/flex/developer/messaging/flow),
 * Flex Channels (https://www.twilio.com/docs/flex/developer/messaging/chat-channel) and Chat channels, messages and
 * webhooks (https://www.twilio.com/docs/chat/rest).
 */

const FLEX_URL = 'https://flex-api.twilio.com/v1';
const CHAT_URL = 'https://chat.twilio.com/v2';

/** `Integration.*` values that Twilio returns as numbers or booleans rather than strings. */
const NUMERIC_INTEGRATION_KEYS = new Set(['timeout', 'priority', 'retry_count']);

export function flexFlowJson(account: EmulatedAccount, flow: FlexFlowRecord) {
  const integration: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(flow.integration)) {
    if (NUMERIC_INTEGRATION_KEYS.has(key)) integration[key] = Number(value);
    else if (key === 'creation_on_message') integration[key] = value === 'true';
    else integration[key] = value;
  }
  return {
    account_sid: account.accountSid,
    date_created: twilioTimestamp(flow.dateCreated),
    date_updated: twilioTimestamp(flow.dateUpdated),
    sid: flow.sid,
    friendly_name: flow.friendlyName,
    chat_service_sid: flow.chatServiceSid,
    channel_type: flow.channelType,
    contact_identity: flow.contactIdentity,
    enabled: flow.enabled,
    integration_type: flow.integrationType,
    integration,
    long_lived: flow.longLived,
    janitor_enabled: flow.janitorEnabled,
    url: `${FLEX_URL}/FlexFlows/${flow.sid}`,
  };
}

/** A Flex Chat Channel: the Programmable Chat channel seen from Flex. */
export function flexChannelJson(account: EmulatedAccount, channel: ChatChannelRecord) {
  return {
    account_sid: account.accountSid,
    flex_flow_sid: channel.flexFlowSid,
    sid: channel.sid,
    user_sid: channel.userSid,
    // Only the `task` integration type creates the task with the channel.
    task_sid: null,
    url: `${FLEX_URL}/Channels/${channel.sid}`,
    date_created: twilioTimestamp(channel.dateCreated),
    date_updated: twilioTimestamp(channel.dateUpdated),
  };
}

const channelUrl = (channel: { serviceSid: string; sid: string }) =>
  `${CHAT_URL}/Services/${channel.serviceSid}/Channels/${channel.sid}`;

export function chatChannelJson(account: EmulatedAccount, channel: ChatChannelRecord) {
  const url = channelUrl(channel);
  return {
    sid: channel.sid,
    account_sid: account.accountSid,
    service_sid: channel.serviceSid,
    friendly_name: channel.friendlyName,
    unique_name: channel.uniqueName,
    attributes: channel.attributes,
    type: channel.type,
    date_created: twilioTimestamp(channel.dateCreated),
    date_updated: twilioTimestamp(channel.dateUpdated),
    created_by: channel.createdBy,
    members_count: channel.members.length,
    messages_count: channel.messages.length,
    url,
    links: {
      members: `${url}/Members`,
      messages: `${url}/Messages`,
      invites: `${url}/Invites`,
      webhooks: `${url}/Webhooks`,
      last_message: null,
    },
  };
}

export function chatMessageJson(account: EmulatedAccount, channel: ChatChannelRecord, message: ChatMessageRecord) {
  return {
    sid: message.sid,
    account_sid: account.accountSid,
    attributes: message.attributes,
    service_sid: channel.serviceSid,
    to: channel.sid,
    channel_sid: channel.sid,
    date_created: twilioTimestamp(message.dateCreated),
    date_updated: twilioTimestamp(message.dateUpdated),
    last_updated_by: null,
    was_edited: false,
    from: message.from,
    body: message.body,
    index: message.index,
    type: message.media === null ? 'text' : 'media',
    media:
      message.media === null
        ? null
        : { sid: message.media.sid, size: message.media.size, content_type: message.media.contentType, filename: message.media.filename },
    url: `${channelUrl(channel)}/Messages/${message.sid}`,
  };
}

export function chatWebhookJson(account: EmulatedAccount, channel: ChatChannelRecord, webhook: ChatWebhookRecord) {
  const configuration: Record<string, unknown> = { retry_count: webhook.retryCount };
  if (webhook.url !== null) configuration.url = webhook.url;
  if (webhook.type !== 'studio') configuration.method = webhook.method;
  if (webhook.filters.length > 0) configuration.filters = webhook.filters;
  if (webhook.triggers.length > 0) configuration.triggers = webhook.triggers;
  if (webhook.flowSid !== null) configuration.flow_sid = webhook.flowSid;
  return {
    sid: webhook.sid,
    account_sid: account.accountSid,
    service_sid: channel.serviceSid,
    channel_sid: channel.sid,
    type: webhook.type,
    url: `${channelUrl(channel)}/Webhooks/${webhook.sid}`,
    configuration,
    date_created: twilioTimestamp(webhook.dateCreated),
    date_updated: twilioTimestamp(webhook.dateUpdated),
  };
}

/** A chat user; the emulator keeps no dates, roles or presence for them. */
export function chatUserJson(account: EmulatedAccount, serviceSid: string, user: ChatUserRecord) {
  const url = `${CHAT_URL}/Services/${serviceSid}/Users/${user.sid}`;
  return {
    sid: user.sid,
    account_sid: account.accountSid,
    service_sid: serviceSid,
    attributes: '{}',
    friendly_name: user.friendlyName,
    role_sid: null,
    identity: user.identity,
    is_online: null,
    is_notifiable: null,
    date_created: null,
    date_updated: null,
    joined_channels_count: null,
    links: { user_channels: `${url}/Channels`, user_bindings: `${url}/Bindings` },
    url,
  };
}
