import twilio from 'twilio';
import type { PostedRef } from './backend.js';

/** The form fields of a message post, named as Twilio names them (`Author`, `From`, `Body`, `MediaSid`, `Attributes`). */
export type MessageFields = Readonly<Record<string, string>>;

/**
 * Creates a message with one form POST through the client's own request path (Basic auth, User-Agent,
 * TWILIO_EDGE / TWILIO_REGION, then the bridge's RequestClient with its errors), the same request
 * twilio-node's `messages.create` sends, without its resource layer (context, list and
 * MessageInstance objects, dates parsed) that doubled the client's own CPU per message; the bridge
 * reads only the message's `index` and `sid`.
 * A failed status is already a DeliveryError from the RequestClient; a non-2xx below 400 (a
 * redirect, which is not followed) is twilio-node's RestException, as `messages.create` throws it.
 */
async function postMessageForm(client: twilio.Twilio, uri: string, fields: MessageFields, webhooks: boolean): Promise<PostedRef> {
  // The client adds Content-Type (form) and Accept (JSON) itself, as for every POST.
  const headers: Record<string, string> = webhooks ? { 'X-Twilio-Webhook-Enabled': 'true' } : {};
  const response = (await client.request({ method: 'post', uri, data: fields, headers })) as { statusCode: number; body: unknown };
  if (response.statusCode < 200 || response.statusCode >= 300) throw new twilio.RestException(response);
  const { index, sid } = (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as { index: unknown; sid: unknown };
  if (typeof index !== 'number' || typeof sid !== 'string') throw new Error(`POST ${uri}: the created message has no index or sid`);
  return { index, sid };
}

/**
 * A message in a Flex conversation: Conversations v1 `POST /v1/Conversations/{ConversationSid}/Messages`
 * (https://www.twilio.com/docs/conversations/api/conversation-message-resource#create-a-conversationmessage-resource).
 * `webhooks` sends `X-Twilio-Webhook-Enabled: true`, without which a REST-created message fires no webhooks.
 */
export function postConversationMessage(client: twilio.Twilio, conversationSid: string, fields: MessageFields, webhooks: boolean) {
  const uri = `https://conversations.twilio.com/v1/Conversations/${encodeURIComponent(conversationSid)}/Messages`;
  return postMessageForm(client, uri, fields, webhooks);
}

/**
 * A message in a Programmable Chat channel: Chat v2 `POST /v2/Services/{ServiceSid}/Channels/{ChannelSid}/Messages`
 * (https://www.twilio.com/docs/chat/rest/message-resource#create-a-message-resource).
 */
export function postChannelMessage(client: twilio.Twilio, serviceSid: string, channelSid: string, fields: MessageFields, webhooks: boolean) {
  const uri = `https://chat.twilio.com/v2/Services/${encodeURIComponent(serviceSid)}/Channels/${encodeURIComponent(channelSid)}/Messages`;
  return postMessageForm(client, uri, fields, webhooks);
}
