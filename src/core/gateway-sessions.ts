/**
 * A chat network's gateway session (Discord's), kept in the database so that the next process to hold
 * the gateway resumes it and the network replays what it dispatched meanwhile, instead of starting a
 * new session and losing those events.
 */
export interface GatewaySessionRecord {
  readonly sessionId: string;
  /** The last sequence number whose event was handled: a resume replays every event after it. */
  readonly sequence: number;
  readonly resumeUrl: string;
  readonly shardId: number;
  readonly shardCount: number;
}

/** A kept session as read back, with when it was last written (a new session or a handled event moved it). */
export interface KeptGatewaySession extends GatewaySessionRecord {
  /** Epoch ms of the last write: the holder's intake was good up to about then. */
  readonly updatedAt: number;
}

export interface GatewaySessionStore {
  gatewaySession(name: string): Promise<KeptGatewaySession | undefined>;
  /** Replaces the session kept under `name` (a new one), or forgets it (null: it can no longer be resumed). */
  saveGatewaySession(name: string, session: GatewaySessionRecord | null): Promise<void>;
  /**
   * Moves the kept sequence forward to `sequence` while `sessionId` is still the kept session; a late
   * write of a process that no longer holds the gateway can so neither move it back nor bring back its session.
   */
  advanceGatewaySession(name: string, sessionId: string, sequence: number): Promise<void>;
}
