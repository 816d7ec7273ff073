import type { Store } from './store.js';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';

/** PostgreSQL: the database several bridge processes can share. */
export const isPostgresUrl = (databaseUrl: string): boolean => /^postgres(ql)?:\/\//.test(databaseUrl);

/** `sqlite:<path>` or `postgres://…` (also `postgresql://…`). */
export async function openStore(databaseUrl: string): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) return new SqliteStore(databaseUrl.slice('sqlite:'.length));
  if (isPostgresUrl(databaseUrl)) return PostgresStore.open(databaseUrl);
  throw new Error(`DATABASE_URL: ${databaseUrl.split(':')[0]} is not supported (use sqlite:<path> or postgres://…)`);
}
