import { DeliveryPostponed } from '../core/delivery-error.js';
import { missesBefore } from '../store/known-indexes.js';
import type { OutboxRow, Store } from '../store/store.js';
import type { CatchUp } from './catch-up.js';

/**
 * An agent message held for an earlier one of its chat (ReorderHold) is claimed once its wait runs
 * out, whether or not the read-back that closes the gap has run: the process that saw the gap may
 * have died, or be reading a long chat back on a busy machine. Sent then, it would go ahead of the
 * message it waits for. So its claimer reads the chat back first and gives the row back untried;
 * a recovered earlier message joins its group and goes first (Store.postpone). What the read-back
 * did not find is not waited for again.
 */
export class OverdueGaps {
  constructor(
    private readonly store: Store,
    private readonly catchUp: CatchUp,
    private readonly reorderHoldMs: number,
  ) {}

  /**
   * Resolves when `row` may go now; throws DeliveryPostponed when its chat was read back instead.
   * A read-back that fails throws too: the row is retried as a failed attempt, and then goes as it
   * did before this check (an attempted row is never held).
   */
  async check(row: OutboxRow): Promise<void> {
    // A row stored due at once had every earlier index known; only a held one can be overdue.
    if (row.payload.kind !== 'agent-message' || row.flexIndex === undefined || row.attempts > 0 || row.nextAttemptAt <= row.createdAt) return;
    if (!this.catchUp.supported) return;
    const mapping = await this.store.mappingByFlexSid(row.payload.flexSid);
    if (mapping?.status !== 'active' || !missesBefore(mapping.knownIndexes, row.flexIndex)) {
      // The gap closed after this row was claimed: the earlier message was stored behind it, and
      // giving this one back lets that one go first (Store.postpone).
      if (await this.store.earlierMessagePending(row.key, row.payload.flexSid, row.flexIndex)) {
        throw new DeliveryPostponed('an earlier message of its chat came while it was claimed', 0);
      }
      return;
    }
    // Given back before the read-back, so a message it recovers is not put behind a claimed row.
    await this.store.postpone(row.id, Date.now() + this.reorderHoldMs);
    const recovered = await this.catchUp.readBack(mapping);
    const after = await this.store.mappingByFlexSid(row.payload.flexSid);
    // Flex has no such earlier message any more (deleted, or never there): waiting on would hold this one for ever.
    if (after && missesBefore(after.knownIndexes, row.flexIndex)) await this.store.noteFlexIndex(mapping.id, row.flexIndex - 1, true);
    throw new DeliveryPostponed(`its chat was read back for an earlier message (${recovered} recovered)`, 0);
  }
}
