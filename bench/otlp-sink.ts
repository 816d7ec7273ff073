import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Stands in for an OpenTelemetry collector: takes OTLP/HTTP JSON trace exports and counts their spans. */
export class OtlpSink {
  spans = 0;
  exports = 0;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<OtlpSink> {
    const server = createServer();
    const sink = new OtlpSink(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        sink.exports++;
        sink.spans += (Buffer.concat(chunks).toString().match(/"spanId"/g) ?? []).length;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
