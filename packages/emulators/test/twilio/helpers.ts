import Fastify, { type FastifyInstance } from 'fastify';
import twilio from 'twilio';
import { afterEach } from 'vitest';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { TwilioEmulator, type TwilioEmulatorOptions } from '../../src/twilio/emulator.js';
import { formValue, registerFormParser, asFormParams } from '../../src/twilio/http/form-body.js';

export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const AUTH_TOKEN = 'test_auth_token';
/** The emulated account's TaskRouter workspace and workflow: Interactions routed elsewhere fail. */
export const WORKSPACE_SID = 'WS0123456789abcdef0123456789abcdef';
export const WORKFLOW_SID = 'WW0123456789abcdef0123456789abcdef';

/** The bridge's way of pointing twilio-node at another base URL: `https://{host}{path}` → `{base}/{host}{path}`. */
export class LocalRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: string,
    options: RequestClient.RequestClientOptions = {},
  ) {
    super(options);
  }

  override request<TData>(options: RequestClient.RequestOptions<TData>) {
    const original = new URL(options.uri);
    const uri = `${this.baseUrl}/${original.host}${original.pathname}${original.search}`;
    return super.request<TData>({ ...options, uri });
  }
}

export function localClient(
  baseUrl: string,
  { authToken = AUTH_TOKEN, ...requestClientOptions }: RequestClient.RequestClientOptions & { authToken?: string } = {},
) {
  const httpClient = new LocalRequestClient(baseUrl, requestClientOptions);
  return { client: twilio(ACCOUNT_SID, authToken, { httpClient }), httpClient };
}

const started: TwilioEmulator[] = [];

/**
 * Every test that starts an emulator here fails when it sent a request Twilio's OpenAPI definitions
 * refuse; a test that sends one on purpose asserts it and takes it out of `contractViolations`.
 */
afterEach(() => {
  const violations = started.splice(0).flatMap((emulator) => emulator.contractViolations);
  if (violations.length > 0) throw new Error(`requests Twilio's OpenAPI definitions refuse: ${JSON.stringify(violations)}`);
});

export async function startEmulator(options: Partial<TwilioEmulatorOptions> = {}) {
  const emulator = new TwilioEmulator({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    workspaceSid: WORKSPACE_SID,
    workflowSid: WORKFLOW_SID,
    ...options,
  });
  started.push(emulator);
  const baseUrl = await emulator.start();
  return { emulator, baseUrl, ...localClient(baseUrl) };
}

export interface ReceivedWebhook {
  method: string;
  /** The URL Twilio called, as it was configured (this receiver's base + path + query). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  params: Record<string, string>;
  signatureValid: boolean;
}

/** A bridge-like webhook endpoint: checks `X-Twilio-Signature` with twilio-node and answers 403 when it is wrong. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** When set, requests are held unanswered (to exercise the sender's timeout). */
  holdRequests = false;
  private readonly app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true });
  private baseUrl = '';
  private waiters: { count: number; resolve: () => void }[] = [];

  async start(): Promise<this> {
    registerFormParser(this.app);
    this.app.all('/*', async (request, reply) => {
      const url = this.baseUrl + request.url;
      const method = request.method;
      // A GET carries its parameters in the signed URL itself.
      const params = method === 'GET' ? asFormParams(request.query) : asFormParams(request.body);
      const flat: Record<string, string> = {};
      for (const name of Object.keys(params)) flat[name] = formValue(params, name) ?? '';
      const signature = request.headers['x-twilio-signature'];
      const signedParams = method === 'GET' ? {} : flat;
      const signatureValid =
        typeof signature === 'string' && twilio.validateRequest(AUTH_TOKEN, signature, url, signedParams);
      this.received.push({ method, url, headers: request.headers, params: flat, signatureValid });
      this.notify();
      if (this.holdRequests) return new Promise(() => undefined);
      return reply.code(signatureValid ? 200 : 403).send();
    });
    this.baseUrl = await this.app.listen({ port: 0, host: '127.0.0.1' });
    return this;
  }

  url(pathAndQuery = '/twilio/conversations'): string {
    return this.baseUrl + pathAndQuery;
  }

  /** Resolves once `count` webhooks in total have arrived. */
  waitFor(count: number): Promise<ReceivedWebhook[]> {
    return new Promise((resolve) => {
      this.waiters.push({ count, resolve: () => resolve(this.received.slice(0, count)) });
      this.notify();
    });
  }

  async stop(): Promise<void> {
    await this.app.close();
  }

  private notify(): void {
    const ready = this.waiters.filter((w) => this.received.length >= w.count);
    this.waiters = this.waiters.filter((w) => this.received.length < w.count);
    for (const waiter of ready) waiter.resolve();
  }
}

/** Resolves with the error a promise rejects with; fails if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

/** Uploads bytes to the emulator's MCS as the account, the way the bridge does; returns the `ME…` sid. */
export async function uploadMedia(emulator: TwilioEmulator, data: Buffer, contentType: string, filename?: string): Promise<string> {
  const query = filename ? `?Filename=${encodeURIComponent(filename)}` : '';
  const url = `${emulator.baseUrl}/mcs.us1.twilio.com/v1/Services/${emulator.account.chatServiceSid}/Media${query}`;
  const authorization = `Basic ${Buffer.from(`${emulator.account.accountSid}:${emulator.account.authToken}`).toString('base64')}`;
  const response = await fetch(url, { method: 'POST', body: data, headers: { authorization, 'content-type': contentType } });
  if (response.status !== 201) throw new Error(`MCS upload answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { sid: string }).sid;
}

/** Resolves with the webhook calls once at least `count` of them have been answered or have failed. */
export async function settledWebhookCalls(emulator: TwilioEmulator, count: number) {
  for (let i = 0; i < 300; i++) {
    const done = emulator.webhookDeliveries.filter((d) => d.durationMs !== null);
    if (done.length >= count) return done;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`fewer than ${count} webhook calls finished`);
}

/** Flex sets an accepted interaction up asynchronously: resolves once the conversation's latest interaction channel left `setup`. */
export async function settledChannel(emulator: TwilioEmulator, conversationSid: string, timeoutMs = 2000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const channel = emulator.interactionChannelOf(conversationSid);
    if (channel && channel.status !== 'setup') return channel;
    if (Date.now() > deadline) throw new Error(`the interaction of ${conversationSid} was not set up in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
