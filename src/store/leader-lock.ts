import pg from 'pg';
import { CONNECT_TIMEOUT_MS } from './postgres-timeouts.js';

// Advisory locks are database-wide: the schema is part of the key, so bridges on other schemas of the
// same database (other deployments, parallel test runs) elect their own leader.
const TRY_LOCK =
  "SELECT pg_try_advisory_lock(hashtext('flex-bridge.leader'), hashtext(coalesce(current_schema(), '') || '/' || $1)) AS ok";

/**
 * Leadership for one role (e.g. Telegram long polling) among processes sharing a PostgreSQL database.
 * The lock is a session advisory lock on a dedicated connection: PostgreSQL releases it when that
 * session ends, so a dead leader is replaced within about `intervalMs` once its connection is gone.
 */
export class LeaderLock {
  private client: pg.Client | undefined;
  private leader = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly connectionString: string,
    private readonly role: string,
    private readonly onChange: (leader: boolean) => void,
    private readonly intervalMs = 2_000,
  ) {}

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.running = this.tick();
  }

  /** Gives up leadership (the session ends, releasing the lock) and stops trying. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    this.drop();
  }

  private async tick(): Promise<void> {
    try {
      await this.check();
    } catch {
      this.drop();
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick();
    }, this.intervalMs);
  }

  /** Leader: proves the session (and so the lock) is still alive. Otherwise: tries to take the lock. */
  private async check(): Promise<void> {
    this.client ??= await this.connect();
    if (this.leader) {
      await this.client.query('SELECT 1');
      return;
    }
    const { rows } = await this.client.query<{ ok: boolean }>(TRY_LOCK, [this.role]);
    if (rows[0]!.ok) this.setLeader(true);
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.connectionString, keepAlive: true, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    client.on('error', () => {
      if (this.client === client) this.drop();
    });
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    return client;
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    this.setLeader(false);
    client?.end().catch(() => {});
  }

  private setLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.onChange(leader);
  }
}
