import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewaySessionKeeper } from '../../../adapters/discord/session-keeper.js';
import { SqliteStore } from '../../../src/store/sqlite.js';

const KEY = 'discord:bot:0';
const session = (sessionId: string, sequence: number) => ({ sessionId, sequence, resumeURL: 'ws://resume', shardId: 0, shardCount: 1 });
const kept = (store: SqliteStore) => store.gatewaySession(KEY);

describe('GatewaySessionKeeper', () => {
  let store: SqliteStore;
  let keeper: GatewaySessionKeeper;
  beforeEach(() => {
    store = new SqliteStore(':memory:');
    keeper = new GatewaySessionKeeper(store, (shardId) => `discord:bot:${shardId}`, pino({ level: 'silent' }), 20);
  });
  afterEach(async () => {
    await keeper.flush();
    await store.close();
  });

  it('writes a new session at once, and a sequence only once its event was handled', async () => {
    expect(await keeper.retrieve(0)).toBeNull();
    keeper.update(0, session('s1', 1)); // READY
    const handled = keeper.checkpointAfter(0, 2);
    keeper.update(0, session('s1', 2)); // the library counts the event as it arrives…
    await keeper.flush();
    expect(await kept(store)).toMatchObject({ sessionId: 's1', sequence: 1 }); // …the database does not

    handled(); // the event was stored
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await kept(store)).toMatchObject({ sessionId: 's1', sequence: 2, resumeUrl: 'ws://resume', shardId: 0, shardCount: 1 });
  });

  it('tells of a new session that replaced a lost one, with when events last arrived, but not of a first session or a resumed one', async () => {
    const replaced: [number, number][] = [];
    keeper.whenSessionReplaced((shardId, goodUntil) => replaced.push([shardId, goodUntil]));
    expect(await keeper.retrieve(0)).toBeNull();
    keeper.update(0, session('s1', 1)); // the first READY: nothing was lost
    keeper.update(0, session('s1', 2)); // a RESUME keeps the session
    const before = Date.now();
    keeper.checkpointAfter(0, 3);
    const after = Date.now();
    keeper.update(0, null); // INVALID_SESSION
    keeper.update(0, session('s2', 1)); // READY of a new session
    expect(replaced).toHaveLength(1);
    expect(replaced[0]![0]).toBe(0);
    expect(replaced[0]![1]).toBeGreaterThanOrEqual(before);
    expect(replaced[0]![1]).toBeLessThanOrEqual(after);
  });

  it('dates a kept session that cannot be resumed by its last write', async () => {
    await store.saveGatewaySession(KEY, { sessionId: 'old', sequence: 5, resumeUrl: 'ws://resume', shardId: 0, shardCount: 1 });
    const { updatedAt } = (await kept(store))!;
    const replaced: number[] = [];
    keeper.whenSessionReplaced((_shardId, goodUntil) => replaced.push(goodUntil));
    expect(await keeper.retrieve(0)).toMatchObject({ sessionId: 'old' });
    keeper.update(0, null); // the resume was refused
    keeper.update(0, session('new', 1));
    expect(replaced).toEqual([updatedAt]);
  });

  it('writes handled sequences at most once per interval, the latest one', async () => {
    keeper.update(0, session('s1', 1));
    await keeper.flush();
    const writes: number[] = [];
    const advance = store.advanceGatewaySession.bind(store);
    store.advanceGatewaySession = async (name, sessionId, sequence) => {
      writes.push(sequence);
      await advance(name, sessionId, sequence);
    };
    for (let s = 2; s <= 50; s++) keeper.checkpointAfter(0, s)();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(writes).toEqual([50]);
  });

  it('forgets an ended session at once, but keeps it when the library forgets it while letting go', async () => {
    keeper.update(0, session('s1', 1));
    keeper.update(0, null); // INVALID_SESSION: it cannot be resumed
    await keeper.flush();
    expect(await kept(store)).toBeUndefined();

    keeper.update(0, session('s2', 1));
    keeper.checkpointAfter(0, 7)();
    keeper.release();
    keeper.update(0, null); // closing the socket on the way out
    await keeper.flush();
    expect(await kept(store)).toMatchObject({ sessionId: 's2', sequence: 7 });
  });

  it('gives the kept session to resume, read once, and moves nothing for an event of a session that has ended since', async () => {
    await store.saveGatewaySession(KEY, { sessionId: 's1', sequence: 9, resumeUrl: 'ws://resume', shardId: 0, shardCount: 1 });
    expect(await keeper.retrieve(0)).toEqual(session('s1', 9));
    const handledLater = keeper.checkpointAfter(0, 10);
    keeper.update(0, null);
    keeper.update(0, session('s2', 1));
    handledLater();
    await keeper.flush();
    expect(await kept(store)).toMatchObject({ sessionId: 's2', sequence: 1 });
    expect(keeper.retrieve(0)).toEqual(session('s2', 1));
  });
});
