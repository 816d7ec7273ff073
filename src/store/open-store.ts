import type { Store } from './store.js';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';

/** `sqlite:<path>` or `postgres://…` (also `postgresql://…`). */
export async function openStore(databaseUrl: string): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) return new SqliteStore(databaseUrl.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return PostgresStore.open(databaseUrl);
  throw new Error(`DATABASE_URL: ${databaseUrl.split(':')[0]} is not supported (use sqlite:<path> or postgres://…)`);
}
