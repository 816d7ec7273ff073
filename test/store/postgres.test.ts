import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderLock } from '../../src/store/leader-lock.js';
import { postgresMigrations } from '../../src/store/postgres-migrations.js';
import { ACCEPT_PLAIN_ROWS_ONCE } from '../../src/store/postgres-outbox-sql.js';
import { CONNECT_TIMEOUT_MS } from '../../src/store/postgres-timeouts.js';
import { PostgresStore } from '../../src/store/postgres.js';
import type { NewChatMapping, NewOutboxRow, OutboxRow, Store } from '../../src/store/store.js';
import { storeContract } from './store-contract.js';

const baseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: baseUrl, max: 2 });
const schemas: string[] = [];

beforeAll(async () => {
  try {
    await admin.query('SELECT 1');
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${baseUrl} (${(err as Error).message}); start it (.ci/run does) or set TEST_DATABASE_URL`,
    );
  }
});

afterAll(async () => {
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

/** A connection string whose tables live in a new, empty schema, so runs never see each other's rows. */
async function scratchUrl(): Promise<string> {
  const schema = `fb_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  schemas.push(schema);
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

storeContract('postgres', async () => PostgresStore.open(await scratchUrl()));

const row = (key: string, n: number): NewOutboxRow => ({
  key,
  direction: 'to-customer',
  payload: { kind: 'notice', user: { network: 'telegram', externalUserId: key }, flexSid: 'CH1', text: `${n}` },
});

const user = (id: string): NewChatMapping => ({
  network: 'telegram',
  externalUserId: id,
  externalChatId: id,
  handle: `telegram:${id}`,
  displayName: id,
  identity: `telegram_${id}`,
  flexMode: 'conversations',
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('postgres store across processes', () => {
  it('migrates once when two processes start at once', async () => {
    const url = await scratchUrl();
    const stores = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]);
    const schema = new URL(url).searchParams.get('options')!.split('=')[1];
    const { rows } = await admin.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
    expect(rows).toEqual(postgresMigrations.map((_, i) => ({ version: i + 1 })));
    await Promise.all(stores.map((s) => s.close()));
  });

  it('never hands one row, or two rows of one key, to two claimers at once', async () => {
    const url = await scratchUrl();
    const [a, b] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]);
    const keys = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    for (let n = 0; n < 10; n++) await a.enqueue(keys.map((k) => row(k, n)));

    const inFlight = new Map<string, number>();
    const delivered = new Map<string, number[]>();
    const violations: string[] = [];

    const worker = async (store: Store, owner: string): Promise<void> => {
      for (let idle = 0; idle < 5; ) {
        const claimed: OutboxRow[] = await store.claimDue(owner, 4, 60_000);
        if (claimed.length === 0) {
          idle++;
          await pause(5);
          continue;
        }
        idle = 0;
        for (const r of claimed) {
          if (inFlight.has(r.key)) violations.push(`${owner} got ${r.id} while ${inFlight.get(r.key)} of ${r.key} was out`);
          inFlight.set(r.key, r.id);
        }
        await pause(Math.random() * 3);
        for (const r of claimed) {
          // Released before completing: the next row of this key cannot be claimed until the delete commits.
          inFlight.delete(r.key);
          delivered.set(r.key, [...(delivered.get(r.key) ?? []), r.id]);
          await store.complete(r.id);
        }
      }
    };

    await Promise.all([worker(a, 'a1'), worker(a, 'a2'), worker(b, 'b1'), worker(b, 'b2')]);

    expect(violations).toEqual([]);
    expect((await a.outboxStats()).pending).toBe(0);
    for (const key of keys) {
      const ids = delivered.get(key)!;
      expect(ids).toHaveLength(10);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
    }
    await Promise.all([a.close(), b.close()]);
  });

  it('leaves no key without its head when one process enqueues while another completes', async () => {
    const url = await scratchUrl();
    const [a, b] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]);
    const keys = ['user-1', 'user-2', 'user-3'];
    const total = 60;
    const producer = async (): Promise<void> => {
      for (let n = 0; n < total; n++) {
        await a.enqueue(keys.map((k) => row(k, n)));
        await pause(Math.random() * 2);
      }
    };
    const delivered = new Map<string, string[]>();
    const consumer = async (): Promise<void> => {
      for (let idle = 0; idle < 20; ) {
        const claimed = await b.claimDue('b', 8, 60_000);
        if (claimed.length === 0) {
          idle++;
          await pause(5);
          continue;
        }
        idle = 0;
        // Completed at once, racing the producer's next row of the same key.
        await Promise.all(claimed.map((r) => b.complete(r.id)));
        for (const r of claimed) delivered.set(r.key, [...(delivered.get(r.key) ?? []), (r.payload as { text: string }).text]);
      }
    };
    await Promise.all([producer(), consumer()]);

    expect((await a.outboxStats()).pending).toBe(0);
    for (const key of keys) expect(delivered.get(key)).toEqual(Array.from({ length: total }, (_, n) => `${n}`));
    await Promise.all([a.close(), b.close()]);
  });

  it('opens one conversation per user when two processes race', async () => {
    const url = await scratchUrl();
    const [a, b] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]);
    const ids = Array.from({ length: 20 }, (_, i) => `${i}`);
    const pairs = await Promise.all(ids.map((id) => Promise.all([a.beginMapping(user(id)), b.beginMapping(user(id))])));
    for (const [fromA, fromB] of pairs) expect(fromA).toEqual(fromB);
    expect(await a.countOpenMappings()).toBe(ids.length);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('postgres head marking when two writers race (see postgres-outbox-sql.ts)', () => {
  /** A second connection that has run the store's one-statement accept and not committed yet. */
  const acceptInOpenTransaction = async (url: string, key: string, dedupeKey: string): Promise<pg.Client> => {
    const writer = new pg.Client({ connectionString: url });
    await writer.connect();
    await writer.query('BEGIN');
    const [keys, directions, payloads] = [[key], ['to-customer'], [JSON.stringify(row(key, 0).payload)]];
    await writer.query({ ...ACCEPT_PLAIN_ROWS_ONCE, values: [keys, directions, payloads, Date.now(), 'test', dedupeKey] });
    return writer;
  };
  const headsOf = async (url: string, key: string): Promise<number[]> => {
    const schema = new URL(url).searchParams.get('options')!.split('=')[1];
    const { rows } = await admin.query<{ id: string }>(`SELECT id FROM ${schema}.outbox WHERE key = $1 AND is_head ORDER BY id`, [key]);
    return rows.map((r) => Number(r.id));
  };

  it('a delete of the head waits for a writer that queued a row behind it, then makes that row the head', async () => {
    const url = await scratchUrl();
    const store = await PostgresStore.open(url);
    await store.enqueue([row('k', 1)]);
    const [head] = await store.claimDue('w', 1, 60_000);
    const writer = await acceptInOpenTransaction(url, 'k', 'behind-head');
    let deleted = false;
    const deleting = store.complete(head!.id).then(() => (deleted = true));
    await pause(150);
    expect(deleted).toBe(false);
    await writer.query('COMMIT');
    await writer.end();
    await deleting;
    const [next] = await store.listOutbox();
    expect(await headsOf(url, 'k')).toEqual([next!.id]);
    expect((await store.claimDue('w', 1, 60_000)).map((r) => r.id)).toEqual([next!.id]);
    await store.close();
  });

  it('a writer that finds no head while another writer is making one runs again and queues behind it', async () => {
    const url = await scratchUrl();
    const store = await PostgresStore.open(url);
    const writer = await acceptInOpenTransaction(url, 'k', 'first');
    const second = store.acceptOnce({ source: 'test', key: 'second' }, [row('k', 2)]);
    await pause(150);
    await writer.query('COMMIT');
    await writer.end();
    expect(await second).toBe(true);
    const [first, behind] = await store.listOutbox();
    expect(await headsOf(url, 'k')).toEqual([first!.id]);
    const claimed = await store.claimDue('w', 10, 60_000);
    expect(claimed.map((r) => r.id)).toEqual([first!.id]);
    await store.complete(first!.id);
    expect((await store.claimDue('w', 10, 60_000)).map((r) => r.id)).toEqual([behind!.id]);
    await store.close();
  });

  it('leaves every key one head, its first pending row, when three processes write, deliver and dead-letter the same keys', async () => {
    const url = await scratchUrl();
    const stores = await Promise.all([0, 1, 2].map(() => PostgresStore.open(url)));
    const keys = ['a', 'b', 'c', 'd'];
    let dead = 0;
    let delivered = 0;
    const write = async (store: Store, p: number): Promise<void> => {
      for (let n = 0; n < 100; n++) await store.acceptOnce({ source: `p${p}`, key: `${n}` }, [row(keys[(n + p) % keys.length]!, n)]);
    };
    const deliver = async (store: Store, owner: string): Promise<void> => {
      for (let idle = 0; idle < 20; ) {
        const claimed = await store.claimDue(owner, 4, 60_000);
        if (claimed.length === 0) {
          idle++;
          await pause(5);
          continue;
        }
        idle = 0;
        await Promise.all(claimed.map((r) => (r.id % 17 === 0 ? store.deadLetter(r.id, 'gave up').then(() => dead++) : store.complete(r.id).then(() => delivered++))));
      }
    };
    await Promise.all([...stores.map(write), ...stores.map((s, i) => deliver(s, `w${i}`))]);
    expect({ dead, delivered, pending: (await stores[0]!.outboxStats()).pending }).toEqual({ dead, delivered: 300 - dead, pending: 0 });

    expect(await stores[0]!.requeueDead()).toBe(dead);
    const schema = new URL(url).searchParams.get('options')!.split('=')[1];
    const { rows } = await admin.query<{ key: string; heads: string[]; first: string }>(
      `SELECT key, array_agg(id ORDER BY id) FILTER (WHERE is_head) AS heads, (array_agg(id ORDER BY seq, id))[1] AS first
       FROM ${schema}.outbox WHERE status = 'pending' GROUP BY key`,
    );
    for (const r of rows) expect(r.heads).toEqual([r.first]);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('stores a message offered to two processes at once once', async () => {
    const url = await scratchUrl();
    const [a, b] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) => [a, b].map((s) => s.acceptOnce({ source: 'test', key: `m${n}` }, [row(`k${n % 3}`, n)]))).flat(),
    );
    expect(results.filter(Boolean)).toHaveLength(20);
    expect((await a.outboxStats()).pending).toBe(20);
    for (const key of ['k0', 'k1', 'k2']) expect(await headsOf(url, key)).toHaveLength(1);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('leader lock', () => {
  const waitFor = async (condition: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !condition(); i++) await pause(25);
    expect(condition()).toBe(true);
  };
  const newRole = () => `polling-${randomBytes(4).toString('hex')}`;

  it('elects one leader, and another when the leader goes away', async () => {
    const role = newRole();
    const locks = [1, 2].map(() => new LeaderLock(baseUrl, role, () => {}, 50));
    locks.forEach((lock) => lock.start());
    await waitFor(() => locks.some((lock) => lock.isLeader));
    await pause(200);
    expect(locks.filter((lock) => lock.isLeader)).toHaveLength(1);
    const leader = locks.find((lock) => lock.isLeader)!;
    const follower = locks.find((lock) => lock !== leader)!;

    await leader.stop();
    await waitFor(() => follower.isLeader);
    await follower.stop();
  });

  it('steps down when its session is killed, then takes the free lock again', async () => {
    const role = newRole();
    const url = new URL(baseUrl);
    url.searchParams.set('application_name', role);
    const changes: boolean[] = [];
    const lock = new LeaderLock(url.toString(), role, (leader) => changes.push(leader), 50);
    lock.start();
    await waitFor(() => lock.isLeader);

    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [role]);
    await waitFor(() => changes.length === 3);
    expect(changes).toEqual([true, false, true]);
    await lock.stop();
  });
});

describe('PostgresStore when the database does not answer', () => {
  it('bounds each statement and each transaction left idle on the server', async () => {
    const store = await PostgresStore.open(await scratchUrl());
    try {
      // The pool is private: the settings are read through it the way every store call runs.
      const { pool } = store as unknown as { pool: pg.Pool };
      const setting = async (name: string) => (await pool.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name];
      expect(await setting('statement_timeout')).toBe('30s');
      expect(await setting('idle_in_transaction_session_timeout')).toBe('1min');
    } finally {
      await store.close();
    }
  });

  it('fails to open, instead of hanging, against a server that takes the connection and never answers', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      // The connect timeout decides, not TCP (which gives up after minutes): the test's own limit is just above it.
      await expect(PostgresStore.open(`postgres://postgres@127.0.0.1:${port}/test`)).rejects.toThrow(/timeout/i);
    } finally {
      silent.close();
    }
  }, CONNECT_TIMEOUT_MS + 15_000);
});

describe('postgres repairHeads', () => {
  it('marks the next row of queues left with none marked (two versions writing one database), and only those', async () => {
    const url = await scratchUrl();
    const schema = new URL(url).searchParams.get('options')!.split('=')[1];
    const store = await PostgresStore.open(url);
    try {
      await store.enqueue([row('a', 1), row('a', 2), row('b', 1), row('c', 1)]);
      await admin.query(`UPDATE ${schema}.outbox SET is_head = false WHERE key IN ('a', 'b')`);
      expect(await store.claimDue('w', 10, 60_000)).toHaveLength(1);
      expect(await store.repairHeads()).toBe(2);
      const claimed = await store.claimDue('w', 10, 60_000);
      expect(claimed.map((r) => `${r.key}${r.payload.kind === 'notice' ? r.payload.text : ''}`).sort()).toEqual(['a1', 'b1']);
      expect(await store.repairHeads()).toBe(0);
    } finally {
      await store.close();
    }
  });
});
