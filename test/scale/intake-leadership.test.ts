import pg from 'pg';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatAdapter, ExclusiveIntake } from '../../src/core/chat-adapter.js';
import { IntakeLeadership } from '../../src/scale/intake-leadership.js';
import { eventually } from '../support/wait.js';
import { createScratchSchema, TEST_DATABASE_URL } from './scratch-schema.js';

/** An adapter whose exclusive intake only records what it was told, and can fail to start. */
function fakeAdapter(name: string, journal: string[], failStarts = 0): ChatAdapter & { exclusiveIntake: ExclusiveIntake } {
  let failures = failStarts;
  return {
    network: 'fake',
    capabilities: { maxTextLength: 100, media: false, typing: false },
    exclusiveIntake: {
      async start() {
        if (failures-- > 0) throw new Error('upstream refused');
        journal.push(`${name} receives`);
      },
      async stop() {
        journal.push(`${name} stops`);
      },
    },
    async start() {},
    async stop() {},
    async send() {
      return [];
    },
    health: () => ({ ready: true, detail: 'fake' }),
  };
}

const log = pino({ level: 'silent' });
let schema: Awaited<ReturnType<typeof createScratchSchema>>;
const running: IntakeLeadership[] = [];
beforeAll(async () => {
  schema = await createScratchSchema('fb_leader');
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((l) => l.stop()));
});
afterAll(() => schema.drop());

/** A process's leadership; its lock connection is named `name`, so the test can see it in pg_stat_activity. */
function leadership(name: string, adapter: ChatAdapter, retryMs?: number, onLeading?: () => void): IntakeLeadership {
  const url = new URL(schema.url);
  url.searchParams.set('application_name', name);
  const l = new IntakeLeadership(url.toString(), [adapter], log, { checkMs: 20, retryMs, onLeading });
  running.push(l);
  l.start();
  return l;
}

/** Whether the named connection has tried to take the lock (its last statement was the attempt). */
async function hasTriedLock(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%pg_try_advisory_lock%'",
      [name],
    );
    return rows.length > 0;
  } finally {
    await client.end();
  }
}

describe('IntakeLeadership', () => {
  it('runs the intake in one process only, and on stop lets go of it before another takes it', async () => {
    const journal: string[] = [];
    const a = leadership(`${schema.name}-a`, fakeAdapter('a', journal), undefined, () => journal.push('a leads'));
    await eventually(() => a.role === 'leader', 'the first process to lead');
    const b = leadership(`${schema.name}-b`, fakeAdapter('b', journal), undefined, () => journal.push('b leads'));
    await eventually(() => hasTriedLock(`${schema.name}-b`), 'the second process to try the lock');
    expect(b.role).toBe('follower');
    expect(journal).toEqual(['a leads', 'a receives']);

    await a.stop();
    await eventually(() => b.role === 'leader', 'the second process to lead');
    await eventually(() => journal.length === 5, 'the second to receive');

    expect(journal).toEqual(['a leads', 'a receives', 'a stops', 'b leads', 'b receives']);
    expect(a.role).toBe('follower');
  });

  it('tries again while leading when the intake fails to start', async () => {
    const journal: string[] = [];
    const l = leadership(`${schema.name}-c`, fakeAdapter('a', journal, 2), 20);

    await eventually(() => journal.length === 1, 'the intake to start on the third try');
    expect(journal).toEqual(['a receives']);
    expect(l.role).toBe('leader');
  });
});
