import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ChatAdapter } from '../core/chat-adapter.js';
import type { Bridge } from '../bridge/bridge.js';
import type { FlexBackend } from '../flex/backend.js';
import type { BridgeMetrics } from '../metrics/bridge-metrics.js';
import { instrumentHttp } from '../metrics/http-metrics.js';
import { registerMetricsRoute, type MetricsAccess } from '../metrics/metrics-route.js';
import type { Role } from '../scale/intake-leadership.js';
import type { Store } from '../store/store.js';
import { registerFlexWebhooks } from './flex-webhooks.js';
import { registerFormParser } from './form-body.js';
import { registerHealth } from './health.js';

export interface HttpServerOptions {
  readonly bridge: Bridge;
  readonly flex: FlexBackend;
  readonly store: Store;
  readonly adapters: readonly ChatAdapter[];
  readonly authToken: string;
  readonly publicBaseUrl: string;
  readonly log: Logger;
  readonly metrics: BridgeMetrics;
  readonly metricsAccess: MetricsAccess;
  readonly bodyLimit?: number;
  /** Tests shorten these; see DEFAULT_TIMEOUTS. */
  readonly timeouts?: Partial<HttpTimeouts>;
  /** Set when processes share the database: whether this one leads (receives by polling/gateway). */
  readonly role?: () => Role;
}

export interface HttpTimeouts {
  /** From the connection's first byte until the request headers are complete. */
  readonly headersMs: number;
  /** Until the whole request, body included, has arrived. */
  readonly requestMs: number;
  /** A socket that neither sends nor reads for this long is closed (a client that stops reading its answer). */
  readonly idleMs: number;
  /** How long a kept-alive socket waits for its next request; above common proxy idle timeouts (60 s). */
  readonly keepAliveMs: number;
  /** How often Node checks the headers and request deadlines. */
  readonly checkIntervalMs: number;
}

/**
 * A client that sends its request slowly (slowloris) or never reads the answer is cut off instead of
 * holding a socket forever. Twilio gives up on a webhook after 5 s, and every request here is small.
 */
const DEFAULT_TIMEOUTS: HttpTimeouts = { headersMs: 10_000, requestMs: 15_000, idleMs: 30_000, keepAliveMs: 72_000, checkIntervalMs: 1_000 };

export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
  const t = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    return503OnClosing: true,
    requestTimeout: t.requestMs,
    connectionTimeout: t.idleMs,
    keepAliveTimeout: t.keepAliveMs,
    http: { headersTimeout: t.headersMs, requestTimeout: t.requestMs, connectionsCheckingInterval: t.checkIntervalMs },
  });
  const { metrics } = opts;
  instrumentHttp(app, metrics);
  registerFormParser(app);
  registerFlexWebhooks(app, {
    ...opts,
    onSignatureRejected: () => metrics.signatureRejected('twilio'),
    onEvent: (event, outcome) => {
      if (event.type === 'message') metrics.intake('flex', outcome);
    },
  });
  for (const adapter of opts.adapters) {
    const webhook = adapter.webhook;
    if (!webhook) continue;
    app.post(webhook.path, async (req, reply) => {
      const { status } = await webhook.handle(req.headers, req.body);
      // Adapter webhooks answer 401 exactly when the network's secret token is missing or wrong.
      if (status === 401) metrics.signatureRejected(adapter.network);
      return reply.code(status).send();
    });
  }
  registerHealth(app, opts);
  registerMetricsRoute(app, { metrics, access: opts.metricsAccess, log: opts.log });
  // Fastify answers these with 408 itself; this only leaves the line an operator looks for.
  app.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') opts.log.warn({ remoteAddress: socket.remoteAddress }, 'http request too slow; connection closed (408)');
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) opts.log.error({ err, path: req.url }, 'request failed');
    else opts.log.warn({ path: req.url, status, problem: err.message }, 'request refused');
    return reply.code(status).send({ error: status >= 500 ? 'internal error' : err.message });
  });
  return app;
}
