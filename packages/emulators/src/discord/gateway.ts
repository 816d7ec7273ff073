import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { GatewaySession, Op } from './gateway-session.js';
import { PRIVILEGED_INTENTS } from './intents.js';
import type { DcUser, GatewayEvent } from './types.js';

/** Close codes the emulator sends (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes). */
export const CloseCode = {
  UnknownOpcode: 4001,
  DecodeError: 4002,
  NotAuthenticated: 4003,
  AuthenticationFailed: 4004,
  AlreadyAuthenticated: 4005,
  InvalidApiVersion: 4012,
  InvalidIntents: 4013,
  DisallowedIntents: 4014,
} as const;

export interface GatewayOptions {
  token: string;
  heartbeatIntervalMs: number;
  /** Privileged intents switched on "in the developer portal"; asking for any other closes with 4014. */
  privilegedIntents: number;
  bot: DcUser;
  applicationId: string;
  /** How long a session whose socket went away (not closed with 1000/1001) can still be resumed. */
  resumeWindowMs: number;
  onEvent: (event: GatewayEvent) => void;
}

interface Connection {
  id: number;
  socket: WebSocket;
  session: GatewaySession | undefined;
  closedByServer: boolean;
}

/**
 * The gateway side of the emulator: HELLO, IDENTIFY → READY, heartbeats, RESUME with replay, and the
 * server-initiated RECONNECT / INVALID_SESSION / dropped sockets that make a client recover.
 */
export class GatewayServer {
  /** Where clients resume (`resume_gateway_url`); set once the emulator listens. */
  url = '';
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, GatewaySession>();
  private readonly connections = new Set<Connection>();
  private nextConnectionId = 1;
  private identifyCloseCode: number | undefined;

