import type { SessionInfo } from '@discordjs/ws';
import type { Logger } from 'pino';
import type { GatewaySessionRecord, GatewaySessionStore } from '../../src/core/gateway-sessions.js';

/** At most one sequence write per this while events arrive: a resume replays at most this much again. */
const CHECKPOINT_INTERVAL_MS = 1_000;

/**
 * The gateway session as @discordjs/ws reads and updates it (`retrieve`, `update`), kept in the
 * database so that the next process to hold the gateway resumes it and Discord replays what it
 * dispatched meanwhile. The library's sequence runs ahead (it counts events as they arrive); the
 * database gets a sequence only once its event was handled (`checkpointAfter`), so a resume from
 * there may replay an event already stored (intake drops it by message id) but never skips one.
 * When a shard's session is lost and a new one begins instead (READY, not RESUMED), what Discord
 * dispatched in between is not replayed; the keeper tells `whenSessionReplaced` since when.
 */
export class GatewaySessionKeeper {
  private readonly live = new Map<number, SessionInfo>();
  /** Shards whose kept session was read (or found missing) already. */
  private readonly loaded = new Set<number>();
  /** The latest handled sequence per shard not yet written, with the session it counts in. */
  private readonly unwritten = new Map<number, { sessionId: string; sequence: number }>();
  private writes: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private released = false;
  /** An event could not be handled: the kept sequence must stay before it. */
  private heldBack = false;
  /**
   * Per shard, until when its events are known to have arrived: the kept session's last write (as read
   * at start), then the arrival of each event in this process.
   */
  private readonly goodUntil = new Map<number, number>();
  private onReplaced: ((shardId: number, goodUntil: number) => void) | undefined;

  constructor(
    private readonly store: GatewaySessionStore,
    /** The database key of a shard's session, e.g. `discord:<bot id>:<shard id>`. */
    private readonly keyOf: (shardId: number) => string,
    private readonly log: Logger,
    private readonly intervalMs = CHECKPOINT_INTERVAL_MS,
  ) {}

  /** For @discordjs/ws: the session to resume, from the database the first time a shard connects. */
  retrieve(shardId: number): SessionInfo | null | Promise<SessionInfo | null> {
    return this.live.get(shardId) ?? (this.loaded.has(shardId) ? null : this.load(shardId));
  }

  /**
   * `listener` hears of each new session (READY) of a shard that had one before (kept in the database,
   * or earlier in this process), with the time until which that shard's events are known to have arrived.
   */
  whenSessionReplaced(listener: (shardId: number, goodUntil: number) => void): void {
    this.onReplaced = listener;
  }

  /** For @discordjs/ws: a new session is written at once, an ended one forgotten at once; a sequence waits for `checkpointAfter`. */
  update(shardId: number, info: SessionInfo | null): void {
    // On a disconnect that keeps the session, the library forgets it; the database keeps it for the next holder.
    if (this.released) return;
    const previous = this.live.get(shardId);
    if (!info) {
      this.live.delete(shardId);
      this.unwritten.delete(shardId);
      this.write(() => this.store.saveGatewaySession(this.keyOf(shardId), null));
      return;
    }
    this.live.set(shardId, info);
    if (info.sessionId === previous?.sessionId) return;
    // READY: nothing of the new session comes before it, so its sequence is already handled.
    this.unwritten.delete(shardId);
    const goodUntil = this.goodUntil.get(shardId);
    if (goodUntil !== undefined) this.onReplaced?.(shardId, goodUntil);
    const record = toRecord(info);
    this.write(() => this.store.saveGatewaySession(this.keyOf(shardId), record));
  }

  /**
   * Called as the event numbered `sequence` arrives; the returned function, once the event is handled
   * (a DM stored), lets the database's sequence move up to it.
   */
  checkpointAfter(shardId: number, sequence: number): () => void {
    this.goodUntil.set(shardId, Date.now());
    const sessionId = this.live.get(shardId)?.sessionId;
    return () => {
      // An event of a session that has ended since moves nothing.
      if (this.heldBack || sessionId === undefined || this.live.get(shardId)?.sessionId !== sessionId) return;
      this.unwritten.set(shardId, { sessionId, sequence });
      this.timer ??= setTimeout(() => void this.flush(), this.intervalMs).unref();
    };
  }

  /** An event was not handled: no later one moves the kept sequence, so a resume replays it. */
  freezeCheckpoint(): void {
    this.heldBack = true;
  }

  /**
   * Stops following the library: from now on it may forget the session (as it does when its socket is
   * closed) without the database forgetting it. Call before closing the gateway.
   */
  release(): void {
    this.released = true;
  }

  /** Writes the handled sequences not written yet; resolves when every write so far is done. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const [shardId, { sessionId, sequence }] of this.unwritten) {
      this.write(() => this.store.advanceGatewaySession(this.keyOf(shardId), sessionId, sequence));
    }
    this.unwritten.clear();
    return this.writes;
  }

  private async load(shardId: number): Promise<SessionInfo | null> {
    const record = await this.store.gatewaySession(this.keyOf(shardId)).catch((err: unknown) => {
      this.log.warn({ err, shardId }, 'could not read the discord gateway session; starting a new one');
      return undefined;
    });
    this.loaded.add(shardId);
    if (!record) return null;
    const { sessionId, sequence, resumeUrl, shardCount, updatedAt } = record;
    this.goodUntil.set(shardId, updatedAt);
    const info: SessionInfo = { sessionId, sequence, resumeURL: resumeUrl, shardId, shardCount };
    this.live.set(shardId, info);
    this.log.info({ shardId, sequence }, 'discord gateway session found; resuming it');
    return info;
  }

  /** Writes run one at a time, in order; a failed one is logged (a later checkpoint or session write supersedes it). */
  private write(operation: () => Promise<void>): void {
    this.writes = this.writes
      .then(operation)
      .catch((err: unknown) => this.log.warn({ err }, 'could not save the discord gateway session; a failover may replay more or re-identify'));
  }
}

function toRecord(info: SessionInfo): GatewaySessionRecord {
  return { sessionId: info.sessionId, sequence: info.sequence, resumeUrl: info.resumeURL, shardId: info.shardId, shardCount: info.shardCount };
}
