import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Bridge } from '../bridge/bridge.js';
import type { Acceptance } from '../core/messages.js';
import { MalformedWebhookError, type FlexBackend, type FlexEvent, type WebhookParams } from '../flex/backend.js';
import { isValidTwilioSignature } from '../flex/signature.js';
import { continuedContext, inSpan, SpanKind } from '../tracing/spans.js';

export interface FlexWebhookOptions {
  readonly flex: FlexBackend;
  readonly bridge: Bridge;
  readonly authToken: string;
  readonly publicBaseUrl: string;
  readonly log: Logger;
  readonly onSignatureRejected?: () => void;
  readonly onEvent?: (event: FlexEvent, outcome: Acceptance) => void;
}

/**
 * Flex webhooks: signature checked against PUBLIC_BASE_URL + path + query (what Twilio signed), then
 * stored and answered at once; delivery happens from the outbox. Twilio gives up after 5 s.
 */
export function registerFlexWebhooks(app: FastifyInstance, opts: FlexWebhookOptions): void {
  for (const path of opts.flex.webhookPaths) {
    // A request that carries a W3C traceparent (from an ingress that traces) continues that trace.
    app.post(path, (req, reply) =>
      inSpan(`POST ${path}`, { kind: SpanKind.SERVER, parent: continuedContext(req.headers), attributes: { 'http.route': path } }, async () => {
        const signature = req.headers['x-twilio-signature'];
        const url = `${opts.publicBaseUrl}${req.url}`;
        if (typeof signature !== 'string' || signature === '') {
          opts.onSignatureRejected?.();
          opts.log.warn({ path }, 'flex webhook refused: no X-Twilio-Signature');
          return reply.code(403).send({ error: 'missing signature' });
        }
        if (!isForm(req.headers['content-type']) || typeof req.body !== 'object' || req.body === null) {
          opts.log.warn({ path, contentType: req.headers['content-type'] }, 'flex webhook refused: not a form post');
          return reply.code(415).send({ error: 'expected application/x-www-form-urlencoded' });
        }
        const params = req.body as WebhookParams;
        if (!isValidTwilioSignature(opts.authToken, signature, url, params)) {
          opts.onSignatureRejected?.();
          opts.log.warn({ path, url }, 'flex webhook refused: signature does not match (is PUBLIC_BASE_URL the URL Twilio calls?)');
          return reply.code(403).send({ error: 'invalid signature' });
        }
        let event;
        try {
          event = opts.flex.parseWebhook(path, params);
        } catch (err) {
          if (!(err instanceof MalformedWebhookError)) throw err;
          opts.log.warn({ path, problem: err.message }, 'flex webhook refused: malformed');
          return reply.code(400).send({ error: err.message });
        }
        const outcome = await opts.bridge.acceptFlexEvent(event);
        opts.onEvent?.(event, outcome);
        return reply.code(200).send({ outcome });
    }));
  }
}

function isForm(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}
