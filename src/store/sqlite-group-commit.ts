import type Database from 'better-sqlite3';

interface Write {
  readonly run: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

/**
 * Writes asked for in the same turn of the event loop, committed together right after that turn.
 * Under load a commit costs more than the writes in it: a poll of Telegram updates, a burst of
 * webhooks and the deliveries that end together become one commit instead of one each.
 *
 * Each write of a group runs in its own savepoint (https://www.sqlite.org/lang_savepoint.html), so one that
 * throws is undone alone and rejects only its caller. Every caller's promise settles after the
 * commit: nothing is confirmed to a network before it is stored. Writes run in the order asked for.
 */
export class SqliteGroupCommit {
  private waiting: { writes: Write[]; committed: Promise<void> } | undefined;
  private readonly sql;

  constructor(private readonly db: Database.Database) {
    // Prepared once: a better-sqlite3 transaction function per write would cost more than the write.
    this.sql = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT group_write'),
      release: db.prepare('RELEASE group_write'),
      undo: db.prepare('ROLLBACK TO group_write'),
    };
  }

  run<T>(write: () => T): Promise<T> {
    if (!this.waiting) {
      const writes: Write[] = [];
      const committed = new Promise<void>((done) =>
        setImmediate(() => {
          this.waiting = undefined;
          this.commit(writes);
          done();
        }),
      );
      this.waiting = { writes, committed };
    }
    const { writes } = this.waiting;
    return new Promise<T>((resolve, reject) => writes.push({ run: write, resolve: resolve as (value: unknown) => void, reject }));
  }

  /** Resolves once the writes in waiting, if any, are committed or failed. */
  async settled(): Promise<void> {
    await this.waiting?.committed;
  }

  private commit(writes: readonly Write[]): void {
    const outcomes: (() => void)[] = [];
    try {
      this.sql.begin.run();
      for (const write of writes) outcomes.push(this.runAlone(write));
      this.sql.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.sql.rollback.run();
      for (const write of writes) write.reject(err);
      return;
    }
    for (const outcome of outcomes) outcome();
  }

  /** Runs one write in its savepoint; what to tell its caller once the group is committed. */
  private runAlone(write: Write): () => void {
    this.sql.savepoint.run();
    try {
      const value = write.run();
      this.sql.release.run();
      return () => write.resolve(value);
    } catch (err) {
      this.sql.undo.run();
      this.sql.release.run();
      return () => write.reject(err);
    }
  }
}
