import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { constantTimeEqual } from '../core/constant-time.js';
import type { BridgeMetrics } from './bridge-metrics.js';

export interface MetricsAccess {
  /** `Authorization: Bearer <token>` is required. */
  readonly token?: string;
  /** With no token: answer anyone. Otherwise every request is refused (fail closed). */
  readonly public: boolean;
}

/** GET /metrics in the Prometheus text format, for the bearer token, for anyone when made public, else for no one. */
export function registerMetricsRoute(app: FastifyInstance, opts: { metrics: BridgeMetrics; access: MetricsAccess; log: Logger }): void {
  const { registry } = opts.metrics;
  const { token } = opts.access;
  app.get('/metrics', async (req, reply) => {
    if (token !== undefined) {
      if (!bearerMatches(req.headers.authorization, token)) {
        opts.log.warn('GET /metrics refused: wrong or missing bearer token');
        return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({ error: 'bearer token required' });
      }
    } else if (!opts.access.public) {
      opts.log.warn('GET /metrics refused: METRICS_TOKEN is not set (nor METRICS_PUBLIC=true)');
      return reply.code(403).send({ error: 'metrics are closed: set METRICS_TOKEN, or METRICS_PUBLIC=true' });
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer +(\S+)$/i.exec(header ?? '')?.[1];
  return given !== undefined && constantTimeEqual(given, token);
}
