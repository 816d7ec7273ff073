import { createHmac } from 'node:crypto';

/**
 * `X-Twilio-Signature`: base64(HMAC-SHA1(authToken, url + name1 + value1 + name2 + value2 …)) with the
 * POST parameters sorted by name. The URL is the one configured in Twilio, query string included.
 */
export function twilioSignature(authToken: string, url: string, params: Readonly<Record<string, string>>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, name) => acc + name + params[name], url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}
