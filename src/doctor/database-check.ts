import { openStore } from '../store/open-store.js';
import { fail, pass, type CheckResult } from './check.js';

/** The store opens and answers (migrating it, as `start` would), and what the outbox holds. */
export async function checkDatabase(databaseUrl: string): Promise<CheckResult[]> {
  const where = withoutCredentials(databaseUrl);
  let store;
  try {
    store = await openStore(databaseUrl);
  } catch (err) {
    return [fail('database', `cannot open ${where}: ${(err as Error).message}`)];
  }
  try {
    await store.ping();
    const [open, stats] = await Promise.all([store.countOpenMappings(), store.outboxStats()]);
    const oldest = stats.oldestPendingAt === null ? '' : ` (oldest queued ${Math.round((Date.now() - stats.oldestPendingAt) / 1000)} s ago)`;
    const dead = stats.dead === 0 ? '0 dead-lettered' : `${stats.dead} dead-lettered: see \`flex-bridge outbox list --dead\``;
    return [
      pass('database', `${where} answers; ${open} open conversation(s)`),
      pass('outbox', `${stats.pending} pending${oldest}, ${dead}`),
    ];
  } catch (err) {
    return [fail('database', `${where} does not answer: ${(err as Error).message}`)];
  } finally {
    await store.close();
  }
}

/** `postgres://user:password@host/db` → `postgres://host/db`. */
function withoutCredentials(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) return databaseUrl;
  const url = new URL(databaseUrl);
  url.username = '';
  url.password = '';
  return url.toString();
}
