import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
