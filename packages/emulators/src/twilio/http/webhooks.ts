import { TwilioApiError } from './errors.js';
import { ReorderingGate, type WebhookReordering } from './webhook-reordering.js';
import { twilioSignature } from './signature.js';

/** One webhook request Twilio would make: which event, where to, with which form parameters. */
export interface WebhookCall {
  eventType: string;
  conversationSid: string;
  messageSid: string | null;
  webhookSid: string;
  /** The configured `Configuration.Url`, query string included. */
  url: string;
  method: 'get' | 'post';
  params: Record<string, string>;
  /** Sent as `I-Twilio-Idempotency-Token`; stays the same when the event is redelivered. */
  idempotencyToken: string;
  /** Signed with a wrong key, to show that the receiver rejects it. */
  forged: boolean;
  /** Lost on the way, whatever `loseNext` says (a product that loses whole events, retries included). */
  lost?: boolean;
}

/** Recorded when the call starts; the outcome fields are filled in when it ends. */
export interface WebhookDelivery extends WebhookCall {
  id: number;
  signature: string;
  startedAt: Date;
  /** Null while the call is in flight. */
  durationMs: number | null;
  /** The receiver's HTTP status, or null when no response arrived (see `error`). */
  statusCode: number | null;
  error: string | null;
}

const FORGED_KEY_SUFFIX = '-not-the-auth-token';

/**
 * Sends webhooks the way Twilio does: form-encoded, signed with the auth token, 5 s timeout, no
 * automatic retry. Calls for one conversation go out one after another, in the order of the events,
 * unless `reordering` holds some back (see webhook-reordering.ts).
 */
export class WebhookSender {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly stopping = new AbortController();
  private toLose = 0;
  private readonly reordering: ReorderingGate | undefined;

  constructor(
    private readonly authToken: string,
    private readonly timeoutMs: number,
    private readonly onFinished: (delivery: WebhookDelivery) => void,
    reordering?: WebhookReordering,
  ) {
    this.reordering = reordering && new ReorderingGate(reordering);
  }

  /** Resolves once the call has been answered or has failed (a failure is recorded, not thrown). */
  send(call: WebhookCall): Promise<WebhookDelivery> {
    if (!this.reordering) return this.enqueue(call);
    return new Promise((resolve) => this.reordering!.admit(call.conversationSid, () => resolve(this.enqueue(call))));
  }

  private enqueue(call: WebhookCall): Promise<WebhookDelivery> {
    const key = call.conversationSid;
    const previous = this.queues.get(key) ?? Promise.resolve();
    const delivery = previous.then(() => this.deliver(call));
    const settled = delivery.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return delivery;
  }

  /**
   * The latest delivery of the message to each webhook, sent again with the same idempotency token:
   * a Chat retry (`RetryCount` + 1), or for Conversations, which does not retry and sends no
   * `RetryCount`, the same event arriving twice (a proxy or load balancer repeating the request).
   */
  redeliver(messageSid: string): Promise<WebhookDelivery[]> {
    const latestPerWebhook = new Map<string, WebhookDelivery>();
    for (const delivery of this.deliveries) {
      if (delivery.messageSid === messageSid && !delivery.forged) latestPerWebhook.set(delivery.webhookSid, delivery);
    }
    if (latestPerWebhook.size === 0) {
      throw new TwilioApiError(404, 20404, `No webhook delivery recorded for message ${messageSid}`);
    }
    return Promise.all(
      [...latestPerWebhook.values()].map((previous) => {
        const retried: Record<string, string> = previous.params.RetryCount === undefined ? {} : { RetryCount: String(Number(previous.params.RetryCount) + 1) };
        return this.send({
          eventType: previous.eventType,
          conversationSid: previous.conversationSid,
          messageSid: previous.messageSid,
          webhookSid: previous.webhookSid,
          url: previous.url,
          method: previous.method,
          params: { ...previous.params, ...retried },
          idempotencyToken: previous.idempotencyToken,
          forged: false,
        });
      }),
    );
  }

  /** The next `count` calls are lost on the way: recorded as failed, never sent (`redeliver` sends them). */
  loseNext(count: number): void {
    this.toLose += count;
  }

  /** Aborts calls in flight; later calls fail at once. */
  stop(): void {
    this.stopping.abort();
  }

  private async deliver(call: WebhookCall): Promise<WebhookDelivery> {
    const signingKey = call.forged ? this.authToken + FORGED_KEY_SUFFIX : this.authToken;
    const isGet = call.method === 'get';
    // A GET carries the parameters in the query string and is signed over that full URL alone.
    const requestUrl = isGet ? appendQuery(call.url, call.params) : call.url;
    const delivery: WebhookDelivery = {
      ...call,
      id: this.deliveries.length + 1,
      signature: twilioSignature(signingKey, requestUrl, isGet ? {} : call.params),
      startedAt: new Date(),
      durationMs: null,
      statusCode: null,
      error: null,
    };
    this.deliveries.push(delivery);
    if (call.lost || this.toLose > 0) {
      if (!call.lost) this.toLose--;
      delivery.error = 'lost on the way (fault injection)';
      delivery.durationMs = 0;
      this.onFinished(delivery);
      return delivery;
    }
    try {
      const response = await fetch(requestUrl, {
        method: isGet ? 'GET' : 'POST',
        headers: {
          'User-Agent': 'TwilioProxy/1.1',
          'X-Twilio-Signature': delivery.signature,
          'I-Twilio-Idempotency-Token': call.idempotencyToken,
          ...(isGet ? {} : { 'Content-Type': 'application/x-www-form-urlencoded' }),
        },
        body: isGet ? undefined : new URLSearchParams(call.params).toString(),
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.stopping.signal]),
      });
      await response.arrayBuffer();
      delivery.statusCode = response.status;
    } catch (err) {
      delivery.error = describeFailure(err, this.timeoutMs);
    }
    delivery.durationMs = Date.now() - delivery.startedAt.getTime();
    this.onFinished(delivery);
    return delivery;
  }
}

function appendQuery(url: string, params: Record<string, string>): string {
  const query = new URLSearchParams(params).toString();
  if (query === '') return url;
  return url + (url.includes('?') ? '&' : '?') + query;
}

function describeFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no response within ${timeoutMs} ms`;
  if (err instanceof Error && err.name === 'AbortError') return 'emulator stopped';
  const cause = err instanceof Error ? (err.cause as { code?: string } | undefined) : undefined;
  if (cause?.code) return cause.code;
  return err instanceof Error ? err.message : String(err);
}
