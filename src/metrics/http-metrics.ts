import type { FastifyInstance } from 'fastify';
import type { BridgeMetrics } from './bridge-metrics.js';

/** Counts and times every answered request by its route pattern (never the raw URL: unbounded labels). */
export function instrumentHttp(app: FastifyInstance, metrics: BridgeMetrics): void {
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime);
  });
}
