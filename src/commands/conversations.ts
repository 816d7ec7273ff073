import { parseArgs } from 'node:util';
import type { ChatMapping, ChatMappingStatus, Store } from '../store/store.js';
import type { Command } from './command.js';
import { formatTable, formatTime, limitOption, parseLimit } from './listing.js';
import { withStore } from './with-store.js';

const STATUSES: readonly ChatMappingStatus[] = ['opening', 'active', 'ended'];

export const conversations: Command = {
  name: 'conversations',
  summary: 'list the customer ↔ Flex chat mappings, or end one',
  usage: `flex-bridge conversations list [--status opening|active|ended] [--limit N]
flex-bridge conversations end <id | Flex conversation sid>

list  the newest mappings first (default 100): id, status, customer, the handle agents see, Flex sid.
end   marks an open mapping ended, so the customer's next message opens a new Flex chat. It does not
      close the chat in Flex: an agent closes it there. Use it for a chat that is stuck or was closed
      in Flex without the bridge hearing of it.

Reads DATABASE_URL (and the rest of the configuration) like \`flex-bridge start\`.`,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'list') return list(rest);
    if (sub === 'end') return end(rest);
    console.error(`Expected \`list\` or \`end\`.\n\n${conversations.usage}`);
    return 2;
  },
};

async function list(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { status: { type: 'string' }, ...limitOption } });
  const status = values.status as ChatMappingStatus | undefined;
  if (status !== undefined && !STATUSES.includes(status)) {
    console.error(`--status must be one of ${STATUSES.join(', ')}`);
    return 2;
  }
  const limit = parseLimit(values.limit);
  if (limit === undefined) return 2;
  const rows = await withStore((store) => store.listMappings({ status, limit }));
  if (rows.length === 0) {
    console.log(status ? `No ${status} conversations.` : 'No conversations.');
    return 0;
  }
  console.log(
    formatTable(
      ['ID', 'STATUS', 'CUSTOMER', 'HANDLE', 'FLEX SID', 'UPDATED'],
      rows.map((c) => [String(c.id), c.status, `${c.network}:${c.externalUserId}`, c.handle, c.flexSid ?? '-', formatTime(c.updatedAt)]),
    ),
  );
  return 0;
}

async function end(args: readonly string[]): Promise<number> {
  const { positionals } = parseArgs({ args: [...args], allowPositionals: true });
  const [wanted, ...extra] = positionals;
  if (wanted === undefined || extra.length > 0) {
    console.error('Give one conversation: its id (from `conversations list`) or its Flex sid (CH…).');
    return 2;
  }
  const mapping = await withStore(async (store) => {
    const found = await findOpen(store, wanted);
    if (found) await store.endMapping(found.id);
    return found;
  });
  if (!mapping) {
    console.error(`No open conversation has the id or Flex sid ${wanted} (see \`flex-bridge conversations list\`).`);
    return 1;
  }
  console.log(
    `Ended conversation ${mapping.id} (${mapping.handle}, Flex ${mapping.flexSid ?? 'not opened'}). ` +
      `The customer's next message opens a new Flex chat; close the old one in Flex if it is still open.`,
  );
  return 0;
}

/** Open mappings are few (one per customer talking now), so looking among them all is cheap. */
async function findOpen(store: Store, idOrSid: string): Promise<ChatMapping | undefined> {
  const limit = Math.max(1, await store.countOpenMappings());
  const open = await Promise.all((['opening', 'active'] as const).map((status) => store.listMappings({ status, limit })));
  return open.flat().find((c) => String(c.id) === idOrSid || c.flexSid === idOrSid);
}
