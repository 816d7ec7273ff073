import type { FlexMedia } from '../core/messages.js';

/**
 * A file as Twilio's REST message resources describe it, in snake_case unlike their webhooks: an item
 * of a Conversations message's `media` (https://www.twilio.com/docs/conversations/api/conversation-message-resource)
 * or a Chat message's one `media` (https://www.twilio.com/docs/chat/rest/message-resource).
 */
export interface RestMedia {
  sid: string;
  content_type?: string;
  filename?: string | null;
  size?: number;
}

export function flexMediaOf(item: RestMedia): FlexMedia {
  return {
    sid: item.sid,
    contentType: item.content_type || 'application/octet-stream',
    ...(item.filename ? { fileName: item.filename } : {}),
    size: item.size ?? 0,
  };
}
