import { createServer, request, type Server } from 'node:http';

/**
 * An HTTP forwarder to `target` on a fixed loopback port that can be switched off (connections are
 * then refused, as when an upstream is down) and on again.
 */
export class SwitchableProxy {
  private server: Server | undefined;
  port = 0;

  constructor(private readonly target: string) {}

  async on(): Promise<string> {
    const target = new URL(this.target);
    const server = createServer((req, res) => {
      const upstream = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : this.port;
    this.server = server;
    return `http://127.0.0.1:${this.port}`;
  }

  async off(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
