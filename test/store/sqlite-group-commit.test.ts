import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteGroupCommit } from '../../src/store/sqlite-group-commit.js';

describe('SqliteGroupCommit', () => {
  let writer: Database.Database;
  let reader: Database.Database;
  let writes: SqliteGroupCommit;
  const insert = (name: string) => () => void writer.prepare('INSERT INTO item (name) VALUES (?)').run(name);
  const committed = () => (reader.prepare('SELECT name FROM item ORDER BY id').pluck().all() as string[]);

  beforeEach(() => {
    const path = join(mkdtempSync(join(tmpdir(), 'fb-group-')), 'db.sqlite');
    writer = new Database(path);
    writer.pragma('journal_mode = WAL');
    writer.pragma('foreign_keys = ON');
    writer.exec(`CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
      CREATE TABLE part (item_id INTEGER NOT NULL REFERENCES item (id) DEFERRABLE INITIALLY DEFERRED)`);
    reader = new Database(path, { readonly: true });
    writes = new SqliteGroupCommit(writer);
  });

  afterEach(() => {
    reader.close();
    writer.close();
  });

  it('commits the writes of one turn together, in the order asked for, and settles each after the commit', async () => {
    const seenMeanwhile: string[][] = [];
    const first = writes.run(insert('a'));
    const second = writes.run(() => {
      seenMeanwhile.push(committed());
      insert('b')();
      return 'b stored';
    });
    expect(committed()).toEqual([]);
    await expect(first).resolves.toBeUndefined();
    expect(committed()).toEqual(['a', 'b']);
    await expect(second).resolves.toBe('b stored');
    expect(seenMeanwhile).toEqual([[]]);
  });

  it('commits a later turn on its own', async () => {
    await writes.run(insert('a'));
    const seen = await writes.run(() => {
      insert('b')();
      return committed();
    });
    expect(seen).toEqual(['a']);
  });

  it('undoes a write that throws alone, and rejects only its caller', async () => {
    const results = await Promise.allSettled([
      writes.run(insert('a')),
      writes.run(() => {
        insert('b')();
        throw new Error('b is wrong');
      }),
      writes.run(insert('c')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('b is wrong'));
    expect(committed()).toEqual(['a', 'c']);
  });

  it('leaves nothing of a lone write that throws', async () => {
    await expect(
      writes.run(() => {
        insert('a')();
        throw new Error('a is wrong');
      }),
    ).rejects.toThrow('a is wrong');
    expect(committed()).toEqual([]);
  });

  it('rejects every write of a group whose commit fails, and keeps none of them', async () => {
    const results = await Promise.allSettled([
      writes.run(insert('a')),
      writes.run(() => void writer.prepare('INSERT INTO part (item_id) VALUES (99)').run()),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect(committed()).toEqual([]);
  });

  it('settled() waits for the writes in waiting', async () => {
    void writes.run(insert('a'));
    await writes.settled();
    expect(committed()).toEqual(['a']);
  });
});
