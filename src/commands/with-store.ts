import { loadConfig } from '../config.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';

/** Opens the configured store (DATABASE_URL, as `start` reads it) for one operator command. */
export async function withStore<T>(use: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(loadConfig().DATABASE_URL);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}
