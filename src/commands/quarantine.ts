import { parseArgs } from 'node:util';
import { customerMessageRow } from '../bridge/outbox-keys.js';
import { userKeyString } from '../core/messages.js';
import { storableValue } from '../core/storable-text.js';
import type { Command } from './command.js';
import { formatTable, formatTime, limitOption, parseIds, parseLimit } from './listing.js';
import { withStore } from './with-store.js';

export const quarantine: Command = {
  name: 'quarantine',
  summary: 'list customer messages that could not be stored, take them in again, or drop them',
  usage: `flex-bridge quarantine list [--limit N]
flex-bridge quarantine retry [id…]
flex-bridge quarantine drop id…

list   customer messages the bridge kept aside because storing them failed however often the
       network offered them (so that the customers behind them were not held up), oldest first,
       with the error. Message text is not shown.
retry  takes them (all, or the given ids) in again, as if the network had just offered them; a
       running bridge passes them on within a second. One that fails again stays listed.
drop   removes the given ones for good, once you have dealt with them another way.

Reads DATABASE_URL (and the rest of the configuration) like \`flex-bridge start\`.`,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'list') return list(rest);
    if (sub === 'retry') return retry(rest);
    if (sub === 'drop') return drop(rest);
    console.error(`Expected \`list\`, \`retry\` or \`drop\`.\n\n${quarantine.usage}`);
    return 2;
  },
};

async function list(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: limitOption });
  const limit = parseLimit(values.limit);
  if (limit === undefined) return 2;
  const kept = await withStore((store) => store.listQuarantine(limit));
  if (kept.length === 0) {
    console.log('No quarantined messages.');
    return 0;
  }
  console.log(
    formatTable(
      ['ID', 'CUSTOMER', 'MESSAGE ID', 'QUARANTINED', 'ERROR'],
      kept.map((q) => [String(q.id), userKeyString(q.message), q.key, formatTime(q.quarantinedAt), q.reason]),
    ),
  );
  return 0;
}

async function retry(args: readonly string[]): Promise<number> {
  const ids = quarantineIds(args, { required: false });
  if (!ids) return 2;
  const failed: string[] = [];
  const taken = await withStore(async (store) => {
    const chosen = (await store.listQuarantine(Number.MAX_SAFE_INTEGER)).filter((q) => ids.length === 0 || ids.includes(q.id));
    let count = 0;
    for (const q of chosen) {
      try {
        await store.acceptOnce(storableValue({ source: q.source, key: q.key }), [storableValue(customerMessageRow(q.message))]);
        await store.forgetQuarantined(q.id);
        count++;
      } catch (err) {
        failed.push(`${q.id} (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    return count;
  });
  console.log(`Took ${taken} quarantined message(s) in again.`);
  if (failed.length === 0) return 0;
  console.error(`Still not storable: ${failed.join(', ')}`);
  return 1;
}

async function drop(args: readonly string[]): Promise<number> {
  const ids = quarantineIds(args, { required: true });
  if (!ids) return 2;
  const unknown = await withStore(async (store) => {
    const missing: number[] = [];
    for (const id of ids) if (!(await store.forgetQuarantined(id))) missing.push(id);
    return missing;
  });
  console.log(`Dropped ${ids.length - unknown.length} quarantined message(s).`);
  if (unknown.length === 0) return 0;
  console.error(`Not quarantined: ${unknown.join(', ')}`);
  return 1;
}

function quarantineIds(args: readonly string[], { required }: { required: boolean }): number[] | undefined {
  const ids = parseIds(args, 'quarantine');
  if (ids && required && ids.length === 0) {
    console.error(`Name the ids to drop.\n\n${quarantine.usage}`);
    return undefined;
  }
  return ids;
}
