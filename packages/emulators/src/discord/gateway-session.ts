import type { WebSocket } from 'ws';

/** Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-opcodes). */
export const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

export interface Dispatch {
  op: 0;
  t: string;
  s: number;
  d: unknown;
}

/** How many dispatches a session keeps for RESUME; a client further behind must identify again. */
const REPLAY_LIMIT = 1000;

/**
 * A gateway session outlives its connection: dispatches get sequence numbers whether or not a socket
 * is attached (as Discord keeps dispatching to a session whose client died), and a RESUME, on any
 * connection, replays the ones after the client's last sequence.
 */
export class GatewaySession {
  private attached: WebSocket | undefined;
  /** When the last socket went away; undefined while one is attached. */
  private detachedAt: number | undefined;
  private seq = 0;
  private readonly recent: Dispatch[] = [];

  constructor(
    readonly id: string,
    readonly intents: number,
  ) {}

  get socket(): WebSocket | undefined {
    return this.attached;
  }

  attach(socket: WebSocket): void {
    this.attached = socket;
    this.detachedAt = undefined;
  }

  detach(): void {
    this.attached = undefined;
    this.detachedAt ??= Date.now();
  }

  /** Left without a socket for longer than `windowMs`: Discord no longer lets it be resumed. */
  expired(windowMs: number, now = Date.now()): boolean {
    return this.detachedAt !== undefined && now - this.detachedAt > windowMs;
  }

  /** Numbers the event and keeps it for replay; the caller sends it if a socket is attached. */
  dispatch(t: string, d: unknown): Dispatch {
    this.seq += 1;
    const frame: Dispatch = { op: 0, t, s: this.seq, d };
    this.recent.push(frame);
    if (this.recent.length > REPLAY_LIMIT) this.recent.shift();
    return frame;
  }

  /** Dispatches after `seq`, or undefined when some of them are no longer kept. */
  since(seq: number): Dispatch[] | undefined {
    if (seq > this.seq) return undefined;
    const first = this.recent[0]?.s ?? this.seq + 1;
    if (seq + 1 < first) return undefined;
    return this.recent.filter((frame) => frame.s > seq);
  }
}
