import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const INTERVAL_MS = 100;

// CommonJS, run by the worker thread itself: its own connection to the same file.
const LOOP = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or failing: the next round tries again; the WAL only grows meanwhile.
  }
}, workerData.intervalMs);
`;

/**
 * WAL checkpoints on a worker thread. SQLite checkpoints on the connection whose commit makes the
 * WAL long (1000 pages), and a checkpoint syncs the files to disk: on the bridge's single event loop
 * that held up every message in flight, for several to tens of milliseconds, a few times a second
 * under load. With this, the bridge's connection never checkpoints; a thread with its own connection
 * does every 100 ms (a PASSIVE checkpoint runs alongside writers). Durability is unchanged: commits
 * are made and synced exactly as before, a checkpoint only copies committed pages into the database.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;

  /** `onStopped` runs if the thread dies, so the caller can turn automatic checkpoints back on. */
  constructor(path: string, onStopped: () => void) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(LOOP, { eval: true, workerData: { driver, path, intervalMs: INTERVAL_MS } });
    this.worker.unref();
    this.worker.once('exit', onStopped);
    this.worker.once('error', () => undefined);
  }

  async stop(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
