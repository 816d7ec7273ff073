/**
 * What one customer's backlog costs everyone else: enqueuing a row and claiming heads with N rows
 * queued behind one key whose head waits for its retry, against the same with no backlog, on
 * SQLite (in memory) and on PostgreSQL when it is reachable (a scratch schema of BENCH_DATABASE_URL,
 * default postgres://postgres@127.0.0.1:5432/test). Prints ratios measured in this one run.
 * `npm run bench:backlog -- 100000`
 */
import { postgresDatabase, DEFAULT_POSTGRES_URL } from './database.js';
import { PostgresStore } from '../src/store/postgres.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { NewOutboxRow, Store } from '../src/store/store.js';

const backlog = Number(process.argv[2] ?? 100_000);
const SAMPLES = 200;

const row = (key: string, text: string): NewOutboxRow => ({
  key,
  direction: 'to-customer',
  payload: { kind: 'customer-notice', to: { network: 'telegram', externalUserId: key, externalChatId: key }, text },
});

/** Mean ms of enqueuing one row of `key`, and of a claim that finds one fresh head among the others. */
async function sample(store: Store, key: string, round: string): Promise<{ enqueueMs: number; claimMs: number }> {
  let enqueueMs = 0;
  let claimMs = 0;
  for (let i = 0; i < SAMPLES; i++) {
    let started = performance.now();
    await store.enqueue([row(key, `${round} ${i}`)]);
    enqueueMs += performance.now() - started;
    await store.enqueue([row(`${round}-other-${i}`, 'hello')]);
    started = performance.now();
    const claimed = await store.claimDue(`${round}-${i}`, 32, 60_000);
    claimMs += performance.now() - started;
    await Promise.all(claimed.filter((head) => head.key !== 'flooded').map((head) => store.complete(head.id)));
  }
  return { enqueueMs: enqueueMs / SAMPLES, claimMs: claimMs / SAMPLES };
}

async function measure(name: string, store: Store): Promise<void> {
  await sample(store, 'warm-up', 'warm-up');
  const quiet = await sample(store, 'quiet', 'quiet');
  const started = performance.now();
  for (let i = 0; i < backlog; i += 1_000) {
    await store.enqueue(Array.from({ length: Math.min(1_000, backlog - i) }, (_, k) => row('flooded', `${i + k}`)));
  }
  const fillMs = performance.now() - started;
  const [head] = await store.claimDue('flood', 1, 60_000);
  if (head) await store.retryLater(head.id, Date.now() + 3_600_000, 'network down', false);
  const flooded = await sample(store, 'flooded', 'flooded');
  await store.close();

  const fmt = (ms: number) => `${ms.toFixed(3)} ms`;
  console.log(`${name}: ${backlog.toLocaleString('en')} rows of one key queued in ${(fillMs / 1000).toFixed(1)} s, its head waiting for a retry`);
  console.log(`  enqueue one more row of that key: ${fmt(flooded.enqueueMs)} (no backlog: ${fmt(quiet.enqueueMs)}), ratio ${(flooded.enqueueMs / quiet.enqueueMs).toFixed(2)}`);
  console.log(`  claim (other customers' heads):   ${fmt(flooded.claimMs)} (no backlog: ${fmt(quiet.claimMs)}), ratio ${(flooded.claimMs / quiet.claimMs).toFixed(2)}`);
}

await measure('SQLite', new SqliteStore(':memory:'));
const database = await postgresDatabase(process.env.BENCH_DATABASE_URL ?? DEFAULT_POSTGRES_URL).catch((err: Error) => {
  console.log(`PostgreSQL: skipped, not reachable (${err.message})`);
});
if (database) {
  try {
    await measure('PostgreSQL', await PostgresStore.open(database.url));
  } finally {
    await database.close();
  }
}
