import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import { storeContract } from './store-contract.js';

storeContract('sqlite', async () => new SqliteStore(':memory:'));

describe('sqlite store', () => {
  it('keeps state across reopening the file and does not re-run migrations', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fb-')), 'db.sqlite');
    const first = new SqliteStore(path);
    await first.acceptOnce({ source: 'telegram', key: '1' }, []);
    await first.close();
    const second = new SqliteStore(path);
    expect(await second.acceptOnce({ source: 'telegram', key: '1' }, [])).toBe(false);
    await second.close();
  });

  it('marks the next row of queues left with none marked, and only those', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fb-')), 'db.sqlite');
    const store = new SqliteStore(path);
    const notice = (key: string, text: string) => ({
      key,
      direction: 'to-customer' as const,
      payload: { kind: 'notice' as const, user: { network: 'telegram', externalUserId: key }, flexSid: 'CH1', text },
    });
    await store.enqueue([notice('a', 'a1'), notice('a', 'a2'), notice('b', 'b1'), notice('c', 'c1')]);
    const other = new Database(path);
    other.prepare("UPDATE outbox SET is_head = 0 WHERE key IN ('a', 'b')").run();
    other.close();
    expect(await store.claimDue('w', 10, 60_000)).toHaveLength(1);
    expect(await store.repairHeads()).toBe(2);
    const texts = (await store.claimDue('w', 10, 60_000)).map((r) => (r.payload.kind === 'notice' ? r.payload.text : ''));
    expect(texts.sort()).toEqual(['a1', 'b1']);
    expect(await store.repairHeads()).toBe(0);
    await store.close();
  });
});
