import type { Store } from './store.js';

/** PostgreSQL: the database several bridge processes can share. */
export const isPostgresUrl = (databaseUrl: string): boolean => /^postgres(ql)?:\/\//.test(databaseUrl);

/** `sqlite:<path>` or `postgres://…` (also `postgresql://…`). Loads the driver of that one only. */
export async function openStore(databaseUrl: string): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) {
    const { SqliteStore } = await import('./sqlite.js');
    return new SqliteStore(databaseUrl.slice('sqlite:'.length));
  }
  if (isPostgresUrl(databaseUrl)) {
    const { PostgresStore } = await import('./postgres.js');
    return PostgresStore.open(databaseUrl);
  }
  throw new Error(`DATABASE_URL: ${databaseUrl.split(':')[0]} is not supported (use sqlite:<path> or postgres://…)`);
}
