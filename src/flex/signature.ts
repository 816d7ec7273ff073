import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../core/constant-time.js';
import type { WebhookParams } from './backend.js';

/**
 * Twilio's X-Twilio-Signature: base64 HMAC-SHA1, keyed with the auth token, over the full URL Twilio
 * called followed by each POST parameter's name and value, sorted by name (repeated values sorted).
 */
export function twilioSignature(authToken: string, url: string, params: WebhookParams): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    const values = Array.isArray(value) ? [...new Set(value)].sort() : [value ?? ''];
    for (const v of values) data += name + v;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

export function isValidTwilioSignature(authToken: string, signature: string, url: string, params: WebhookParams): boolean {
  return constantTimeEqual(signature, twilioSignature(authToken, url, params));
}
