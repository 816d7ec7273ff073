import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/** Server-sent events to every open console page; each event is one JSON message. */
export class EventStream {
  private readonly clients = new Set<ServerResponse>();

  /** Takes over the reply: headers, then `first` (the page's starting state), then every later broadcast. */
  attach(reply: FastifyReply, first: unknown): void {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(frame(first));
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  broadcast(message: unknown): void {
    const data = frame(message);
    for (const res of this.clients) res.write(data);
  }

  /** Ends every stream, so the server can close. */
  closeAll(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}

function frame(message: unknown): string {
  return `data: ${JSON.stringify(message)}\n\n`;
}
