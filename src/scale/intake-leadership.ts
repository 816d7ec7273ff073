import type { ChatAdapter, ExclusiveIntake } from '../core/chat-adapter.js';
import type { Logger } from '../log.js';
import { LeaderLock } from '../store/leader-lock.js';

export type Role = 'leader' | 'follower';

const LOCK_ROLE = 'exclusive-intake';

export interface LeadershipOptions {
  /** How often a follower tries to take the lock and the leader proves it still holds it. */
  readonly checkMs?: number;
  /** How soon a leader tries again to start an intake that failed to start. */
  readonly retryMs?: number;
  /** Called when this process becomes the leader, e.g. because the previous one died. */
  readonly onLeading?: () => void;
}

/**
 * With several processes on one PostgreSQL database, runs the adapters' exclusive intake (Telegram
 * long polling, the Discord gateway) only in the process that holds the leader lock. Changes apply
 * one at a time, in order; an intake that fails to start is tried again while this process leads.
 */
export class IntakeLeadership {
  private readonly lock: LeaderLock;
  private readonly running = new Set<ChatAdapter>();
  private leading = false;
  private stopping = false;
  private applying: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly retryMs: number;

  constructor(
    databaseUrl: string,
    private readonly adapters: readonly ChatAdapter[],
    private readonly log: Logger,
    private readonly options: LeadershipOptions = {},
  ) {
    this.retryMs = options.retryMs ?? 5_000;
    this.lock = new LeaderLock(databaseUrl, LOCK_ROLE, (leading) => this.follow(leading), options.checkMs);
  }

  get role(): Role {
    return this.leading ? 'leader' : 'follower';
  }

  start(): void {
    this.lock.start();
  }

  /** Stops the intake first, then releases the lock, so two processes never receive at once on the way out. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.follow(false);
    await this.applying;
    await this.lock.stop();
  }

  private follow(leading: boolean): void {
    if (leading && this.stopping) return;
    const changed = leading !== this.leading;
    if (changed) this.log.info(leading ? 'became leader: this process receives (long polling, gateway)' : 'became follower: another process receives');
    this.leading = leading;
    if (changed && leading) this.options.onLeading?.();
    clearTimeout(this.retryTimer);
    this.applying = this.applying.then(() => this.apply());
  }

  private async apply(): Promise<void> {
    let failed = false;
    for (const adapter of this.adapters) {
      const intake = adapter.exclusiveIntake;
      if (!intake) continue;
      if (this.leading && !this.running.has(adapter)) failed = !(await this.startIntake(adapter, intake)) || failed;
      else if (!this.leading && this.running.has(adapter)) await this.stopIntake(adapter, intake);
    }
    if (failed && this.leading) this.retryTimer = setTimeout(() => this.follow(this.leading), this.retryMs);
  }

  private async startIntake(adapter: ChatAdapter, intake: ExclusiveIntake): Promise<boolean> {
    try {
      await intake.start();
      this.running.add(adapter);
      return true;
    } catch (err) {
      this.log.error({ err, network: adapter.network, retryInMs: this.retryMs }, 'could not start receiving; will retry while leading');
      return false;
    }
  }

  private async stopIntake(adapter: ChatAdapter, intake: ExclusiveIntake): Promise<void> {
    this.running.delete(adapter);
    await intake.stop().catch((err: unknown) => this.log.warn({ err, network: adapter.network }, 'could not stop receiving cleanly'));
  }
}
