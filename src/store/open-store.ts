import type { Store } from './store.js';
import { SqliteStore } from './sqlite.js';

/** `sqlite:<path>` or `postgres://…`. */
export async function openStore(databaseUrl: string): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) return new SqliteStore(databaseUrl.slice('sqlite:'.length));
  throw new Error(`DATABASE_URL: ${databaseUrl.split(':')[0]} is not supported yet (use sqlite:<path>)`);
}
