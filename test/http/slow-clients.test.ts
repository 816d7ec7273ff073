import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { ChatAdapter } from '../../src/core/chat-adapter.js';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { BridgeMetrics } from '../../src/metrics/bridge-metrics.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { tempDatabaseUrl } from '../support/harness.js';

/** An adapter with a webhook, so that the server has a route that reads a body. */
const webhookAdapter = {
  network: 'scripted',
  capabilities: { maxTextLength: 2000, media: false, typing: false },
  webhook: { path: '/scripted/webhook', handle: async () => ({ status: 200 }) },
  start: async () => undefined,
  stop: async () => undefined,
  send: () => Promise.reject(new Error('this test sends nothing')),
  health: () => ({ ready: true, detail: 'scripted' }),
} satisfies ChatAdapter;

let app: FastifyInstance | undefined;
let store: Store | undefined;
let logged = '';
afterEach(async () => {
  await app?.close();
  await store?.close();
  logged = '';
});

const capture = new Writable({
  write(chunk, _enc, done) {
    logged += String(chunk);
    done();
  },
});

/** The server with deadlines short enough for a test; the Flex side is never reached here. */
async function serverWithShortDeadlines(): Promise<number> {
  store = await openStore(tempDatabaseUrl());
  app = createHttpServer({
    bridge: undefined as never,
    flex: { webhookPaths: [] } as never,
    store,
    adapters: [webhookAdapter],
    authToken: 'x'.repeat(32),
    publicBaseUrl: 'http://127.0.0.1',
    log: createLogger({ level: 'warn', secrets: [], destination: capture }),
    metrics: new BridgeMetrics(store),
    metricsAccess: { public: false },
    timeouts: { headersMs: 300, requestMs: 600, checkIntervalMs: 50 },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as { port: number }).port;
}

/**
 * Opens a raw connection, writes `head`, then one more `drip` every 20 ms for as long as the server
 * keeps the socket open. Returns what the server answered before it closed the connection.
 */
function dripUntilClosed(port: number, head: string, drip: string): Promise<{ answer: string; dripped: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let dripped = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (!socket.writable) return;
        socket.write(drip);
        dripped++;
      }, 20);
    });
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', (err) => {
      // The server may reset the socket while a drip is on its way; what it answered still counts.
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET' && (err as NodeJS.ErrnoException).code !== 'EPIPE') reject(err);
    });
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, dripped });
    });
  });
}

describe('slow HTTP clients', () => {
  it('cuts off a client that never finishes its headers (slowloris) with 408', async () => {
    const port = await serverWithShortDeadlines();
    const { answer, dripped } = await dripUntilClosed(port, 'GET /healthz HTTP/1.1\r\nHost: bridge\r\n', 'X-Slow: 1\r\n');
    expect(dripped).toBeGreaterThan(0);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).not.toContain('"status":"ok"');
    expect(logged).toContain('http request too slow; connection closed (408)');
  });

  it('cuts off a client that sends its body a byte at a time with 408', async () => {
    const port = await serverWithShortDeadlines();
    const head = 'POST /scripted/webhook HTTP/1.1\r\nHost: bridge\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"a":"';
    const { answer, dripped } = await dripUntilClosed(port, head, 'x');
    expect(dripped).toBeGreaterThan(0);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(logged).toContain('http request too slow; connection closed (408)');
  });
});
