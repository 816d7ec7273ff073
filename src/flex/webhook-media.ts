import type { FlexMedia } from '../core/messages.js';
import { MalformedWebhookError, type WebhookParams } from './backend.js';
import { optionalField } from './webhook-params.js';

/** A Media Content Service sid: it becomes part of the MCS URL the bridge fetches, so nothing else may pass. */
export const MEDIA_SID = /^ME[0-9a-fA-F]{32}$/;

/** `Media`: a JSON array of `{Sid, ContentType, Filename, Size}` (https://www.twilio.com/docs/conversations/conversations-webhooks); absent on a text message. */
export function mediaOf(params: WebhookParams): FlexMedia[] {
  const raw = optionalField(params, 'Media');
  if (raw === undefined || raw === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new MalformedWebhookError('Media is not JSON');
  }
  if (!Array.isArray(parsed)) throw new MalformedWebhookError('Media is not a JSON array');
  return parsed.map((item: unknown) => {
    const { Sid, ContentType, Filename, Size } = (item ?? {}) as Record<string, unknown>;
    if (typeof Sid !== 'string' || Sid === '') throw new MalformedWebhookError('Media item without a Sid');
    if (!MEDIA_SID.test(Sid)) throw new MalformedWebhookError('Media item Sid is not a media SID (ME…)');
    return {
      sid: Sid,
      contentType: typeof ContentType === 'string' && ContentType !== '' ? ContentType : 'application/octet-stream',
      ...(typeof Filename === 'string' && Filename !== '' ? { fileName: Filename } : {}),
      size: Number(Size) || 0,
    };
  });
}
