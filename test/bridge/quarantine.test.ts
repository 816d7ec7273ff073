import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Bridge } from '../../src/bridge/bridge.js';
import type { ChatAdapter } from '../../src/core/chat-adapter.js';
import type { Acceptance, InboundMessage } from '../../src/core/messages.js';
import type { FlexBackend } from '../../src/flex/backend.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { createScratchSchema } from '../scale/scratch-schema.js';

/** A store that really refuses one message (a trigger on its outbox), as a database may for reasons of its own. */
interface RefusingStore {
  readonly store: Store;
  /** Makes the database refuse every write, as when it is down. */
  refuseEverything(): Promise<void>;
  close(): Promise<void>;
}

const REFUSAL = 'the store refuses this row';

async function sqliteRefusing(): Promise<RefusingStore> {
  const path = join(mkdtempSync(join(tmpdir(), 'fb-quarantine-')), 'bridge.db');
  const store = new SqliteStore(path);
  const db = new Database(path);
  db.exec(`CREATE TRIGGER refuse_poison BEFORE INSERT ON outbox WHEN NEW.payload LIKE '%POISON%' BEGIN SELECT RAISE(ABORT, '${REFUSAL}'); END`);
  return {
    store,
    async refuseEverything() {
      db.exec(`CREATE TRIGGER refuse_dedupe BEFORE INSERT ON dedupe BEGIN SELECT RAISE(ABORT, 'down'); END`);
      db.exec(`CREATE TRIGGER refuse_quarantine BEFORE INSERT ON quarantine BEGIN SELECT RAISE(ABORT, 'down'); END`);
    },
    async close() {
      db.close();
      await store.close();
    },
  };
}

async function postgresRefusing(): Promise<RefusingStore> {
  const schema = await createScratchSchema('fb_quarantine');
  const store = await PostgresStore.open(schema.url);
  const client = new pg.Client({ connectionString: schema.url });
  await client.connect();
  await client.query(`
    CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$;
    CREATE TRIGGER refuse_poison BEFORE INSERT ON outbox FOR EACH ROW WHEN (NEW.payload::text LIKE '%POISON%') EXECUTE FUNCTION refuse('${REFUSAL}');`);
  return {
    store,
    async refuseEverything() {
      await client.query(`
        CREATE TRIGGER refuse_dedupe BEFORE INSERT ON dedupe FOR EACH ROW EXECUTE FUNCTION refuse('down');
        CREATE TRIGGER refuse_quarantine BEFORE INSERT ON quarantine FOR EACH ROW EXECUTE FUNCTION refuse('down');`);
    },
    async close() {
      await client.end();
      await store.close();
      await schema.drop();
    },
  };
}

const message = (userId: string, id: string, text: string): InboundMessage => ({
  network: 'telegram',
  externalUserId: userId,
  externalChatId: userId,
  username: `user${userId}`,
  displayName: `User ${userId}`,
  externalMessageId: id,
  text,
  attachments: [],
  sentAt: new Date().toISOString(),
});

describe.each([
  ['SQLite', sqliteRefusing],
  ['PostgreSQL', postgresRefusing],
])('a customer message %s refuses however often it is offered', (_name, open) => {
  let db: RefusingStore;
  let bridge: Bridge;

  const setup = async () => {
    db = await open();
    const adapter = { network: 'telegram', capabilities: { maxTextLength: 4096, media: false, typing: false } } as ChatAdapter;
    bridge = new Bridge({
      store: db.store,
      flex: { mode: 'conversations' } as FlexBackend,
      adapters: [adapter],
      bridgeIdentity: 'flex-bridge',
      reorderHoldMs: 0,
      readBackMaxAgeMs: 3600_000,
      log: pino({ level: 'silent' }),
      onEnqueued: () => undefined,
    });
  };
  /** Offers the message as a network does: again after each failure, up to `times`. */
  const offer = async (msg: InboundMessage, times: number): Promise<(Acceptance | 'failed')[]> => {
    const outcomes: (Acceptance | 'failed')[] = [];
    for (let i = 0; i < times; i++) outcomes.push(await bridge.acceptCustomerMessage(msg).catch(() => 'failed' as const));
    return outcomes;
  };
  afterEach(async () => {
    bridge?.catchUp.stop();
    await db?.close();
  });

  it('fails four times, so the network offers it again, then is kept aside and the next customers go on', async () => {
    await setup();
    const poison = message('7', '7:1', 'POISON');
    expect(await offer(poison, 5)).toEqual(['failed', 'failed', 'failed', 'failed', 'quarantined']);
    expect(await bridge.acceptCustomerMessage(message('8', '8:1', 'hello'))).toBe('accepted');
    expect(await bridge.acceptCustomerMessage(message('7', '7:2', 'after'))).toBe('accepted');

    const [kept, ...more] = await db.store.listQuarantine();
    expect(more).toEqual([]);
    expect(kept).toMatchObject({ source: 'telegram', key: '7:1', message: poison });
    expect(kept!.reason).toContain(REFUSAL);
    const passedOn = (await db.store.listOutbox()).map((r) => (r.payload.kind === 'customer-message' ? r.payload.message.text : ''));
    expect(passedOn).toEqual(['hello', 'after']);
  });

  it('starts counting again once a message is stored, so a store that recovers quarantines nothing', async () => {
    await setup();
    const fine = message('9', '9:1', 'fine');
    const poison = message('9', '9:2', 'POISON');
    expect(await offer(poison, 3)).toEqual(['failed', 'failed', 'failed']);
    expect(await bridge.acceptCustomerMessage(fine)).toBe('accepted');
    expect(await offer(poison, 2), 'its own count goes on').toEqual(['failed', 'quarantined']);
  });

  it('when the store takes nothing at all, keeps failing, so the network keeps the message', async () => {
    await setup();
    await db.refuseEverything();
    expect(await offer(message('7', '7:1', 'hello'), 7)).toEqual(Array(7).fill('failed'));
  });
});
