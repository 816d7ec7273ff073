import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TwilioTransport } from '../../src/flex/twilio-transport.js';

/** The raw request line and body, as they came over the wire. */
interface Seen {
  url: string;
  body: string;
}

describe('TwilioTransport encodes requests as twilio-node does', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        seen.push({ url: request.url ?? '', body });
        response.setHeader('content-type', 'application/json');
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** The same request through twilio-node's own RequestClient and through the transport. */
  async function both(options: { method: 'get' | 'post'; path: string; params?: object; data?: object }): Promise<[Seen, Seen]> {
    const request = { ...options, uri: `${base}${options.path}`, username: 'AC1', password: 'token', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } };
    seen.length = 0;
    await new twilio.RequestClient().request(request as never);
    await new TwilioTransport(5000).send(request as never, request.uri);
    return [seen[0]!, seen[1]!];
  }

  it('a query: a space is %20, quotes and = are percent-encoded (TaskRouter EvaluateTaskAttributes)', async () => {
    const [official, ours] = await both({ method: 'get', path: '/v1/Workspaces/WS1/Tasks', params: { EvaluateTaskAttributes: 'conversationSid == "CH1"', PageSize: 1 } });

    expect(ours.url).toBe(official.url);
    expect(ours.url).toContain('EvaluateTaskAttributes=conversationSid%20%3D%3D%20%22CH1%22');
  });

  it('a query added to a next-page URL that already has one', async () => {
    const [official, ours] = await both({ method: 'get', path: '/v1/Conversations?PageSize=2&Page=1', params: { Order: 'desc' } });

    expect(ours.url).toBe(official.url);
  });

  it('a form body: repeated keys for arrays, RFC 3986 escapes, null empty, undefined left out', async () => {
    const data = { Body: "it's (a) *test* ~ 100% ü+é", 'Configuration.Filters': ['onMessageAdded', 'onConversationStateUpdated'], Attributes: '{"a":"b c"}', Empty: null, Left: undefined };
    const [official, ours] = await both({ method: 'post', path: '/v1/Conversations/CH1/Messages', data });

    expect(ours.body).toBe(official.body);
    expect(ours.body).toContain('Body=it%27s%20%28a%29%20%2Atest%2A%20~%20100%25%20%C3%BC%2B%C3%A9');
  });
});
