import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ChatAdapter } from '../core/chat-adapter.js';
import type { Role } from '../scale/intake-leadership.js';
import type { Store } from '../store/store.js';

/**
 * /healthz: the process answers. /readyz: the store answers and every adapter is connected, and, when
 * processes share the database, this one's role (a follower is ready: it sends, it just does not poll).
 */
export function registerHealth(
  app: FastifyInstance,
  opts: { store: Store; adapters: readonly ChatAdapter[]; role?: () => Role; log: Logger },
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const components: Record<string, { ready: boolean; detail: string }> = {};
    try {
      await opts.store.ping();
      components.store = { ready: true, detail: 'reachable' };
    } catch (err) {
      // The driver's message can name hosts, users or paths: it goes to the log, not to whoever asks.
      opts.log.warn({ err }, 'readiness: the store does not answer');
      components.store = { ready: false, detail: 'does not answer (see the log)' };
    }
    for (const adapter of opts.adapters) components[adapter.network] = adapter.health();
    const ready = Object.values(components).every((c) => c.ready);
    const role = opts.role?.();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', ...(role ? { role } : {}), components });
  });
}
