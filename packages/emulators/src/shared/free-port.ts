import { createServer } from 'node:net';

/**
 * Ports are drawn below Linux's ephemeral range (32768–60999 by default), from which the kernel
 * picks the source port of every outgoing connection: a port found free there can be taken by one
 * of the many connections the tests open before the bridge listens on it (EADDRINUSE).
 */
const FIRST = 20_000;
const COUNT = 12_000;

/** A port that was free a moment ago: a bridge needs its public URL before it listens. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, host);
  return port as number;
}

/** `count` distinct ports that were free a moment ago: held open together, so none is handed out twice. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const held: { port: number; close: () => Promise<void> }[] = [];
  try {
    while (held.length < count) {
      const port = FIRST + Math.floor(Math.random() * COUNT);
      if (held.some((h) => h.port === port)) continue;
      const server = await listening(port, host);
      if (server) held.push({ port, close: () => new Promise((resolve) => server.close(() => resolve())) });
    }
    return held.map((h) => h.port);
  } finally {
    await Promise.all(held.map((h) => h.close()));
  }
}

/** A server listening on `port`, or undefined when something else has it. */
function listening(port: number, host: string): Promise<ReturnType<typeof createServer> | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' || err.code === 'EACCES' ? resolve(undefined) : reject(err)));
    server.listen(port, host, () => resolve(server));
  });
}
