import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';

/**
 * Plays a client on a slow link: a request with a body is taken in only after `content-length` ÷
 * `bytesPerSecond`, so a large upload takes as long to reach Discord as it would over that link.
 */
export function registerSlowUplink(app: FastifyInstance, bytesPerSecond: number): void {
  app.addHook('onRequest', async (request) => {
    const bytes = Number(request.headers['content-length'] ?? 0);
    if (bytes > 0) await sleep((bytes / bytesPerSecond) * 1000);
  });
}
