import type { FastifyInstance } from 'fastify';
import { constantTimeEqual } from '../core/constant-time.js';
import type { BridgeMetrics } from './bridge-metrics.js';

/** GET /metrics in the Prometheus text format; with a token configured, only for `Authorization: Bearer <token>`. */
export function registerMetricsRoute(app: FastifyInstance, opts: { metrics: BridgeMetrics; token?: string }): void {
  const { registry } = opts.metrics;
  app.get('/metrics', async (req, reply) => {
    if (opts.token !== undefined && !bearerMatches(req.headers.authorization, opts.token)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({ error: 'bearer token required' });
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer +(\S+)$/i.exec(header ?? '')?.[1];
  return given !== undefined && constantTimeEqual(given, token);
}
