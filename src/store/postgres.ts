import pg from 'pg';
import type { PoolClient } from 'pg';
import type { InboundMessage, UserKey } from '../core/messages.js';
import {
  CONVERSATIONS_WITH_GAPS,
  conversationsHoldingForGaps,
  knownIndexesColumns,
  knownIndexesOf,
  missesBefore,
  NOTHING_KNOWN,
  withIndex,
  type KnownIndexes,
} from './known-indexes.js';
import { migratePostgres } from './postgres-migrations.js';
import {
  ACCEPT_PLAIN_ROWS_ONCE,
  CLAIM,
  ENQUEUE_PLAIN_ROWS,
  INSERT_DEDUPE,
  INSERT_ROW,
  JOIN_FRONT_OF_LINE,
  isHeadConflict,
  lockAndDeleteRows,
  LOCK_HEADS_FOR_WRITING,
  LOCK_KEYS,
  LOCK_ROWS_FOR_REMOVAL,
  MARK_DEAD,
  MARK_HEADS,
  MARK_MISSING_HEADS,
  prepared,
  RENEW_LEASES,
  UNMARK_FORMER_HEADS,
} from './postgres-outbox-sql.js';
import { POOL_TIMEOUTS } from './postgres-timeouts.js';
import { earlierMessagesJoinGroup } from './reorder-groups.js';
import { TurnBatch } from './turn-batch.js';
import type {
  ReorderHold,
  ChatMapping,
  EarlierChats,
  StartPayload,
  ChatMappingStatus,
  DedupeKey,
  MessageLink,
  NewChatMapping,
  NewOutboxRow,
  OutboxRow,
  OutboxStats,
  OutboxStatus,
  QuarantinedMessage,
  Store,
} from './store.js';
import { QUOTED_TEXT_MAX } from './store.js';
import {
  encodeQuarantined,
  toChatMapping,
  toMessageLink,
  toOutboxRow,
  toQuarantinedMessage,
  type ChatMappingRecord,
  type MessageLinkRecord,
  type OutboxRecord,
  type QuarantineRecord,
} from './records.js';
import type { GatewaySessionRecord, KeptGatewaySession } from '../core/gateway-sessions.js';

/** A network's chat ids, open or changed since $2, the latest first (see RecentChats). */
const RECENT_CHAT_IDS = `
  SELECT external_chat_id FROM conversations WHERE network = $1 AND (status <> 'ended' OR updated_at >= $2)
  GROUP BY external_chat_id ORDER BY MAX(updated_at) DESC LIMIT $3`;

const INT8_OID = 20;

// BIGINT ids and ms timestamps stay far below 2^53, so plain numbers are exact (as in SQLite).
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

const CURRENT_MAPPING = prepared("SELECT * FROM conversations WHERE network = $1 AND external_user_id = $2 AND status <> 'ended'");

/** The usual noteFlexIndex: the chat's next index, with nothing known above it. */
const NOTE_NEXT_FLEX_INDEX = prepared(`
  UPDATE conversations SET flex_known_through = $2, updated_at = $3
  WHERE id = $1 AND COALESCE(flex_known_through, -1) = $2 - 1 AND flex_known_above IS NULL`);

const INSERT_MESSAGE_LINK = prepared(`
  INSERT INTO message_links (network, external_message_id, conversation_id, flex_sid, flex_message_sid, text, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`);

/**
 * How often a statement or transaction runs at most while it loses a head to other writers (see
 * isHeadConflict). Each loss means another writer's head committed; several writers of one key at once
 * (a test with three processes writing four keys and delivering at full speed) needed up to six attempts.
 */
const HEAD_CONFLICT_ATTEMPTS = 20;

const EARLIER_MESSAGES_JOIN_GROUP = prepared(earlierMessagesJoinGroup('$1'));

/** The rows as the parameters $1 (keys), $2 (directions), $3 (payloads) of the plain-row statements. */
const plainRowValues = (rows: readonly NewOutboxRow[]): [string[], string[], string[]] => [
  rows.map((r) => r.key),
  rows.map((r) => r.direction),
  rows.map((r) => JSON.stringify(r.payload)),
];

