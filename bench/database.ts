import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

/** The bridge's database for one bench run: empty at the start, gone at the end. */
export interface BenchDatabase {
  readonly kind: 'sqlite' | 'postgres';
  /** DATABASE_URL for the bridge. */
  readonly url: string;
  /**
   * Adds known, idle customers (an active conversation each, as if they had written before) until the
   * conversations table has `total` rows. Call it while the bridge is stopped: the bridge migrated the schema.
   */
  seedTo(total: number): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

const SEED_COLUMNS = `network, external_user_id, external_chat_id, handle, display_name, identity, flex_mode, flex_sid, status, created_at, updated_at`;

/** A seeded customer's row, numbered `n`; ids far above the bench's live customers. */
function seedRow(n: number, now: number): unknown[] {
  const id = String(9_000_000_000 + n);
  const sid = `CH${n.toString(16).padStart(32, '0')}`;
  return ['telegram', id, id, `telegram:seeded${n}`, `Seeded Customer ${n}`, `telegram_${id}`, 'conversations', sid, 'active', now, now];
}

export function sqliteDatabase(dir: string): BenchDatabase {
  const path = join(dir, 'bridge.db');
  return {
    kind: 'sqlite',
    url: `sqlite:${path}`,
    async seedTo(total) {
      const db = new Database(path);
      try {
        const existing = (db.prepare('SELECT COUNT(*) AS n FROM conversations').get() as { n: number }).n;
        const insert = db.prepare(`INSERT INTO conversations (${SEED_COLUMNS}) VALUES (${SEED_COLUMNS.split(',').map(() => '?').join(', ')})`);
        const now = Date.now();
        db.transaction(() => {
          for (let n = existing; n < total; n++) insert.run(...seedRow(n, now));
        })();
      } finally {
        db.close();
      }
    },
    async close() {},
  };
}

/** A fresh schema in the given database; the bridge finds it through `search_path`. */
export async function postgresDatabase(baseUrl: string): Promise<BenchDatabase> {
  const schema = `fb_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: baseUrl, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    kind: 'postgres',
    url: url.toString(),
    async seedTo(total) {
      const { rows } = await admin.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${schema}.conversations`);
      const existing = Number(rows[0]?.n ?? 0);
      if (existing >= total) return;
      const now = Date.now();
      await admin.query(
        `INSERT INTO ${schema}.conversations (${SEED_COLUMNS})
         SELECT 'telegram', (9000000000 + n)::text, (9000000000 + n)::text, 'telegram:seeded' || n, 'Seeded Customer ' || n,
                'telegram_' || (9000000000 + n), 'conversations', 'CH' || lpad(to_hex(n), 32, '0'), 'active', $3, $3
         FROM generate_series($1::bigint, $2::bigint - 1) AS n`,
        [existing, total, now],
      );
    },
    async close() {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}