  constructor(private readonly opts: GatewayOptions) {}

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws, request.url ?? '/'));
  }

  /**
   * Sends event `t` to every session for which `payloadFor(intents)` gives a payload (undefined: the
   * session's intents exclude it). Sessions whose socket is gone keep it for RESUME. Returns how many got it.
   */
  dispatch(t: string, payloadFor: (intents: number) => unknown): number {
    let count = 0;
    for (const session of this.sessions.values()) {
      if (this.endIfExpired(session)) continue;
      const d = payloadFor(session.intents);
      if (d === undefined) continue;
      const frame = session.dispatch(t, d);
      const connection = this.connectionOf(session);
      if (connection) this.send(connection, frame);
      count += 1;
    }
    return count;
  }

  /** Closes every socket abnormally (no close frame), as a network failure would; sessions stay resumable. */
  dropConnections(): number {
    const open = [...this.connections];
    for (const connection of open) {
      connection.session?.detach();
      connection.closedByServer = true;
      connection.socket.terminate();
    }
    return open.length;
  }

  /** Closes every socket with `code`, e.g. 4000 (client resumes) or 4004 (token reset: the client gives up). */
  closeConnections(code: number): number {
    const open = [...this.connections];
    for (const connection of open) this.closeWith(connection, code, 'Closed by the sandbox.');
    return open.length;
  }

  /** Op 7: the client should reconnect and resume. */
  requestReconnect(): void {
    for (const connection of this.connections) this.send(connection, { op: Op.Reconnect, d: null, s: null, t: null });
  }

  /** Op 9: `resumable` lets the client RESUME; otherwise its sessions end and it must IDENTIFY again. */
  invalidateSessions(resumable: boolean): void {
    for (const connection of this.connections) {
      if (!connection.session) continue;
      this.send(connection, { op: Op.InvalidSession, d: resumable, s: null, t: null });
      if (!resumable) this.endSession(connection);
    }
  }

  /** Ends every session no socket holds, as the resume window running out would; returns how many ended. */
  expireDetachedSessions(): number {
    const detached = [...this.sessions.values()].filter((session) => session.socket === undefined);
    for (const session of detached) this.sessions.delete(session.id);
    return detached.length;
  }

  /** The next IDENTIFY is answered by closing with `code` (e.g. 4004, 4014) whatever it contains. */
  failNextIdentify(code: number): void {
    if (!Number.isInteger(code) || code < 4000 || code > 4999) throw new RangeError('a gateway close code is 4000-4999');
    this.identifyCloseCode = code;
  }

  get liveSessions(): number {
    return [...this.sessions.values()].filter((session) => session.socket !== undefined).length;
  }

  close(): void {
    for (const connection of this.connections) connection.socket.terminate();
    this.sessions.clear();
    this.wss.close();
  }

  private onConnection(socket: WebSocket, url: string): void {
    const connection: Connection = { id: this.nextConnectionId++, socket, session: undefined, closedByServer: false };
    this.connections.add(connection);
    this.opts.onEvent({ kind: 'connected', connectionId: connection.id });
    socket.on('message', (data) => this.onMessage(connection, data));
    socket.on('close', (code) => this.onClose(connection, code));
    const version = new URL(url, 'ws://gateway').searchParams.get('v');
    if (version !== null && version !== '10') return this.closeWith(connection, CloseCode.InvalidApiVersion, 'Invalid API version');
    this.send(connection, { op: Op.Hello, d: { heartbeat_interval: this.opts.heartbeatIntervalMs }, s: null, t: null });
  }

  private onMessage(connection: Connection, data: RawData): void {
    let frame: { op?: unknown; d?: unknown };
    try {
      frame = JSON.parse(data.toString()) as { op?: unknown; d?: unknown };
    } catch {
      return this.closeWith(connection, CloseCode.DecodeError, 'Error while decoding payload.');
    }
    const op = typeof frame.op === 'number' ? frame.op : -1;
    this.opts.onEvent({ kind: 'received', connectionId: connection.id, op, ...(connection.session ? { sessionId: connection.session.id } : {}) });
    const d = (typeof frame.d === 'object' && frame.d !== null ? frame.d : {}) as Record<string, unknown>;
    switch (op) {
      case Op.Heartbeat:
        return this.send(connection, { op: Op.HeartbeatAck, d: null, s: null, t: null });
      case Op.Identify:
        return this.identify(connection, d);
      case Op.Resume:
        return this.resume(connection, d);
      case Op.PresenceUpdate:
      case Op.VoiceStateUpdate:
      case Op.RequestGuildMembers:
        if (!connection.session) this.closeWith(connection, CloseCode.NotAuthenticated, 'Not authenticated.');
        return;
      default:
        return this.closeWith(connection, CloseCode.UnknownOpcode, 'Unknown opcode.');
    }
  }

  private identify(connection: Connection, d: Record<string, unknown>): void {
    if (connection.session) return this.closeWith(connection, CloseCode.AlreadyAuthenticated, 'Already authenticated.');
    if (d.token !== this.opts.token) return this.closeWith(connection, CloseCode.AuthenticationFailed, 'Authentication failed.');
    const injected = this.identifyCloseCode;
    if (injected !== undefined) {
      this.identifyCloseCode = undefined;
      return this.closeWith(connection, injected, 'Closed by a scripted fault.');
    }
    const intents = d.intents;
    if (typeof intents !== 'number' || !Number.isInteger(intents) || intents < 0) {
      return this.closeWith(connection, CloseCode.InvalidIntents, 'Invalid intent(s).');
    }
    if ((intents & PRIVILEGED_INTENTS & ~this.opts.privilegedIntents) !== 0) {
      return this.closeWith(connection, CloseCode.DisallowedIntents, 'Disallowed intent(s).');
    }
    const shard: [number, number] = isShard(d.shard) ? d.shard : [0, 1];
    const session = new GatewaySession(randomBytes(16).toString('hex'), intents);
    this.sessions.set(session.id, session);
    this.attach(connection, session);
    this.send(
      connection,
      session.dispatch('READY', {
        v: 10,
        user: this.opts.bot,
        guilds: [],
        private_channels: [],
        session_id: session.id,
        resume_gateway_url: this.url,
        shard,
        application: { id: this.opts.applicationId, flags: 0 },
      }),
    );
  }

  private resume(connection: Connection, d: Record<string, unknown>): void {
    if (d.token !== this.opts.token) return this.closeWith(connection, CloseCode.AuthenticationFailed, 'Authentication failed.');
    const known = typeof d.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
    const session = known && !this.endIfExpired(known) ? known : undefined;
    const missed = session && typeof d.seq === 'number' ? session.since(d.seq) : undefined;
    if (!session || !missed) {
      if (session) this.sessions.delete(session.id);
      return this.send(connection, { op: Op.InvalidSession, d: false, s: null, t: null });
    }
    this.attach(connection, session);
    for (const frame of missed) this.send(connection, frame);
    this.send(connection, session.dispatch('RESUMED', null));
  }

  /** One socket per session: a session resumed elsewhere leaves its old socket behind, which is closed. */
  private attach(connection: Connection, session: GatewaySession): void {
    const previous = this.connectionOf(session);
    if (previous && previous !== connection) {
      previous.session = undefined;
      this.closeWith(previous, 4000, 'Session resumed on another connection.');
    }
    connection.session = session;
    session.attach(connection.socket);
  }

  private connectionOf(session: GatewaySession): Connection | undefined {
    if (!session.socket) return undefined;
    for (const connection of this.connections) if (connection.socket === session.socket) return connection;
    return undefined;
  }

  private endSession(connection: Connection): void {
    if (!connection.session) return;
    this.sessions.delete(connection.session.id);
    connection.session.detach();
    connection.session = undefined;
  }

  private onClose(connection: Connection, code: number): void {
    this.connections.delete(connection);
    this.opts.onEvent({ kind: 'closed', connectionId: connection.id, code, byServer: connection.closedByServer });
    const session = connection.session;
    if (!session || session.socket !== connection.socket) return;
    session.detach();
    // Closing with 1000 or 1001 ends the session on Discord; any other close leaves it resumable.
    if (code === 1000 || code === 1001) this.sessions.delete(session.id);
  }

  /** Ends a session left without a socket for longer than the resume window; true if it ended. */
  private endIfExpired(session: GatewaySession): boolean {
    if (!session.expired(this.opts.resumeWindowMs)) return false;
    this.sessions.delete(session.id);
    return true;
  }

  private closeWith(connection: Connection, code: number, reason: string): void {
    connection.closedByServer = true;
    connection.socket.close(code, reason);
  }

  private send(connection: Connection, frame: { op: number; d: unknown; s: number | null; t: string | null }): void {
    if (connection.socket.readyState !== WebSocket.OPEN) return;
    connection.socket.send(JSON.stringify(frame));
    this.opts.onEvent({
      kind: 'sent',
      connectionId: connection.id,
      op: frame.op,
      ...(frame.t !== null ? { t: frame.t } : {}),
      ...(frame.s !== null ? { s: frame.s } : {}),
    });
  }
}

function isShard(value: unknown): value is [number, number] {
  return Array.isArray(value) && value.length === 2 && value.every((n) => Number.isInteger(n));
}