/** Shared state for several bridge processes; every method is one transaction on a pooled connection. */
export class PostgresStore implements Store {
  private readonly completions = new TurnBatch<number>(async (ids) => {
    await retryingHeadConflicts(() => this.pool.query(lockAndDeleteRows(ids, Date.now())));
  });

  private constructor(private readonly pool: pg.Pool) {}

  /** Connects to `postgres://…` and applies pending migrations. */
  static async open(connectionString: string): Promise<PostgresStore> {
    await migratePostgres(connectionString);
    const pool = new pg.Pool({ connectionString, types, ...POOL_TIMEOUTS });
    // An idle connection that breaks is discarded by the pool; the next query reports the outage.
    pool.on('error', () => {});
    return new PostgresStore(pool);
  }

  /** Runs `work` in a transaction, again when it lost a head to another writer (see isHeadConflict). */
  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return retryingHeadConflicts(() => this.transactionOnce(work));
  }

  private async transactionOnce<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * Agent messages placed by their index: the key's advisory lock (LOCK_KEYS) keeps two of them from
   * reading the key's queue at once; the heads are locked as by any writer (see postgres-outbox-sql.ts).
   */
  private async insertOrderedRows(client: PoolClient, rows: readonly NewOutboxRow[], now: number, order: ReorderHold): Promise<void> {
    if (rows.length === 0) return;
    const keys = rows.map((r) => r.key);
    await this.lockKeys(client, keys);
    const dueAt = await this.holdUntilEarlierMessages(client, order, now);
    await client.query({ ...LOCK_HEADS_FOR_WRITING, values: [keys] });
    const inserted: { id: number; key: string }[] = [];
    for (const row of rows) {
      const values = [row.key, row.direction, JSON.stringify(row.payload), dueAt, now, order.flexSid, order.index];
      const { rows: ids } = await client.query<{ id: number }>({ ...INSERT_ROW, values });
      inserted.push({ id: ids[0]!.id, key: row.key });
    }
    // A late agent message may go before its key's head.
    await this.refreshHeads(client, keys);
    if (dueAt <= now) for (const { id, key } of inserted) await client.query({ ...JOIN_FRONT_OF_LINE, values: [id, key] });
  }

  /** Holds the keys' advisory locks until commit (see LOCK_KEYS), taken before any row lock. */
  private async lockKeys(client: PoolClient, keys: readonly string[], rowIds: readonly number[] = []): Promise<void> {
    await client.query({ ...LOCK_KEYS, values: [keys, rowIds] });
  }

  /** Locks rows about to stop being heads; what marks the next head must come in a later statement. */
  private async lockForRemoval(client: PoolClient, ids: readonly number[]): Promise<void> {
    await client.query({ ...LOCK_ROWS_FOR_REMOVAL, values: [ids] });
  }

  private async refreshHeads(client: PoolClient, keys: readonly string[]): Promise<void> {
    await client.query({ ...UNMARK_FORMER_HEADS, values: [[], keys] });
    await client.query({ ...MARK_HEADS, values: [[], keys, Date.now()] });
  }

  /** Notes the message's index; when an earlier one is not known yet, its rows wait `holdMs` for it. */
  private async holdUntilEarlierMessages(client: PoolClient, order: ReorderHold, now: number): Promise<number> {
    const known = await this.lockKnownIndexes(client, order.mappingId);
    await this.setKnownIndexes(client, order.mappingId, withIndex(known, order.index));
    return missesBefore(known, order.index) ? now + order.holdMs : now;
  }

  private async lockKnownIndexes(client: PoolClient, id: number): Promise<KnownIndexes> {
    const { rows } = await client.query<{ through: number | null; above: string | null }>(
      'SELECT flex_known_through AS through, flex_known_above AS above FROM conversations WHERE id = $1 FOR UPDATE',
      [id],
    );
    return rows[0] ? knownIndexesOf(rows[0].through, rows[0].above) : NOTHING_KNOWN;
  }

  private async setKnownIndexes(client: PoolClient, id: number, known: KnownIndexes): Promise<void> {
    const { through, above } = knownIndexesColumns(known);
    await client.query('UPDATE conversations SET flex_known_through = $2, flex_known_above = $3, updated_at = $4 WHERE id = $1', [
      id,
      through,
      above,
      Date.now(),
    ]);
  }

  async quarantine(dedupe: DedupeKey, message: InboundMessage, reason: string): Promise<void> {
    await this.pool.query(
      'INSERT INTO quarantine (source, key, reason, message, quarantined_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [dedupe.source, dedupe.key, reason, encodeQuarantined(message), Date.now()],
    );
  }

  async listQuarantine(limit = 100): Promise<QuarantinedMessage[]> {
    const { rows } = await this.pool.query<QuarantineRecord>('SELECT * FROM quarantine ORDER BY id LIMIT $1', [limit]);
    return rows.map(toQuarantinedMessage);
  }

  async forgetQuarantined(id: number): Promise<boolean> {
    return (await this.pool.query('DELETE FROM quarantine WHERE id = $1', [id])).rowCount === 1;
  }

  async acceptOnce(dedupe: DedupeKey, rows: readonly NewOutboxRow[], order?: ReorderHold): Promise<boolean> {
    const now = Date.now();
    if (!order) {
      const values = [...plainRowValues(rows), now, dedupe.source, dedupe.key];
      return retryingHeadConflicts(async () => (await this.pool.query<{ accepted: boolean }>({ ...ACCEPT_PLAIN_ROWS_ONCE, values })).rows[0]!.accepted);
    }
    return this.transaction(async (client) => {
      const seen = await client.query({ ...INSERT_DEDUPE, values: [dedupe.source, dedupe.key, now] });
      if (seen.rowCount === 0) return false;
      await this.insertOrderedRows(client, rows, now, order);
      return true;
    });
  }

  async enqueue(rows: readonly NewOutboxRow[]): Promise<void> {
    if (rows.length === 0) return;
    const values = [...plainRowValues(rows), Date.now()];
    await retryingHeadConflicts(() => this.pool.query({ ...ENQUEUE_PLAIN_ROWS, values }));
  }

  async currentMapping(user: UserKey): Promise<ChatMapping | undefined> {
    const { rows } = await this.pool.query<ChatMappingRecord>({ ...CURRENT_MAPPING, values: [user.network, user.externalUserId] });
    return rows[0] && toChatMapping(rows[0]);
  }

  async mappingByFlexSid(flexSid: string): Promise<ChatMapping | undefined> {
    const { rows } = await this.pool.query<ChatMappingRecord>(
      'SELECT * FROM conversations WHERE flex_sid = $1 ORDER BY id DESC LIMIT 1',
      [flexSid],
    );
    return rows[0] && toChatMapping(rows[0]);
  }

  async latestMapping(user: UserKey): Promise<ChatMapping | undefined> {
    const { rows } = await this.pool.query<ChatMappingRecord>(
      'SELECT * FROM conversations WHERE network = $1 AND external_user_id = $2 AND flex_sid IS NOT NULL ORDER BY id DESC LIMIT 1',
      [user.network, user.externalUserId],
    );
    return rows[0] && toChatMapping(rows[0]);
  }

  async beginMapping(c: NewChatMapping): Promise<ChatMapping> {
    // A conflicting insert waits for the other transaction; the select (a new snapshot in READ
    // COMMITTED) then sees its row. Retry if that row was ended in between.
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = Date.now();
      const found = await this.transaction(async (client) => {
        await client.query(
          `INSERT INTO conversations (network, external_user_id, external_chat_id, handle, display_name, language,
             identity, flex_mode, status, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'opening', $9, $9)
           ON CONFLICT DO NOTHING`,
          [c.network, c.externalUserId, c.externalChatId, c.handle, c.displayName, c.language ?? null, c.identity, c.flexMode, now],
        );
        return (await client.query<ChatMappingRecord>({ ...CURRENT_MAPPING, values: [c.network, c.externalUserId] })).rows[0];
      });
      if (found) return toChatMapping(found);
    }
    throw new Error(`beginMapping: no open conversation for ${c.network}:${c.externalUserId} after 3 attempts`);
  }

  async setFlexSid(id: number, flexSid: string | null): Promise<void> {
    await this.pool.query('UPDATE conversations SET flex_sid = $1, updated_at = $2 WHERE id = $3', [flexSid, Date.now(), id]);
  }

  async noteFlexIndex(id: number, index: number, allBefore = false): Promise<void> {
    // The usual case, the next index with nothing known above, takes one statement.
    const next = await this.pool.query({ ...NOTE_NEXT_FLEX_INDEX, values: [id, index, Date.now()] });
    if (next.rowCount === 1) return;
    await this.transaction(async (client) => {
      const known = await this.lockKnownIndexes(client, id);
      await this.setKnownIndexes(client, id, withIndex(known, index, allBefore));
    });
  }

  async releaseReorderHold(flexSid: string, upToIndex: number): Promise<void> {
    await this.pool.query(
      `UPDATE outbox SET next_attempt_at = $1
       WHERE status = 'pending' AND flex_sid = $2 AND flex_index <= $3 AND attempts = 0 AND next_attempt_at > $1`,
      [Date.now(), flexSid, upToIndex],
    );
  }

  async markRoutingRequested(id: number): Promise<void> {
    await this.pool.query('UPDATE conversations SET routing_requested = true, updated_at = $1 WHERE id = $2', [Date.now(), id]);
  }

  async resetOpening(id: number): Promise<void> {
    await this.pool.query('UPDATE conversations SET flex_sid = NULL, routing_requested = false, updated_at = $1 WHERE id = $2', [Date.now(), id]);
  }

  async noteAgentJoined(id: number): Promise<void> {
    await this.pool.query('UPDATE conversations SET agent_joined_at = coalesce(agent_joined_at, $2) WHERE id = $1', [id, Date.now()]);
  }

  async activateMapping(id: number): Promise<void> {
    await this.setStatus(id, 'active');
  }

  async endMapping(id: number): Promise<void> {
    await this.pool.query(
      `WITH ended AS (UPDATE conversations SET status = 'ended', updated_at = $2 WHERE id = $1 AND status <> 'ended')
       DELETE FROM message_links WHERE conversation_id = $1`,
      [id, Date.now()],
    );
  }

  private async setStatus(id: number, status: ChatMappingStatus): Promise<void> {
    await this.pool.query("UPDATE conversations SET status = $1, updated_at = $2 WHERE id = $3 AND status <> 'ended'", [
      status,
      Date.now(),
      id,
    ]);
  }

  async listMappings(filter: { status?: ChatMappingStatus; limit?: number } = {}): Promise<ChatMapping[]> {
    const { rows } = await this.pool.query<ChatMappingRecord>(
      'SELECT * FROM conversations WHERE ($1::text IS NULL OR status = $1) ORDER BY id DESC LIMIT $2',
      [filter.status ?? null, filter.limit ?? 100],
    );
    return rows.map(toChatMapping);
  }

  async mappingsWithGaps(): Promise<ChatMapping[]> {
    return (await this.pool.query<ChatMappingRecord>(CONVERSATIONS_WITH_GAPS)).rows.map(toChatMapping);
  }

  async mappingsHoldingForGaps(heldSince: number, now = Date.now()): Promise<ChatMapping[]> {
    const { rows } = await this.pool.query<ChatMappingRecord>(conversationsHoldingForGaps('$1', '$2'), [now, heldSince]);
    return rows.map(toChatMapping);
  }

  async recentlyActiveMappings(since: number, limit: number): Promise<ChatMapping[]> {
    const { rows } = await this.pool.query<ChatMappingRecord>(
      "SELECT * FROM conversations WHERE status = 'active' AND updated_at >= $1 ORDER BY updated_at DESC LIMIT $2",
      [since, limit],
    );
    return rows.map(toChatMapping);
  }

  async recentChatIds(network: string, since: number, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ external_chat_id: string }>(RECENT_CHAT_IDS, [network, since, limit]);
    return rows.map((row) => row.external_chat_id);
  }

  async countOpenMappings(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>("SELECT COUNT(*) AS n FROM conversations WHERE status <> 'ended'");
    return rows[0]!.n;
  }

  async earlierChats(user: UserKey, beforeId: number): Promise<EarlierChats> {
    const { rows } = await this.pool.query<{ n: number; flexSid: string | null; openedAt: number | null; endedAt: number | null }>(
      `SELECT COUNT(*) OVER () AS n, flex_sid AS "flexSid", created_at AS "openedAt", updated_at AS "endedAt" FROM conversations
       WHERE network = $1 AND external_user_id = $2 AND id < $3 AND status = 'ended' AND flex_sid IS NOT NULL
       ORDER BY id DESC LIMIT 1`,
      [user.network, user.externalUserId, beforeId],
    );
    const last = rows[0];
    if (!last?.flexSid || last.openedAt === null || last.endedAt === null) return { count: 0 };
    return { count: last.n, last: { flexSid: last.flexSid, openedAt: last.openedAt, endedAt: last.endedAt } };
  }

  async rememberStartPayload(user: UserKey, payload: string, givenAt = Date.now()): Promise<void> {
    await this.pool.query(
      `INSERT INTO start_payloads (network, external_user_id, payload, given_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (network, external_user_id) DO UPDATE SET payload = EXCLUDED.payload, given_at = EXCLUDED.given_at`,
      [user.network, user.externalUserId, payload, givenAt],
    );
  }

  async startPayload(user: UserKey): Promise<StartPayload | undefined> {
    const { rows } = await this.pool.query<StartPayload>(
      'SELECT payload, given_at AS "givenAt" FROM start_payloads WHERE network = $1 AND external_user_id = $2',
      [user.network, user.externalUserId],
    );
    return rows[0];
  }

  async forgetStartPayload(user: UserKey, givenAt: number): Promise<void> {
    await this.pool.query('DELETE FROM start_payloads WHERE network = $1 AND external_user_id = $2 AND given_at = $3', [
      user.network,
      user.externalUserId,
      givenAt,
    ]);
  }

  async claimDue(owner: string, limit: number, leaseMs: number, now = Date.now()): Promise<OutboxRow[]> {
    const { rows } = await this.pool.query<OutboxRecord & { previous_owner: string | null }>({
      ...CLAIM,
      values: [now, limit, owner, now + leaseMs],
    });
    return rows.map((r) => toOutboxRow({ ...r, lease_owner: r.previous_owner }));
  }

  async renewLeases(owner: string, ids: readonly number[], until: number): Promise<void> {
    if (ids.length === 0) return;
    await this.pool.query({ ...RENEW_LEASES, values: [until, ids, owner] });
  }

  /** Rows delivered in the same turn of the event loop are deleted in one transaction (see TurnBatch). */
  complete(id: number): Promise<void> {
    return this.completions.add(id);
  }

  async retryLater(id: number, at: number, error: string, ambiguous: boolean, serviceDown = false): Promise<void> {
    await this.pool.query(
      `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2, ambiguous = $3, waits_for_service = $5,
         lease_owner = NULL, lease_until = NULL WHERE id = $4`,
      [at, error, ambiguous, id, serviceDown],
    );
  }

  async postpone(id: number, at: number): Promise<void> {
    await this.transaction(async (client) => {
      await this.lockKeys(client, [], [id]);
      await client.query('UPDATE outbox SET next_attempt_at = $1, lease_owner = NULL, lease_until = NULL WHERE id = $2', [at, id]);
      const { rows } = await client.query<{ key: string }>({ ...EARLIER_MESSAGES_JOIN_GROUP, values: [id] });
      if (rows[0]) await this.refreshHeads(client, [rows[0].key]);
    });
  }

  async earlierMessagePending(key: string, flexSid: string, index: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      "SELECT 1 FROM outbox WHERE key = $1 AND status = 'pending' AND flex_sid = $2 AND flex_index < $3 LIMIT 1",
      [key, flexSid, index],
    );
    return (rowCount ?? 0) > 0;
  }

  async countPending(key: string, upTo: number): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM (SELECT 1 FROM outbox WHERE key = $1 AND status = 'pending' LIMIT $2) AS waiting",
      [key, upTo],
    );
    return rows[0]!.n;
  }

  async deadLetter(id: number, reason: string): Promise<void> {
    await this.transaction(async (client) => {
      await this.lockForRemoval(client, [id]);
      const { rows } = await client.query<{ key: string }>({ ...MARK_DEAD, values: [reason, id] });
      await client.query({ ...MARK_HEADS, values: [[], rows.map((r) => r.key), Date.now()] });
    });
  }

  async nextDueAt(): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ at: number | null }>(
      'SELECT MIN(GREATEST(next_attempt_at, COALESCE(lease_until, 0))) AS at FROM outbox WHERE is_head',
    );
    return rows[0]!.at ?? undefined;
  }

  async listOutbox(filter: { status?: OutboxStatus; limit?: number } = {}): Promise<OutboxRow[]> {
    const { rows } = await this.pool.query<OutboxRecord>(
      'SELECT * FROM outbox WHERE ($1::text IS NULL OR status = $1) ORDER BY id LIMIT $2',
      [filter.status ?? null, filter.limit ?? 100],
    );
    return rows.map(toOutboxRow);
  }

  async requeueDead(ids?: readonly number[]): Promise<number> {
    return this.transaction(async (client) => {
      const dead = ids ?? (await client.query<{ id: number }>("SELECT id FROM outbox WHERE status = 'dead'")).rows.map((r) => r.id);
      await this.lockKeys(client, [], dead);
      const { rows } = await client.query<{ key: string }>(
        `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, ambiguous = TRUE
         WHERE status = 'dead' AND id = ANY($2::bigint[]) RETURNING key`,
        [Date.now(), dead],
      );
      // A requeued row goes back to its place in its key's order, which may be before the head.
      await this.refreshHeads(client, [...new Set(rows.map((r) => r.key))]);
      return rows.length;
    });
  }

  async outboxStats(now = Date.now()): Promise<OutboxStats> {
    const { rows } = await this.pool.query<{ pending: number; dead: number; dead_customer: number; oldest: number | null; quarantined: number }>(
      `SELECT COUNT(*) FILTER (WHERE status = 'pending') AS pending, COUNT(*) FILTER (WHERE status = 'dead') AS dead,
         COUNT(*) FILTER (WHERE status = 'dead' AND payload->>'kind' = 'customer-message') AS dead_customer,
         MIN(created_at) FILTER (WHERE status = 'pending' AND key NOT IN (
           SELECT key FROM outbox WHERE is_head AND attempts = 0 AND next_attempt_at > $1)) AS oldest,
         (SELECT COUNT(*) FROM quarantine) AS quarantined FROM outbox`,
      [now],
    );
    const r = rows[0]!;
    return { pending: r.pending, dead: r.dead, deadCustomerMessages: r.dead_customer, oldestPendingAt: r.oldest, quarantined: r.quarantined };
  }

  async openSurveyComment(mappingId: number, user: UserKey, until: number): Promise<void> {
    await this.pool.query(
      'INSERT INTO survey_comments (conversation_id, network, external_user_id, open_until) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [mappingId, user.network, user.externalUserId, until],
    );
  }

  async surveyAwaitingComment(user: UserKey, now: number): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ id: number }>(
      `SELECT conversation_id AS id FROM survey_comments WHERE network = $1 AND external_user_id = $2 AND open_until > $3 AND comment IS NULL
         ORDER BY open_until DESC LIMIT 1`,
      [user.network, user.externalUserId, now],
    );
    return rows[0]?.id;
  }

  async saveSurveyComment(mappingId: number, text: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE survey_comments SET comment = $1 WHERE conversation_id = $2 AND comment IS NULL', [text, mappingId]);
    return rowCount === 1;
  }

  async surveyComment(mappingId: number): Promise<string | null | undefined> {
    const { rows } = await this.pool.query<{ comment: string | null }>('SELECT comment FROM survey_comments WHERE conversation_id = $1', [mappingId]);
    return rows[0]?.comment;
  }

  async wakeAfterOutage(keyPrefix: string): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE outbox SET next_attempt_at = $1, waits_for_service = false
       WHERE is_head AND waits_for_service AND next_attempt_at > $1 AND starts_with(key, $2)`,
      [Date.now(), keyPrefix],
    );
    return rowCount ?? 0;
  }

  async wakeKey(key: string): Promise<void> {
    const now = Date.now();
    await this.pool.query("UPDATE outbox SET next_attempt_at = $1 WHERE key = $2 AND is_head AND status = 'pending' AND next_attempt_at > $1", [now, key]);
  }

  async installationId(): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>('SELECT id FROM installation');
    return rows[0]!.id;
  }

  async repairHeads(): Promise<number> {
    try {
      return (await this.pool.query(MARK_MISSING_HEADS)).rowCount ?? 0;
    } catch (err) {
      // A writer marked one of those heads meanwhile: nothing is missing there now, and the rest can wait for the next round.
      if (isHeadConflict(err)) return 0;
      throw err;
    }
  }

  async pruneDedupe(olderThan: number): Promise<number> {
    return (await this.pool.query('DELETE FROM dedupe WHERE seen_at < $1', [olderThan])).rowCount ?? 0;
  }

  async linkMessage(link: Omit<MessageLink, 'createdAt'>): Promise<void> {
    await this.pool.query({
      ...INSERT_MESSAGE_LINK,
      values: [link.network, link.externalMessageId, link.conversationId, link.flexSid, link.flexMessageSid, link.text.slice(0, QUOTED_TEXT_MAX), Date.now()],
    });
  }

  async messageLinkByFlexSid(flexMessageSid: string): Promise<MessageLink | undefined> {
    const { rows } = await this.pool.query<MessageLinkRecord>('SELECT * FROM message_links WHERE flex_message_sid = $1 LIMIT 1', [flexMessageSid]);
    return rows[0] && toMessageLink(rows[0]);
  }

  async messageLinkByExternalId(network: string, externalMessageId: string): Promise<MessageLink | undefined> {
    const { rows } = await this.pool.query<MessageLinkRecord>('SELECT * FROM message_links WHERE network = $1 AND external_message_id = $2', [
      network,
      externalMessageId,
    ]);
    return rows[0] && toMessageLink(rows[0]);
  }

  async recentMessageLinks(conversationId: number, limit: number): Promise<MessageLink[]> {
    const { rows } = await this.pool.query<MessageLinkRecord>(
      'SELECT * FROM message_links WHERE conversation_id = $1 ORDER BY created_at DESC, flex_message_sid DESC LIMIT $2',
      [conversationId, limit],
    );
    return rows.map(toMessageLink);
  }

  async pruneMessageLinks(olderThan: number): Promise<number> {
    return (await this.pool.query('DELETE FROM message_links WHERE created_at < $1', [olderThan])).rowCount ?? 0;
  }

  async gatewaySession(name: string): Promise<KeptGatewaySession | undefined> {
    const { rows } = await this.pool.query<KeptGatewaySession>(
      `SELECT session_id AS "sessionId", sequence, resume_url AS "resumeUrl", shard_id AS "shardId", shard_count AS "shardCount", updated_at AS "updatedAt"
       FROM gateway_sessions WHERE name = $1`,
      [name],
    );
    return rows[0];
  }

  async saveGatewaySession(name: string, session: GatewaySessionRecord | null): Promise<void> {
    if (!session) {
      await this.pool.query('DELETE FROM gateway_sessions WHERE name = $1', [name]);
      return;
    }
    await this.pool.query(
      `INSERT INTO gateway_sessions (name, session_id, sequence, resume_url, shard_id, shard_count, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (name) DO UPDATE SET session_id = excluded.session_id, sequence = excluded.sequence,
         resume_url = excluded.resume_url, shard_id = excluded.shard_id, shard_count = excluded.shard_count,
         updated_at = excluded.updated_at`,
      [name, session.sessionId, session.sequence, session.resumeUrl, session.shardId, session.shardCount, Date.now()],
    );
  }

  async advanceGatewaySession(name: string, sessionId: string, sequence: number): Promise<void> {
    await this.pool.query(
      'UPDATE gateway_sessions SET sequence = $1, updated_at = $2 WHERE name = $3 AND session_id = $4 AND sequence < $1',
      [sequence, Date.now(), name, sessionId],
    );
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.completions.settled();
    if (!this.pool.ended) await this.pool.end();
  }
}

/** Runs `attempt` again, a few times at most, while it loses a head to another writer (see isHeadConflict). */
async function retryingHeadConflicts<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= HEAD_CONFLICT_ATTEMPTS || !isHeadConflict(err)) throw err;
    }
  }
}
