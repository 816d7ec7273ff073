import { parseArgs } from 'node:util';
import type { Store } from '../store/store.js';
import type { Command } from './command.js';
import { formatTable, formatTime, limitOption, parseIds, parseLimit } from './listing.js';
import { withStore } from './with-store.js';

export const outbox: Command = {
  name: 'outbox',
  summary: 'list messages waiting for delivery or dead-lettered, and retry dead-lettered ones',
  usage: `flex-bridge outbox list [--dead] [--limit N]
flex-bridge outbox retry [id…]

list   rows waiting for delivery and dead-lettered ones, oldest first (default 100); --dead shows
       only the rows the bridge gave up on, with the reason. Message text is not shown.
retry  puts dead-lettered rows (all of them, or the given ids) back in the queue with a fresh
       attempt budget; a running bridge picks them up within a second. Fix the cause first
       (e.g. a revoked token), or they are dead-lettered again.

Reads DATABASE_URL (and the rest of the configuration) like \`flex-bridge start\`.`,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'list') return list(rest);
    if (sub === 'retry') return retry(rest);
    console.error(`Expected \`list\` or \`retry\`.\n\n${outbox.usage}`);
    return 2;
  },
};

async function list(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { dead: { type: 'boolean', default: false }, ...limitOption } });
  const limit = parseLimit(values.limit);
  if (limit === undefined) return 2;
  const { rows, stats } = await withStore(async (store) => ({
    rows: await store.listOutbox({ status: values.dead ? 'dead' : undefined, limit }),
    stats: await store.outboxStats(),
  }));
  if (rows.length === 0) {
    console.log(values.dead ? 'No dead-lettered rows.' : 'The outbox is empty.');
    return 0;
  }
  console.log(
    formatTable(
      ['ID', 'STATUS', 'DIRECTION', 'KIND', 'KEY', 'ATTEMPTS', 'CREATED', 'NEXT ATTEMPT', 'LAST ERROR'],
      rows.map((r) => [
        String(r.id),
        r.status,
        r.direction,
        r.payload.kind,
        r.key,
        String(r.attempts),
        formatTime(r.createdAt),
        r.status === 'pending' ? formatTime(r.nextAttemptAt) : '-',
        r.lastError ?? '-',
      ]),
    ),
  );
  console.log(`\n${stats.pending} pending, ${stats.dead} dead-lettered in all.`);
  if (stats.deadCustomerMessages > 0) {
    console.log(`${stats.deadCustomerMessages} dead-lettered customer message(s) reached no agent: fix the cause, then \`flex-bridge outbox retry\`.`);
  }
  if (stats.quarantined > 0) console.log(`${stats.quarantined} customer message(s) could not be stored: see \`flex-bridge quarantine list\`.`);
  return 0;
}

async function retry(args: readonly string[]): Promise<number> {
  const ids = parseIds(args, 'outbox');
  if (!ids) return 2;
  const { requeued, notDead } = await withStore(async (store) => {
    if (ids.length === 0) return { requeued: await store.requeueDead(), notDead: [] };
    const notDead = await idsNotDead(store, ids);
    return { requeued: await store.requeueDead(ids), notDead };
  });
  console.log(`Requeued ${requeued} dead-lettered row(s).`);
  if (notDead.length === 0) return 0;
  console.error(`Not dead-lettered (delivered, still pending, or unknown): ${notDead.join(', ')}`);
  return 1;
}

async function idsNotDead(store: Store, ids: readonly number[]): Promise<number[]> {
  const { dead } = await store.outboxStats();
  const deadIds = new Set(dead === 0 ? [] : (await store.listOutbox({ status: 'dead', limit: dead })).map((r) => r.id));
  return ids.filter((id) => !deadIds.has(id));
}
