/**
 * Which messages of a Flex chat the bridge knows of, by index: every index up to `through`, and
 * those in `above`. An agent message whose lower neighbours are not all known may have overtaken
 * a message whose webhook is late or lost.
 */
export interface KnownIndexes {
  readonly through: number;
  readonly above: readonly number[];
}

export const NOTHING_KNOWN: KnownIndexes = { through: -1, above: [] };

/** `index` is known; with `allBefore`, so is every index below it (the chat was read back). */
export function withIndex(known: KnownIndexes, index: number, allBefore = false): KnownIndexes {
  let through = allBefore ? Math.max(known.through, index) : known.through;
  const above = new Set(known.above);
  if (index > through) above.add(index);
  while (above.delete(through + 1)) through++;
  return { through, above: [...above].filter((i) => i > through).sort((a, b) => a - b) };
}

/** True when some index below `index` is not known yet. */
export function missesBefore(known: KnownIndexes, index: number): boolean {
  for (let i = known.through + 1; i < index; i++) if (!known.above.includes(i)) return true;
  return false;
}

/** True when the message at `index` is known: taken in, or posted by the bridge. */
export function knows(known: KnownIndexes, index: number): boolean {
  return index <= known.through || known.above.includes(index);
}

/** Stored as two columns: `flex_known_through` (null: nothing) and `flex_known_above` (JSON, null: empty). */
export function knownIndexesOf(through: number | null, above: string | null): KnownIndexes {
  return { through: through ?? -1, above: above ? (JSON.parse(above) as number[]) : [] };
}

export function knownIndexesColumns(known: KnownIndexes): { through: number; above: string | null } {
  return { through: known.through, above: known.above.length > 0 ? JSON.stringify(known.above) : null };
}

/**
 * Open chats with a pending row above an index the bridge does not know. Told by flex_known_through
 * alone, so it may name a chat whose gap is already filled by indexes in flex_known_above.
 */
export const CONVERSATIONS_WITH_GAPS = `
  SELECT c.* FROM conversations c
  WHERE c.status = 'active' AND EXISTS (
    SELECT 1 FROM outbox o
    WHERE o.status = 'pending' AND o.flex_sid = c.flex_sid AND o.flex_index > COALESCE(c.flex_known_through, -1) + 1)`;

/**
 * Open chats with an agent message still in its ReorderHold above an index the bridge does not
 * know, accepted at or before `heldSince`: the read-back that would close the gap is overdue (the
 * process that saw the gap may have died). Driven by the few rows due in the future.
 */
export const conversationsHoldingForGaps = (now: string, heldSince: string) => `
  SELECT * FROM conversations WHERE id IN (
    SELECT c.id FROM outbox o JOIN conversations c ON c.flex_sid = o.flex_sid
    WHERE o.status = 'pending' AND o.next_attempt_at > ${now} AND o.attempts = 0 AND o.created_at <= ${heldSince}
      AND c.status = 'active' AND o.flex_index > COALESCE(c.flex_known_through, -1) + 1)`;
