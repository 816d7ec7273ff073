import type { FlexMedia } from '../core/messages.js';
import { MalformedWebhookError, type WebhookParams } from './backend.js';
import { MEDIA_SID } from './webhook-media.js';
import { mediaOf } from './webhook-media.js';
import { optionalField } from './webhook-params.js';


/**
 * The file of a Programmable Chat `onMessageSent` (a Chat message holds at most one). Twilio's table
 * of these fields could not be found (https://www.twilio.com/docs/chat/webhook-events): public code reads `MediaSid` from the webhook
 * (clowdr-app/clowdr-backend app.js), which the sandbox sends with `MediaContentType`, `MediaFilename`
 * and `MediaSize`; a Conversations-style `Media` JSON array is taken too. Only the sid is required:
 * the file and its details come from MCS when it is delivered, and a known size lets the bridge refuse
 * a file the customer's network cannot take before fetching it.
 */
export function chatMessageMediaOf(params: WebhookParams): FlexMedia[] {
  const sid = optionalField(params, 'MediaSid');
  if (sid === undefined || sid === '') return mediaOf(params);
  if (!MEDIA_SID.test(sid)) throw new MalformedWebhookError('MediaSid is not a media SID (ME…)');
  const contentType = optionalField(params, 'MediaContentType');
  const fileName = optionalField(params, 'MediaFilename');
  return [
    {
      sid,
      contentType: contentType ? contentType : 'application/octet-stream',
      ...(fileName ? { fileName } : {}),
      size: sizeOf(optionalField(params, 'MediaSize')),
    },
  ];
}

function sizeOf(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  if (!/^\d+$/.test(raw)) throw new MalformedWebhookError('MediaSize is not a number of bytes');
  return Number(raw);
}
