import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * A trivial load balancer: each request goes to the next backend in turn. Like nginx's default
 * (`proxy_next_upstream error`), a backend that refuses the connection is skipped — the request never
 * reached it — but a request that failed after it was sent is answered 502, never sent again.
 */
export class RoundRobinProxy {
  /** Backend ports on 127.0.0.1, set once they are chosen (after the proxy listens, so it cannot take one). */
  ports: readonly number[] = [];
  /** Requests answered by each backend port. */
  readonly served = new Map<number, number>();
  /** Requests answered 502: the backend died holding them. */
  failed = 0;
  private next = 0;
  private server: Server | undefined;

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.forward(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    for (let tried = 0; tried < this.ports.length; tried++) {
      const port = this.ports[this.next++ % this.ports.length]!;
      const answer = await this.send(port, req, body);
      if (answer === 'refused') continue;
      if (answer === 'failed') break;
      this.served.set(port, (this.served.get(port) ?? 0) + 1);
      res.writeHead(answer.status, answer.headers).end(answer.body);
      return;
    }
    this.failed++;
    res.writeHead(502).end();
  }

  private send(port: number, req: IncomingMessage, body: Buffer): Promise<Answer | 'refused' | 'failed'> {
    return new Promise((resolve) => {
      // A fresh connection each time: a kept-alive socket to a dead backend would fail after sending, not refuse.
      const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }));
        answer.on('error', () => resolve('failed'));
      });
      upstream.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'refused' : 'failed'));
      upstream.end(body);
    });
  }
}
