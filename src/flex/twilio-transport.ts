import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

export interface TransportResponse {
  readonly statusCode: number;
  /** The raw body: twilio-node parses JSON strings itself. */
  readonly body: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * One Twilio API request over node:http(s) with keep-alive agents. It does what twilio-node's own
 * axios-based client does for the bridge's requests (Basic auth, form or JSON body, repeated keys for
 * arrays, a deadline for the whole request) at a fraction of the CPU: on the bridge's hot path each
 * message is one Twilio request. A timeout fails with code ETIMEDOUT.
 */
export class TwilioTransport {
  private readonly agents: { 'http:': http.Agent; 'https:': https.Agent };

  constructor(private readonly timeoutMs: number) {
    const options = { keepAlive: true, maxSockets: 64 };
    this.agents = { 'http:': new http.Agent(options), 'https:': new https.Agent(options) };
  }

  async send<TData>(req: RequestClient.RequestOptions<TData>, uri: string): Promise<TransportResponse> {
    const url = new URL(uri);
    const query = req.params ? formEncoded(req.params) : '';
    if (query !== '') url.search = url.search === '' ? query : `${url.search}&${query}`;
    const headers: Record<string, string | number> = { ...(req.headers as Record<string, string>), Connection: 'keep-alive' };
    if (req.username && req.password) {
      headers.Authorization = `Basic ${Buffer.from(`${req.username}:${req.password}`).toString('base64')}`;
    } else if (req.authStrategy) {
      headers.Authorization = await req.authStrategy.getAuthString();
    }
    let body: string | undefined;
    if (req.data) {
      body = headers['Content-Type'] === 'application/json' ? JSON.stringify(req.data) : formEncoded(req.data);
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const secure = url.protocol === 'https:';
    const agent = secure ? this.agents['https:'] : this.agents['http:'];
    const timeoutMs = req.timeout ?? this.timeoutMs;
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(url, { method: req.method.toUpperCase(), headers, agent });
      const deadline = setTimeout(() => {
        request.destroy(Object.assign(new Error(`no response within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      }, timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(deadline);
        reject(err);
      };
      request.on('error', fail);
      request.on('response', (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('error', fail);
        response.on('end', () => {
          clearTimeout(deadline);
          resolve({ statusCode: response.statusCode ?? 0, body: text, headers: response.headers });
        });
      });
      request.end(body);
    });
  }
}

/**
 * Form fields as twilio-node encodes them (`qs.stringify(fields, { arrayFormat: 'repeat' })` in its
 * RequestClient): an array repeats its key, null is empty, undefined is left out, and every character
 * but RFC 3986's unreserved ones is percent-encoded, so a space is `%20`, not `+`.
 */
function formEncoded(fields: object): string {
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined) pairs.push(`${rfc3986(name)}=${rfc3986(item === null ? '' : String(item))}`);
    }
  }
  return pairs.join('&');
}

function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
