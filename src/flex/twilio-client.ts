import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { fromHttpStatus, fromNetworkFailure, networkCodeOf } from '../core/delivery-error.js';
import { inSpan, SpanKind } from '../tracing/spans.js';
import { TwilioTransport } from './twilio-transport.js';

export interface TwilioClientOptions {
  readonly accountSid: string;
  readonly authToken: string;
  /** When set, `https://{host}{path}` is sent to `{apiBaseUrl}/{host}{path}`. */
  readonly apiBaseUrl?: string;
  readonly timeoutMs?: number;
  /** Observes every request: API name (host), status (0 on network failure) and duration. */
  readonly onResponse?: (api: string, status: number, ms: number) => void;
}

const AMBIGUOUS_NETWORK_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'ERR_CANCELED']);

/**
 * The only HTTP path to Twilio. Retries are the delivery layer's job (it honours Retry-After, which
 * twilio-node's own autoRetry ignores), so failures become `DeliveryError`s here, carrying status,
 * Twilio error code and Retry-After. The error never carries the request config: it holds credentials.
 */
export class BridgeRequestClient extends twilio.RequestClient {
  /** Undefined where twilio-node's own (axios) client is needed: it honours HTTP_PROXY and TWILIO_CA_BUNDLE. */
  private readonly transport: TwilioTransport | undefined;

  constructor(private readonly opts: Pick<TwilioClientOptions, 'apiBaseUrl' | 'timeoutMs' | 'onResponse'>) {
    const timeout = opts.timeoutMs ?? 15_000;
    super({ keepAlive: true, timeout, autoRetry: false, maxSockets: 64 });
    this.transport = process.env.HTTP_PROXY || process.env.TWILIO_CA_BUNDLE ? undefined : new TwilioTransport(timeout);
  }

  override request<TData>(req: RequestClient.RequestOptions<TData>) {
    const target = new URL(req.uri);
    const method = req.method.toUpperCase();
    const attributes = { 'http.request.method': method, 'server.address': target.host, 'url.path': target.pathname };
    return inSpan(`${method} ${target.host}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const res = await this.requestOnce(req, target);
      span.setAttribute('http.response.status_code', res.statusCode);
      return res;
    });
  }

  private async requestOnce<TData>(req: RequestClient.RequestOptions<TData>, target: URL) {
    const uri = this.opts.apiBaseUrl ? `${this.opts.apiBaseUrl}/${target.host}${target.pathname}${target.search}` : req.uri;
    const started = performance.now();
    const what = `${req.method.toUpperCase()} ${target.host}${target.pathname}`;
    let res: Awaited<ReturnType<RequestClient['request']>>;
    try {
      res = this.transport ? await this.transport.send(req, uri) : await super.request({ ...req, uri });
    } catch (err) {
      this.opts.onResponse?.(target.host, 0, performance.now() - started);
      // A write whose connection broke after it was sent may have been applied: the next attempt looks first.
      const ambiguous = req.method.toLowerCase() !== 'get' && AMBIGUOUS_NETWORK_CODES.has(networkCodeOf(err) ?? '');
      throw fromNetworkFailure(err, what, { ambiguous });
    }
    this.opts.onResponse?.(target.host, res.statusCode, performance.now() - started);
    if (res.statusCode < 400) return res as Awaited<ReturnType<RequestClient['request']>> & { body: TData };
    const body = parseBody(res.body);
    const message = `${what} → ${res.statusCode}${body.code ? ` (${body.code})` : ''}: ${body.message ?? 'no message'}`;
    // Twilio does not say a 5xx means "not applied" (it does for 429): a write may have gone through.
    const ambiguous = res.statusCode >= 500 && req.method.toLowerCase() !== 'get';
    throw fromHttpStatus(res.statusCode, message, { code: body.code, retryAfterMs: retryAfterMs(res.headers), ambiguous });
  }
}

export function createTwilioClient(opts: TwilioClientOptions): twilio.Twilio {
  return twilio(opts.accountSid, opts.authToken, { httpClient: new BridgeRequestClient(opts) });
}

function parseBody(body: unknown): { code?: number; message?: string } {
  const value = typeof body === 'string' ? safeJson(body) : body;
  if (typeof value !== 'object' || value === null) return {};
  const { code, message } = value as { code?: unknown; message?: unknown };
  return { code: typeof code === 'number' ? code : undefined, message: typeof message === 'string' ? message : undefined };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Retry-After in seconds or as an HTTP date. */
export function retryAfterMs(headers: unknown): number | undefined {
  const raw = (headers as Record<string, unknown> | undefined)?.['retry-after'];
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(String(raw));
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
