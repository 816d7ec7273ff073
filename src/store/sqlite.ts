import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { UserKey } from '../bridge/messages.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';
import { sqliteMigrations } from './sqlite-migrations.js';
import type {
  Conversation,
  ConversationStatus,
  DedupeKey,
  NewConversation,
  NewOutboxRow,
  OutboxRow,
  OutboxStats,
  OutboxStatus,
  Store,
} from './store.js';
import { toConversation, toOutboxRow, type ConversationRecord, type OutboxRecord } from './records.js';

/** The embedded store: one SQLite file in WAL mode. Several processes may share it on one host. */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly checkpointer: SqliteCheckpointer | undefined;
  private completing: { ids: number[]; done: Promise<void> } | undefined;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    migrate(this.db);
    if (path !== ':memory:') {
      // Checkpoints move to a thread (see sqlite-checkpointer.ts), and come back here if it stops.
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new SqliteCheckpointer(path, () => {
        if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      });
    }
    const db = this.db;
    this.stmt = {
      insertDedupe: db.prepare('INSERT OR IGNORE INTO dedupe (source, key, seen_at) VALUES (?, ?, ?)'),
      insertOutbox: db.prepare(
        'INSERT INTO outbox (key, direction, payload, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      currentConversation: db.prepare(
        "SELECT * FROM conversations WHERE network = ? AND external_user_id = ? AND status <> 'ended'",
      ),
      conversationByFlexSid: db.prepare('SELECT * FROM conversations WHERE flex_sid = ? ORDER BY id DESC LIMIT 1'),
      insertConversation: db.prepare(
        `INSERT INTO conversations (network, external_user_id, external_chat_id, handle, display_name, identity,
           flex_mode, status, created_at, updated_at)
         VALUES (@network, @externalUserId, @externalChatId, @handle, @displayName, @identity, @flexMode, 'opening', @now, @now)
         ON CONFLICT DO NOTHING`,
      ),
      setFlexSid: db.prepare('UPDATE conversations SET flex_sid = ?, updated_at = ? WHERE id = ?'),
      setStatus: db.prepare('UPDATE conversations SET status = ?, updated_at = ? WHERE id = ? AND status <> \'ended\''),
      countOpen: db.prepare("SELECT COUNT(*) AS n FROM conversations WHERE status <> 'ended'"),
      heads: db.prepare(
        `SELECT o.* FROM outbox o
         WHERE o.status = 'pending' AND o.next_attempt_at <= @now
           AND (o.lease_until IS NULL OR o.lease_until < @now)
           AND o.id = (SELECT MIN(p.id) FROM outbox p WHERE p.key = o.key AND p.status = 'pending')
         ORDER BY o.next_attempt_at, o.id LIMIT @limit`,
      ),
      lease: db.prepare('UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE id = ?'),
      renew: db.prepare('UPDATE outbox SET lease_until = ? WHERE id = ? AND lease_owner = ?'),
      complete: db.prepare('DELETE FROM outbox WHERE id = ?'),
      retryLater: db.prepare(
        `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, ambiguous = ?,
           lease_owner = NULL, lease_until = NULL WHERE id = ?`,
      ),
      deadLetter: db.prepare(
        `UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = ?, lease_owner = NULL, lease_until = NULL
         WHERE id = ?`,
      ),
      nextDue: db.prepare(
        `SELECT MIN(MAX(o.next_attempt_at, COALESCE(o.lease_until, 0))) AS at FROM outbox o
         WHERE o.status = 'pending' AND o.id = (SELECT MIN(p.id) FROM outbox p WHERE p.key = o.key AND p.status = 'pending')`,
      ),
      stats: db.prepare(
        `SELECT SUM(status = 'pending') AS pending, SUM(status = 'dead') AS dead,
           MIN(CASE WHEN status = 'pending' THEN created_at END) AS oldest FROM outbox`,
      ),
      requeueAll: db.prepare(
        "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, ambiguous = 1 WHERE status = 'dead'",
      ),
      requeueOne: db.prepare(
        "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, ambiguous = 1 WHERE status = 'dead' AND id = ?",
      ),
      pruneDedupe: db.prepare('DELETE FROM dedupe WHERE seen_at < ?'),
    };
  }

  private insertRows(rows: readonly NewOutboxRow[], now: number): void {
    for (const row of rows) {
      this.stmt.insertOutbox.run(row.key, row.direction, JSON.stringify(row.payload), now, now);
    }
  }

  async acceptOnce(dedupe: DedupeKey, rows: readonly NewOutboxRow[]): Promise<boolean> {
    const now = Date.now();
    return this.db.transaction(() => {
      if (this.stmt.insertDedupe.run(dedupe.source, dedupe.key, now).changes === 0) return false;
      this.insertRows(rows, now);
      return true;
    }).immediate();
  }

  async enqueue(rows: readonly NewOutboxRow[]): Promise<void> {
    const now = Date.now();
    this.db.transaction(() => this.insertRows(rows, now)).immediate();
  }

  async currentConversation(user: UserKey): Promise<Conversation | undefined> {
    const r = this.stmt.currentConversation.get(user.network, user.externalUserId) as ConversationRecord | undefined;
    return r && toConversation(r);
  }

  async conversationByFlexSid(flexSid: string): Promise<Conversation | undefined> {
    const r = this.stmt.conversationByFlexSid.get(flexSid) as ConversationRecord | undefined;
    return r && toConversation(r);
  }

  async beginConversation(c: NewConversation): Promise<Conversation> {
    return this.db.transaction(() => {
      this.stmt.insertConversation.run({ ...c, now: Date.now() });
      const r = this.stmt.currentConversation.get(c.network, c.externalUserId) as ConversationRecord;
      return toConversation(r);
    }).immediate();
  }

  async setFlexSid(id: number, flexSid: string | null): Promise<void> {
    this.stmt.setFlexSid.run(flexSid, Date.now(), id);
  }

  async markRoutingRequested(id: number): Promise<void> {
    this.db.prepare('UPDATE conversations SET routing_requested = 1, updated_at = ? WHERE id = ?').run(Date.now(), id);
  }

  async resetOpening(id: number): Promise<void> {
    this.db.prepare('UPDATE conversations SET flex_sid = NULL, routing_requested = 0, updated_at = ? WHERE id = ?').run(Date.now(), id);
  }

  async activateConversation(id: number): Promise<void> {
    this.stmt.setStatus.run('active', Date.now(), id);
  }

  async endConversation(id: number): Promise<void> {
    this.stmt.setStatus.run('ended', Date.now(), id);
  }

  async listConversations(filter: { status?: ConversationStatus; limit?: number } = {}): Promise<Conversation[]> {
    const rows = filter.status
      ? this.db.prepare('SELECT * FROM conversations WHERE status = ? ORDER BY id DESC LIMIT ?').all(filter.status, filter.limit ?? 100)
      : this.db.prepare('SELECT * FROM conversations ORDER BY id DESC LIMIT ?').all(filter.limit ?? 100);
    return (rows as ConversationRecord[]).map(toConversation);
  }

  async countOpenConversations(): Promise<number> {
    return (this.stmt.countOpen.get() as { n: number }).n;
  }

  async claimDue(owner: string, limit: number, leaseMs: number, now = Date.now()): Promise<OutboxRow[]> {
    return this.db.transaction(() => {
      const heads = this.stmt.heads.all({ now, limit }) as OutboxRecord[];
      for (const h of heads) this.stmt.lease.run(owner, now + leaseMs, h.id);
      return heads.map(toOutboxRow);
    }).immediate();
  }

  async renewLeases(owner: string, ids: readonly number[], until: number): Promise<void> {
    this.db.transaction(() => {
      for (const id of ids) this.stmt.renew.run(until, id, owner);
    }).immediate();
  }

  /**
   * Rows delivered in the same turn of the event loop are deleted together, in one commit right after
   * that turn: under load, deliveries end in bursts, and a commit costs more than the delete in it.
   * Each call still resolves only once its row is gone.
   */
  complete(id: number): Promise<void> {
    if (!this.completing) {
      const ids: number[] = [];
      const done = new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          this.completing = undefined;
          try {
            this.db.transaction(() => {
              for (const each of ids) this.stmt.complete.run(each);
            }).immediate();
            resolve();
          } catch (err) {
            reject(err);
          }
        });
      });
      this.completing = { ids, done };
    }
    this.completing.ids.push(id);
    return this.completing.done;
  }

  async retryLater(id: number, at: number, error: string, ambiguous: boolean): Promise<void> {
    this.stmt.retryLater.run(at, error, ambiguous ? 1 : 0, id);
  }

  async deadLetter(id: number, reason: string): Promise<void> {
    this.stmt.deadLetter.run(reason, id);
  }

  async nextDueAt(): Promise<number | undefined> {
    const r = this.stmt.nextDue.get() as { at: number | null };
    return r.at ?? undefined;
  }

  async listOutbox(filter: { status?: OutboxStatus; limit?: number } = {}): Promise<OutboxRow[]> {
    const rows = filter.status
      ? this.db.prepare('SELECT * FROM outbox WHERE status = ? ORDER BY id LIMIT ?').all(filter.status, filter.limit ?? 100)
      : this.db.prepare('SELECT * FROM outbox ORDER BY id LIMIT ?').all(filter.limit ?? 100);
    return (rows as OutboxRecord[]).map(toOutboxRow);
  }

  async requeueDead(ids?: readonly number[]): Promise<number> {
    const now = Date.now();
    return this.db.transaction(() => {
      if (!ids) return this.stmt.requeueAll.run(now).changes;
      return ids.reduce((n, id) => n + this.stmt.requeueOne.run(now, id).changes, 0);
    }).immediate();
  }

  async outboxStats(): Promise<OutboxStats> {
    const r = this.stmt.stats.get() as { pending: number | null; dead: number | null; oldest: number | null };
    return { pending: r.pending ?? 0, dead: r.dead ?? 0, oldestPendingAt: r.oldest };
  }

  async pruneDedupe(olderThan: number): Promise<number> {
    return this.stmt.pruneDedupe.run(olderThan).changes;
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.completing?.done.catch(() => undefined);
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  sqliteMigrations.forEach((sql, i) => {
    const version = i + 1;
    if (applied.has(version)) return;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
    }).immediate();
  });
}
